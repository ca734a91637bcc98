using System.Diagnostics;
using System.Text.Json;
using Dynamo.Orleans.Kernels.Bench;
using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Model;
using Dynamo.Orleans.Kernels.Sampling;
using static TorchSharp.torch;

// Decode and prefill throughput of the engine beside a bare loop over the same weights, in one run.
// Usage: dotnet run --project bench/Kernels.Bench -c Release -- --help
if (BenchArguments.WantsHelp(args))
{
    Console.WriteLine(BenchArguments.Usage);
    return 0;
}
BenchArguments arguments;
try
{
    arguments = BenchArguments.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"kernels-bench: error: {e.Message}\n{BenchArguments.Usage}");
    return 1;
}
int threads = Environment.ProcessorCount;
set_num_threads(threads);
using var inference = inference_mode();

var config = new ModelConfig
{
    Architecture = "LlamaForCausalLM", VocabSize = 32000, HiddenSize = 2048, IntermediateSize = 5632,
    NumHiddenLayers = arguments.Layers, NumAttentionHeads = 32, NumKeyValueHeads = 4, HeadDim = 64,
    RmsNormEps = 1e-5, RopeTheta = 10000, MaxPositionEmbeddings = 2048, TieWordEmbeddings = false,
    AttentionBias = false, TorchDtype = "bfloat16",
};
Console.WriteLine($"TinyLlama-shaped model, {config.NumHiddenLayers} layers, bf16, random weights; {threads} threads");
var generator = new Generator(1);
var weights = LlamaWeights.Load(config, (name, shape) => name.EndsWith("norm.weight")
    ? ones(shape, ScalarType.BFloat16)
    : randn(shape, ScalarType.BFloat16, generator: generator).mul_(0.02));
var model = new LlamaModel(config, weights, ScalarType.BFloat16, CPU, 2048);
double weightBytes = model.StepWeightBytes;

// Read bandwidth as decode sees it: a batch-1 linear over a bf16 matrix larger than any cache (512 MiB), best of 5.
double bandwidth;
using (var matrix = randn([131072, config.HiddenSize], ScalarType.BFloat16, generator: generator))
using (var x = randn([1, config.HiddenSize], ScalarType.BFloat16, generator: generator))
{
    TorchSharp.torch.nn.functional.linear(x, matrix).Dispose();
    double best = double.MaxValue;
    for (int i = 0; i < 5; i++)
    {
        var sw = Stopwatch.StartNew();
        TorchSharp.torch.nn.functional.linear(x, matrix).Dispose();
        best = Math.Min(best, sw.Elapsed.TotalSeconds);
    }
    bandwidth = matrix.numel() * 2 / best;
}
double floorMs = weightBytes / bandwidth * 1000;
Console.WriteLine($"weights {weightBytes / 1e6:F0} MB, read bandwidth {bandwidth / 1e9:F1} GB/s → batch-1 floor {floorMs:F2} ms/step");

var results = new List<Dictionary<string, object>>();
var engine = new LlmEngine(model, new EngineOptions
{
    BlockSize = 16, KvCacheBlocks = 32 * ((arguments.Prompt + arguments.Steps + 32) / 16 + 2) + 64,
    MaxNumSeqs = 32, MaxBatchedTokens = Math.Max(arguments.Prefill, 512), Threads = threads,
}, []);

foreach (int batch in arguments.Batches)
{
    double bare = BareDecode(batch);
    double eng = await EngineDecode(batch);
    double bareStepMs = 1000.0 * batch / bare, engStepMs = 1000.0 * batch / eng;
    Console.WriteLine($"decode batch {batch,2}: engine {eng,8:F1} tok/s ({engStepMs:F2} ms/step)   bare {bare,8:F1} tok/s ({bareStepMs:F2} ms/step)   ratio {eng / bare:F3}");
    results.Add(new()
    {
        ["phase"] = "decode", ["batch"] = batch, ["engine_tokens_per_s"] = eng, ["bare_tokens_per_s"] = bare,
        ["engine_step_ms"] = engStepMs, ["bare_step_ms"] = bareStepMs, ["ratio"] = eng / bare
    });
}
double barePrefill = BarePrefill(arguments.Prefill);
double enginePrefill = await EnginePrefill(arguments.Prefill);
Console.WriteLine($"prefill {arguments.Prefill} tokens: engine {enginePrefill:F0} tok/s   bare {barePrefill:F0} tok/s   ratio {enginePrefill / barePrefill:F3}");
results.Add(new()
{
    ["phase"] = "prefill", ["tokens"] = arguments.Prefill, ["engine_tokens_per_s"] = enginePrefill,
    ["bare_tokens_per_s"] = barePrefill, ["ratio"] = enginePrefill / barePrefill
});

var b1 = results.First(r => r["phase"] is "decode" && (int)r["batch"] == 1);
var b32 = results.LastOrDefault(r => r["phase"] is "decode" && (int)r["batch"] == 32) ?? b1;
var summary = new Dictionary<string, object>
{
    ["engine_vs_bare_batch1"] = (double)b1["ratio"],
    ["batch32_vs_batch1_tokens_per_s"] = (double)b32["engine_tokens_per_s"] / (double)b1["engine_tokens_per_s"],
    ["batch1_step_vs_bandwidth_floor"] = (double)b1["engine_step_ms"] / floorMs,
};
Console.WriteLine($"targets: engine/bare at batch 1 = {summary["engine_vs_bare_batch1"]:F3} (≥ 0.9); batch 32/batch 1 = {summary["batch32_vs_batch1_tokens_per_s"]:F2} (≥ 3); step/floor = {summary["batch1_step_vs_bandwidth_floor"]:F2} (≤ 1.35)");
if (arguments.Output is not null) BenchReport.Write(arguments, config, threads, weightBytes, bandwidth, floorMs, results, summary);
else Console.WriteLine("(not written: give --out DIR to record the results)");
engine.Dispose();
return 0;

double BareDecode(int batch)
{
    using var loop = new BareDecodeLoop(config, weights, ScalarType.BFloat16, batch, arguments.Prompt + arguments.Steps + 8);
    using var prompt = randint(0, config.VocabSize, [batch, arguments.Prompt], dtype: ScalarType.Int64, generator: generator);
    var next = loop.Step(prompt);
    for (int i = 0; i < 4; i++) next = loop.Step(tensor(next, [batch, 1L]));   // warm-up
    var sw = Stopwatch.StartNew();
    for (int i = 0; i < arguments.Steps; i++) next = loop.Step(tensor(next, [batch, 1L]));
    return batch * arguments.Steps / sw.Elapsed.TotalSeconds;
}

double BarePrefill(int tokens)
{
    using var loop = new BareDecodeLoop(config, weights, ScalarType.BFloat16, 1, tokens + 8);
    using var prompt = randint(0, config.VocabSize, [1, tokens], dtype: ScalarType.Int64, generator: generator);
    loop.Step(prompt); loop.Reset();
    var sw = Stopwatch.StartNew();
    loop.Step(prompt);
    return tokens / sw.Elapsed.TotalSeconds;
}

async Task<double> EngineDecode(int batch)
{
    var p = SamplingParams.Greedy(arguments.Steps + 5) with { IgnoreEos = true };
    var handles = Enumerable.Range(0, batch)
        .Select(i => engine.Submit(Enumerable.Range(0, arguments.Prompt).Select(t => (t * 7 + i * 13) % config.VocabSize).ToArray(), p))
        .ToArray();
    // Clock the steady state: from the moment every sequence has its 5th token to the last token.
    var warmed = handles.Select(async h => { for (int i = 0; i < 5; i++) await h.Tokens.ReadAsync(); }).ToArray();
    await Task.WhenAll(warmed);
    var sw = Stopwatch.StartNew();
    await Task.WhenAll(handles.Select(async h => { await foreach (var _ in h.Tokens.ReadAllAsync()) { } }));
    return batch * arguments.Steps / sw.Elapsed.TotalSeconds;
}

async Task<double> EnginePrefill(int tokens)
{
    var prompt = Enumerable.Range(0, tokens).Select(t => (t * 11 + 5) % config.VocabSize).ToArray();
    await engine.GenerateAsync(prompt, SamplingParams.Greedy(1));                     // warm-up (same shapes)
    var fresh = prompt.Select(t => (t + 1) % config.VocabSize).ToArray();             // no prefix-cache hit
    var sw = Stopwatch.StartNew();
    await engine.GenerateAsync(fresh, SamplingParams.Greedy(1));
    return tokens / sw.Elapsed.TotalSeconds;
}
