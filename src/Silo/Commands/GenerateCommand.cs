using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Sampling;
using Dynamo.Orleans.Kernels.Templates;
using Dynamo.Orleans.Kernels.Tokenization;

namespace Dynamo.Orleans.Silo.Commands;

/// <summary><c>dynamo generate</c>: one completion from one engine in this process, streamed to stdout or as JSON.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var model = new ModelOptions();
        var prompt = new Option<string?>("--prompt") { Description = "prompt text" };
        var promptIds = new Option<string?>("--prompt-ids") { Description = "prompt as comma-separated token ids, e.g. 1,2,3" };
        var chat = new Option<bool>("--chat") { Description = "treat --prompt as a user message and apply the model's chat template" };
        var maxTokens = new Option<int>("--max-tokens") { Description = "most tokens to generate", DefaultValueFactory = _ => 16 };
        var temperature = new Option<double>("--temperature") { Description = "0 = greedy", DefaultValueFactory = _ => 1.0 };
        var topP = new Option<double>("--top-p") { DefaultValueFactory = _ => 1.0 };
        var topK = new Option<int>("--top-k") { Description = "0 = off", DefaultValueFactory = _ => 0 };
        var seed = new Option<ulong?>("--seed") { Description = "makes sampling reproducible" };
        var ignoreEos = new Option<bool>("--ignore-eos") { Description = "keep going past end-of-sequence tokens" };
        var json = new Option<bool>("--json") { Description = "print one JSON object: token_ids, text, finish_reason, usage, timings" };

        var command = new Command("generate", "Generate a completion with one engine in this process.");
        model.AddTo(command);
        foreach (var o in new Option[] { prompt, promptIds, chat, maxTokens, temperature, topP, topK, seed, ignoreEos, json }) command.Options.Add(o);
        command.Validators.Add(r =>
        {
            if ((r.GetValue(prompt) is null) == (r.GetValue(promptIds) is null))
                r.AddError("give exactly one of --prompt or --prompt-ids");
            if (r.GetValue(chat) && r.GetValue(prompt) is null)
                r.AddError("--chat needs --prompt");
        });

        command.SetAction(async (result, cancellationToken) =>
        {
            var parameters = new SamplingParams
            {
                MaxTokens = result.GetValue(maxTokens), Temperature = result.GetValue(temperature), TopP = result.GetValue(topP),
                TopK = result.GetValue(topK), Seed = result.GetValue(seed), IgnoreEos = result.GetValue(ignoreEos),
            };
            bool asJson = result.GetValue(json);
            return await CommandErrors.Run(async () =>
            {
                parameters.Validate();
                var clock = Stopwatch.StartNew();
                var progress = new LoadProgressBar();
                using var runtime = ModelRuntime.Load(model.Read(result), progress);
                progress.Finish();
                double loadSeconds = clock.Elapsed.TotalSeconds;

                IReadOnlyList<int> ids = result.GetValue(promptIds) is { } idText
                    ? ParseIds(idText)
                    : result.GetValue(chat)
                        ? runtime.EncodeChat([new ChatMessage("user", result.GetValue(prompt)!)])
                        : runtime.Tokenizer.Encode(result.GetValue(prompt)!);

                clock.Restart();
                var handle = runtime.Engine.Submit(ids, parameters);
                var detokenizer = runtime.Tokenizer.CreateDetokenizer(ids);
                var tokens = new List<int>();
                var text = new System.Text.StringBuilder();
                double? firstTokenSeconds = null;
                await foreach (var token in handle.ReadAllAsync(cancellationToken))
                {
                    firstTokenSeconds ??= clock.Elapsed.TotalSeconds;
                    tokens.Add(token.TokenId);
                    var piece = detokenizer.Push(token.TokenId);
                    text.Append(piece);
                    if (!asJson) Console.Write(piece);
                }
                var tail = detokenizer.Flush();
                text.Append(tail);
                var finish = await handle.Completion;
                double totalSeconds = clock.Elapsed.TotalSeconds;
                if (!asJson)
                {
                    Console.WriteLine(tail);
                    return 0;
                }
                WriteJson(runtime.Name, ids, tokens, text.ToString(), finish, loadSeconds, firstTokenSeconds ?? totalSeconds, totalSeconds);
                return 0;
            });
        });
        return command;
    }

    internal static IReadOnlyList<int> ParseIds(string text)
    {
        var ids = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, out var id)) throw new ArgumentException($"--prompt-ids: '{part}' is not a token id");
            ids.Add(id);
        }
        return ids;
    }

    private static void WriteJson(string model, IReadOnlyList<int> prompt, List<int> tokens, string text, FinishReason? finish,
                                  double loadSeconds, double firstTokenSeconds, double totalSeconds)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var w = new Utf8JsonWriter(stdout, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("model", model);
            w.WriteStartArray("prompt_token_ids");
            foreach (var id in prompt) w.WriteNumberValue(id);
            w.WriteEndArray();
            w.WriteStartArray("token_ids");
            foreach (var id in tokens) w.WriteNumberValue(id);
            w.WriteEndArray();
            w.WriteString("text", text);
            w.WriteString("finish_reason", finish switch
            {
                FinishReason.Stop => "stop",
                FinishReason.Length => "length",
                FinishReason.Cancelled => "cancelled",
                _ => "error",
            });
            w.WriteStartObject("usage");
            w.WriteNumber("prompt_tokens", prompt.Count);
            w.WriteNumber("completion_tokens", tokens.Count);
            w.WriteEndObject();
            w.WriteStartObject("timings");
            w.WriteNumber("load_seconds", Math.Round(loadSeconds, 4));
            w.WriteNumber("time_to_first_token_seconds", Math.Round(firstTokenSeconds, 4));
            w.WriteNumber("total_seconds", Math.Round(totalSeconds, 4));
            w.WriteNumber("decode_tokens_per_second", tokens.Count > 1 ? Math.Round((tokens.Count - 1) / Math.Max(1e-9, totalSeconds - firstTokenSeconds), 2) : 0);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        stdout.WriteByte((byte)'\n');
    }
}
