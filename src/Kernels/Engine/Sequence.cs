using System.Threading.Channels;
using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Sampling;

namespace Dynamo.Orleans.Kernels.Engine;

internal enum SequenceState { Waiting, Running, Finished }

/// <summary>
/// One request inside the engine. <see cref="Tokens"/> holds prompt and output; the first <see cref="Computed"/> of them
/// have KV in <see cref="Table"/>'s blocks. Prefill and decode are the same thing here: computing the tokens that have
/// no KV yet, a whole chunk of them for a prompt, one of them for decode. Touched only by the engine thread.
/// </summary>
internal sealed class Sequence
{
    /// <param name="parameters">With the seed fixed: every token's draw depends on it.</param>
    public Sequence(long id, IEnumerable<int> tokens, int promptLength, SamplingParams parameters, int generated, KvExportPlan? export = null)
    {
        if (parameters.Seed is null) throw new ArgumentException("a sequence samples with a fixed seed", nameof(parameters));
        Export = export;
        Id = id;
        Tokens = new List<int>(tokens);
        PromptLength = promptLength;
        Parameters = parameters;
        Generated = generated;
    }

    public long Id { get; }
    public List<int> Tokens { get; }
    public int PromptLength { get; }
    public SamplingParams Parameters { get; }
    public ulong Seed => Parameters.Seed!.Value;
    /// <summary>Output tokens so far, counting any produced by another engine before a handoff.</summary>
    public int Generated { get; set; }
    /// <summary>Stream the prompt's KV out layer group by layer group during prefill, then end handed off.</summary>
    public KvExportPlan? Export { get; }
    public int Computed { get; set; }
    public BlockTable Table { get; } = new();
    public SequenceState State { get; set; } = SequenceState.Waiting;
    public int CachedPromptTokens { get; set; }
    public int Preemptions { get; set; }
    public volatile bool CancelRequested;

    public Channel<GeneratedToken> Output { get; } =
        Channel.CreateUnbounded<GeneratedToken>(new UnboundedChannelOptions { SingleWriter = true, SingleReader = false });
    public TaskCompletionSource<FinishReason?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Remaining => Tokens.Count - Computed;
}
