using System.CommandLine;
using System.Text.Json;
using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Dynamo.Orleans.Kernels.Tokenization;

namespace Dynamo.Orleans.Silo.Commands;

/// <summary><c>dynamo tokenize</c>: the token ids of a text under a model's tokenizer (no weights are loaded).</summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Hugging Face model folder (default: the embedded default model)" };
        var text = new Option<string>("--text") { Description = "text to tokenize", Required = true };
        var noSpecial = new Option<bool>("--no-special-tokens") { Description = "do not add BOS/EOS" };
        var json = new Option<bool>("--json") { Description = "print {\"ids\": [...], \"tokens\": [...]}" };
        var command = new Command("tokenize", "Print the token ids of a text.") { model, text, noSpecial, json };
        command.SetAction(result => CommandErrors.Run(() =>
        {
            var directory = DefaultModel.Or(result.GetValue(model));
            var tokenizer = ModelTokenizer.Load(directory);
            var ids = tokenizer.Encode(result.GetValue(text)!, addSpecialTokens: !result.GetValue(noSpecial));
            if (!result.GetValue(json))
            {
                Console.WriteLine(string.Join(',', ids));
                return Task.FromResult(0);
            }
            using var stdout = Console.OpenStandardOutput();
            using (var w = new Utf8JsonWriter(stdout, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                w.WriteStartObject();
                w.WriteStartArray("ids");
                foreach (var id in ids) w.WriteNumberValue(id);
                w.WriteEndArray();
                w.WriteStartArray("tokens");
                foreach (var id in ids) w.WriteStringValue(tokenizer.IdToToken(id));
                w.WriteEndArray();
                w.WriteEndObject();
            }
            stdout.WriteByte((byte)'\n');
            return Task.FromResult(0);
        }).GetAwaiter().GetResult());
        return command;
    }
}
