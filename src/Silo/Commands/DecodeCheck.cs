using System.CommandLine;
using System.Text.Json;
using Dynamo.Orleans.Kernels.Diagnostics;
using Dynamo.Orleans.Kernels.Engine;

namespace Dynamo.Orleans.Silo.Commands;

/// <summary>
/// <c>dynamo check decode</c>: batch-1 greedy decode speed of a model on a device, against the memory-bandwidth bound
/// (bandwidth ÷ the weight and KV bytes a step reads). scripts/gpu/check.sh runs it beside PyTorch eager
/// (scripts/gpu/eager_decode.py) on the same checkpoint and prompt.
/// </summary>
internal static class DecodeCheck
{
    /// <summary>H200's HBM3e bandwidth, in 10^9 bytes per second.</summary>
    private const double H200GigabytesPerSecond = 4800;

    public static Command Create()
    {
        var model = new ModelOptions();
        var promptIds = new Option<string>("--prompt-ids")
        {
            Description = "prompt as comma-separated token ids", DefaultValueFactory = _ => "1,2,3,4,5,6,7,8",
        };
        var tokens = new Option<int>("--tokens") { Description = "tokens to decode (after a warm-up run)", DefaultValueFactory = _ => 128 };
        var bandwidth = new Option<double>("--hbm-gbps")
        {
            Description = "memory bandwidth the bound is computed with, in GB/s (default: H200's 4800)",
            DefaultValueFactory = _ => H200GigabytesPerSecond,
        };
        var json = new Option<bool>("--json") { Description = "print one JSON object instead of a line" };
        var command = new Command("decode", "Measure batch-1 greedy decode tokens/s of a model against the memory-bandwidth bound.")
        {
            promptIds, tokens, bandwidth, json,
        };
        model.AddTo(command);
        command.SetAction((result, cancellationToken) => CommandErrors.Run(async () =>
        {
            var options = model.Read(result);
            var prompt = GenerateCommand.ParseIds(result.GetValue(promptIds)!);
            using var runtime = ModelRuntime.Load(options);
            var measured = await DecodeThroughput.MeasureAsync(runtime.Engine, prompt, result.GetValue(tokens), cancellationToken);
            double gbps = result.GetValue(bandwidth);
            var dtype = runtime.Engine.Model.DType.ToString().ToLowerInvariant();
            if (result.GetValue(json))
            {
                WriteJson(runtime.Name, options.Device, dtype, prompt.Count, measured, gbps);
                return 0;
            }
            double bound = measured.BoundTokensPerSecond(gbps);
            Console.WriteLine($"decode batch 1 on {options.Device} ({dtype}): {measured.TokensPerSecond:F1} tok/s, " +
                              $"{measured.BytesPerToken / 1e9:F3} GB read per token; bound at {gbps:F0} GB/s: {bound:F0} tok/s " +
                              $"({measured.TokensPerSecond / bound:P1})");
            return 0;
        }));
        return command;
    }

    private static void WriteJson(string model, string device, string dtype, int promptTokens, DecodeMeasurement m, double gbps)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var w = new Utf8JsonWriter(stdout))
        {
            w.WriteStartObject();
            w.WriteString("model", model);
            w.WriteString("device", device);
            w.WriteString("dtype", dtype);
            w.WriteNumber("prompt_tokens", promptTokens);
            w.WriteNumber("decoded_tokens", m.DecodedTokens);
            w.WriteNumber("seconds", Math.Round(m.Seconds, 4));
            w.WriteNumber("tokens_per_second", Math.Round(m.TokensPerSecond, 2));
            w.WriteNumber("weight_bytes_per_token", m.WeightBytesPerToken);
            w.WriteNumber("kv_bytes_per_token", m.KvBytesPerToken);
            w.WriteNumber("bytes_per_token", m.BytesPerToken);
            w.WriteNumber("hbm_gbps", gbps);
            w.WriteNumber("bound_tokens_per_second", Math.Round(m.BoundTokensPerSecond(gbps), 1));
            w.WriteStartArray("ids");
            foreach (var id in m.Ids.Take(16)) w.WriteNumberValue(id);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        stdout.WriteByte((byte)'\n');
    }
}
