using System.Globalization;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Sampling;
using Dynamo.Orleans.Kernels.Tests.Model;
using Xunit.Abstractions;

namespace Dynamo.Orleans.Kernels.Tests.Engine;

/// <summary>The test tells the engine's threads from others by the threads that appear while it runs: it runs alone.</summary>
[CollectionDefinition(nameof(EngineThreadPriorityTests), DisableParallelization = true)]
public sealed class EngineThreadPriorityCollection;

/// <summary>
/// libtorch's workers for an engine run at the nice value <see cref="EngineOptions.ThreadNice"/> asks for, read back from
/// /proc; the engine thread itself, anything it starts (as .NET's thread pool does when the engine queues work) and
/// .NET's threads keep the process's.
/// </summary>
[Collection(nameof(EngineThreadPriorityTests))]
public sealed class EngineThreadPriorityTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(7)]
    [InlineData(0)]
    public async Task Libtorch_workers_run_at_the_configured_nice_and_the_engine_and_dotnet_threads_do_not(int threadNice)
    {
        int baseline = ProcessThreads().Single(t => t.Tid == Environment.ProcessId).Nice;
        int expected = Math.Min(EngineThreadPriority.MaxNice, baseline + threadNice);
        var before = ProcessThreads().Select(t => t.Tid).ToHashSet();

        // Big enough matmuls (64 × 512 by 512 × 1536) that libtorch splits them over its workers; four threads so that
        // the pool has workers on a machine of any size.
        var config = RandomModels.Config("LlamaForCausalLM") with { HiddenSize = 512, IntermediateSize = 1536, NumAttentionHeads = 8, HeadDim = 64 };
        const int Threads = 4;
        using (var engine = new LlmEngine(RandomModels.Create(config), new EngineOptions
        {
            BlockSize = 16, KvCacheBlocks = 16, Threads = Threads, ThreadNice = threadNice,
        }, []))
        {
            await Task.Run(() => engine.GenerateAsync(EngineFixture.Prompt(64, salt: 3), SamplingParams.Greedy(4)));
            // Read between steps, while the engine thread and its workers are alive.
            var (engineTid, startedNice) = await engine.InvokeAsync(() =>
            {
                // What the thread pool does when the engine thread queues work while it is short of threads.
                int nice = int.MinValue;
                var started = new Thread(() => nice = ProcessThreads().Single(x => x.Tid == CurrentTid()).Nice);
                started.Start();
                started.Join();
                return (CurrentTid(), nice);
            });
            var threads = ProcessThreads();
            output.WriteLine($"baseline nice {baseline}, engine thread {engineTid}; threads now:\n" +
                             string.Join("\n", threads.Select(t => $"{t.Tid} {t.Name} nice {t.Nice}{(before.Contains(t.Tid) ? "" : " (new)")}")));

            Assert.Equal(baseline, startedNice);
            Assert.Equal(LlmEngine.ThreadName, threads.Single(t => t.Tid == engineTid).Name);
            Assert.Equal(baseline, threads.Single(t => t.Tid == engineTid).Nice);
            // libtorch's workers keep the name of the thread that started them: every other thread named like the
            // engine thread that appeared meanwhile is one of this engine's workers (its OpenMP team has Threads − 1).
            var workers = threads.Where(t => !before.Contains(t.Tid) && t.Tid != engineTid && t.Name == LlmEngine.ThreadName).ToList();
            Assert.True(workers.Count >= Threads - 1, $"expected at least {Threads - 1} libtorch workers, found {workers.Count}");
            Assert.All(workers, t => Assert.Equal(expected, t.Nice));

            var dotnet = threads.Where(t => t.Name.StartsWith(".NET", StringComparison.Ordinal)).ToList();
            Assert.Contains(dotnet, t => t.Name.StartsWith(".NET TP Worker", StringComparison.Ordinal));
            Assert.All(dotnet, t => Assert.Equal(baseline, t.Nice));
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "gettid")]
    private static extern int CurrentTid();

    private sealed record TaskThread(int Tid, string Name, int Nice);

    private static List<TaskThread> ProcessThreads()
    {
        var threads = new List<TaskThread>();
        foreach (var dir in Directory.GetDirectories("/proc/self/task"))
        {
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (IOException) { continue; } // the thread ended meanwhile
            // "tid (comm) state ppid …": comm may hold spaces and parentheses, so fields count from the last ')'.
            int close = stat.LastIndexOf(')');
            var name = stat[(stat.IndexOf('(') + 1)..close];
            var fields = stat[(close + 2)..].Split(' ');
            // Field 19 of stat is nice; fields[0] here is field 3 (state).
            threads.Add(new TaskThread(int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture), name, int.Parse(fields[19 - 3], CultureInfo.InvariantCulture)));
        }
        return threads;
    }
}
