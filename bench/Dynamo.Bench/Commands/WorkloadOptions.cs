using System.CommandLine;
using System.Globalization;
using Dynamo.Orleans.Bench.Metrics;
using Dynamo.Orleans.Bench.Workloads;

namespace Dynamo.Orleans.Bench.Commands;

/// <summary>
/// The workload and SLA options shared by <c>run</c> and <c>compare</c>. <c>--workload single</c> is one traffic class
/// (genai-perf style: lengths, concurrency or request rate, shared prefix or per-session system prompt, turns, think
/// time); <c>--workload mixed</c> is the case disaggregation exists for: <c>--concurrency</c> decode streams with short
/// prompts and long answers, plus a Poisson stream of long prompts arriving while they decode.
/// </summary>
internal sealed class WorkloadOptions
{
    public Option<string> Kind { get; } = new("--workload") { Description = "single or mixed", DefaultValueFactory = _ => "single" };
    public Option<string> Concurrency { get; } = new("--concurrency") { Description = "concurrent users (mixed: decode streams); a comma list sweeps", DefaultValueFactory = _ => "4" };
    public Option<double?> RequestRate { get; } = new("--request-rate") { Description = "single: Poisson arrivals at this many requests/s instead of a closed loop" };
    public Option<string> Input { get; } = new("--input-tokens") { Description = "prompt length: N, uniform:MIN-MAX or normal:MEAN,SD[,MIN,MAX]", DefaultValueFactory = _ => "128" };
    public Option<string> Output { get; } = new("--output-tokens") { Description = "answer length, same forms", DefaultValueFactory = _ => "128" };
    public Option<int> Requests { get; } = new("--requests") { Description = "measured sessions per point (mixed: long prompts)", DefaultValueFactory = _ => 32 };
    public Option<int> Warmup { get; } = new("--warmup") { Description = "warm-up sessions per class, excluded from results", DefaultValueFactory = _ => 2 };
    public Option<int> SharedPrefix { get; } = new("--shared-prefix") { Description = "tokens of a system prefix common to every prompt", DefaultValueFactory = _ => 0 };
    public Option<string> SystemPrompt { get; } = new("--system-prompt") { Description = "tokens of each session's own system prompt (after the shared prefix): 0 (none), N, uniform:MIN-MAX or normal:…", DefaultValueFactory = _ => "0" };
    public Option<string> ThinkTimeMs { get; } = new("--think-time-ms") { Description = "the user's pause before each turn (after the last answer; before the first, it spreads the starts): MS or MIN-MAX (uniform); 0: none", DefaultValueFactory = _ => "0" };
    public Option<int> Turns { get; } = new("--turns") { Description = "turns per conversation (each resends the growing history)", DefaultValueFactory = _ => 1 };
    public Option<string> LongInput { get; } = new("--long-input-tokens") { Description = "mixed: long prompt length", DefaultValueFactory = _ => "uniform:1000-2000" };
    public Option<string> LongOutput { get; } = new("--long-output-tokens") { Description = "mixed: answer length of long prompts", DefaultValueFactory = _ => "16" };
    public Option<double> LongRate { get; } = new("--long-rate") { Description = "mixed: long prompts per second (Poisson)", DefaultValueFactory = _ => 0.2 };
    public Option<double> SlaTtftMs { get; } = new("--sla-ttft-ms") { Description = "goodput SLA: time to first token", DefaultValueFactory = _ => 4000.0 };
    public Option<double> SlaItlMs { get; } = new("--sla-itl-ms") { Description = "goodput SLA: mean inter-token latency", DefaultValueFactory = _ => 100.0 };
    public Option<int> Seed { get; } = new("--seed") { DefaultValueFactory = _ => 1 };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Kind, Concurrency, RequestRate, Input, Output, Requests, Warmup, SharedPrefix, SystemPrompt, Turns, ThinkTimeMs, LongInput, LongOutput, LongRate, SlaTtftMs, SlaItlMs, Seed })
            command.Options.Add(o);
    }

    public IReadOnlyList<int> ConcurrencyLevels(ParseResult r) =>
        r.GetValue(Concurrency)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"--concurrency: '{s}' is not a positive integer"))
            .ToList();

    public ServiceLevel ServiceLevel(ParseResult r) => new(r.GetValue(SlaTtftMs) / 1000, r.GetValue(SlaItlMs) / 1000);

    /// <summary>
    /// The workload at one concurrency of the sweep. Each concurrency draws its own prompts: a point that resent the
    /// previous point's prompts would be served from the prefix cache and measure nothing. Every deployment gets the same
    /// prompts at the same concurrency.
    /// </summary>
    public Workload Build(ParseResult r, int concurrency)
    {
        int seed = unchecked(r.GetValue(Seed) * 100_003 + concurrency);
        var input = LengthDistribution.Parse(r.GetValue(Input)!);
        var output = LengthDistribution.Parse(r.GetValue(Output)!);
        int requests = r.GetValue(Requests), warmup = r.GetValue(Warmup), prefix = r.GetValue(SharedPrefix), turns = r.GetValue(Turns);
        if (requests < 1 || warmup < 0 || prefix < 0 || turns < 1) throw new ArgumentException("--requests and --turns must be ≥ 1, --warmup and --shared-prefix ≥ 0");
        var system = r.GetValue(SystemPrompt)!.Trim() is "0" ? null : LengthDistribution.Parse(r.GetValue(SystemPrompt)!);
        var think = ThinkTime.Parse(r.GetValue(ThinkTimeMs)!);
        switch (r.GetValue(Kind))
        {
            case "single":
            {
                Arrival arrival = r.GetValue(RequestRate) is { } rate
                    ? rate > 0 ? new Arrival.Poisson(rate) : throw new ArgumentException("--request-rate must be positive")
                    : new Arrival.Concurrency(concurrency);
                return new Workload("single", [new TrafficClass("requests", arrival, input, output, requests, warmup, prefix, turns, SystemPrompt: system, Think: think)], seed);
            }
            case "mixed":
            {
                double longRate = r.GetValue(LongRate);
                if (longRate <= 0) throw new ArgumentException("--long-rate must be positive");
                return new Workload("mixed",
                [
                    new TrafficClass("decode-streams", new Arrival.Concurrency(concurrency), input, output, 0, warmup, prefix, turns, Background: true, SystemPrompt: system, Think: think),
                    new TrafficClass("long-prompts", new Arrival.Poisson(longRate), LengthDistribution.Parse(r.GetValue(LongInput)!),
                                     LengthDistribution.Parse(r.GetValue(LongOutput)!), requests, warmup),
                ], seed);
            }
            default:
                throw new ArgumentException($"--workload '{r.GetValue(Kind)}' is not single or mixed");
        }
    }
}
