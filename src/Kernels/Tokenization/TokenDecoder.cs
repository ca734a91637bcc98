using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Dynamo.Orleans.Kernels.Tokenization;

/// <summary>
/// The <c>decoder</c> of a tokenizer.json: turns token strings back into text. Steps work on the list of token strings,
/// as the Rust crate's decode chains do, because some (Strip, Metaspace) treat the first token differently.
/// </summary>
internal abstract class TokenDecoder
{
    public abstract List<string> DecodeChain(List<string> tokens);

    public string Decode(List<string> tokens) => string.Concat(DecodeChain(tokens));

    public static TokenDecoder? FromJson(JsonElement json, string file)
    {
        if (json.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
            return null;
        var type = json.GetProperty("type").GetString();
        return type switch
        {
            "Sequence" => new SequenceDecoder(json.GetProperty("decoders").EnumerateArray()
                .Select(d => FromJson(d, file)).OfType<TokenDecoder>().ToArray()),
            "ByteLevel" => new ByteLevelDecoder(),
            "ByteFallback" => new ByteFallbackDecoder(),
            "Fuse" => new FuseDecoder(),
            "Replace" => new ReplaceDecoder(TextPattern.FromJson(json.GetProperty("pattern"), file), json.GetProperty("content").GetString()!),
            "Strip" => new StripDecoder(json.GetProperty("content").GetString()![0], json.GetProperty("start").GetInt32(), json.GetProperty("stop").GetInt32()),
            "Metaspace" => new MetaspaceDecoder(
                json.TryGetProperty("replacement", out var r) ? r.GetString()! : "\u2581",
                !(json.TryGetProperty("prepend_scheme", out var s) ? s.GetString() == "never"
                    : json.TryGetProperty("add_prefix_space", out var a) && !a.GetBoolean())),
            _ => throw new TokenizerException(file, $"decoder type '{type}' is not supported."),
        };
    }

    /// <summary>
    /// The decoder Hugging Face's converter writes for SentencePiece BPE models (Llama 2, Mistral): "▁" is a space,
    /// "&lt;0x..&gt;" pieces are bytes, and the dummy-prefix space before the first word goes.
    /// </summary>
    public static TokenDecoder ForSentencePiece(bool addDummyPrefix)
    {
        List<TokenDecoder> steps = [new ReplaceDecoder(new Regex("\u2581", RegexOptions.CultureInvariant), " "), new ByteFallbackDecoder(), new FuseDecoder()];
        if (addDummyPrefix)
            steps.Add(new StripDecoder(' ', 1, 0));
        return new SequenceDecoder(steps.ToArray());
    }

    private sealed class SequenceDecoder(TokenDecoder[] steps) : TokenDecoder
    {
        public override List<string> DecodeChain(List<string> tokens) => steps.Aggregate(tokens, (current, step) => step.DecodeChain(current));
    }

    private sealed class ByteLevelDecoder : TokenDecoder
    {
        public override List<string> DecodeChain(List<string> tokens)
        {
            var bytes = new List<byte>();
            foreach (var token in tokens)
                ByteLevelAlphabet.AppendBytes(token, bytes);
            // Invalid or cut UTF-8 becomes U+FFFD, which the incremental detokenizer relies on to hold back half characters.
            return [Encoding.UTF8.GetString(bytes.ToArray())];
        }
    }

    private sealed class ByteFallbackDecoder : TokenDecoder
    {
        public override List<string> DecodeChain(List<string> tokens)
        {
            var result = new List<string>(tokens.Count);
            var pending = new List<byte>();
            foreach (var token in tokens)
            {
                if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
                    && byte.TryParse(token.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
                {
                    pending.Add(b);
                    continue;
                }
                Flush(pending, result);
                result.Add(token);
            }
            Flush(pending, result);
            return result;
        }

        private static void Flush(List<byte> pending, List<string> result)
        {
            if (pending.Count == 0)
                return;
            try
            {
                result.Add(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(pending.ToArray()));
            }
            catch (DecoderFallbackException)
            {
                // The Rust crate gives one U+FFFD per byte token when the bytes are not valid UTF-8.
                result.AddRange(Enumerable.Repeat("\uFFFD", pending.Count));
            }
            pending.Clear();
        }
    }

    private sealed class FuseDecoder : TokenDecoder
    {
        public override List<string> DecodeChain(List<string> tokens) => [string.Concat(tokens)];
    }

    private sealed class ReplaceDecoder(Regex pattern, string content) : TokenDecoder
    {
        public override List<string> DecodeChain(List<string> tokens) =>
            tokens.Select(t => pattern.Replace(t, content.Replace("$", "$$"))).ToList();
    }

    private sealed class StripDecoder(char content, int start, int stop) : TokenDecoder
    {
        public override List<string> DecodeChain(List<string> tokens) => tokens.Select(Strip).ToList();

        private string Strip(string token)
        {
            var from = 0;
            while (from < start && from < token.Length && token[from] == content)
                from++;
            var to = token.Length;
            while (token.Length - to < stop && to > from && token[to - 1] == content)
                to--;
            return token[from..to];
        }
    }

    private sealed class MetaspaceDecoder(string replacement, bool dropFirstTokenReplacements) : TokenDecoder
    {
        public override List<string> DecodeChain(List<string> tokens)
        {
            var result = new List<string>(tokens.Count);
            for (var i = 0; i < tokens.Count; i++)
            {
                // The Rust crate drops every "▁" of the first token, not only the dummy prefix ("▁▁▁" + "▁a" is " a"); match it.
                var text = tokens[i].Replace(replacement, i == 0 && dropFirstTokenReplacements ? "" : " ");
                result.Add(text);
            }
            return result;
        }
    }
}
