using System.Text.Encodings.Web;
using System.Text.Json;

namespace Dynamo.Orleans.Kernels.Checkpoints.Synthetic;

/// <summary>
/// The tokenizer files of a synthetic model folder: a Hugging Face <c>tokenizer.json</c> (GPT-2 byte-level BPE, GPT-2's
/// split regex, then the flavour's special tokens appended as added tokens) and a <c>tokenizer_config.json</c> with
/// bos/eos and the flavour's chat template. Real byte-level BPE, so tokenizer code is exercised on a real vocabulary.
/// </summary>
public sealed class SyntheticTokenizer
{
    /// <summary>GPT-2's pre-tokenization regex, as HF's tokenizers spell it in a Split pre-tokenizer.</summary>
    public const string Gpt2SplitPattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>Raw UTF-8 like HF's files (ensure_ascii=False): 'Ġ' and '&lt;|eot_id|&gt;' stay readable instead of \u-escaped.</summary>
    internal static readonly JsonWriterOptions HumanReadable = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    readonly Gpt2Vocabulary _vocabulary = Gpt2Vocabulary.Instance;
    readonly Dictionary<string, int> _specialIds = new(StringComparer.Ordinal);

    public SyntheticTokenizer(ChatFlavour flavour)
    {
        Flavour = flavour;
        int next = _vocabulary.Count;
        foreach (var token in (string[])[ChatFlavour.Gpt2EndOfText, .. flavour.SpecialTokens])
            if (!_specialIds.ContainsKey(token)) _specialIds[token] = next++;
        VocabularySize = next;
    }

    public ChatFlavour Flavour { get; }
    /// <summary>Special tokens (GPT-2's <c>&lt;|endoftext|&gt;</c> first) by id, all after the BPE vocabulary.</summary>
    public IReadOnlyDictionary<string, int> SpecialIds => _specialIds;
    /// <summary>Ids in use: BPE tokens plus specials. A model's vocab_size may round this up.</summary>
    public int VocabularySize { get; }

    public int IdOf(string specialToken) =>
        _specialIds.TryGetValue(specialToken, out int id) ? id : throw new ArgumentException($"'{specialToken}' is not a special token of this tokenizer.");

    public void WriteTokenizerJson(string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using var json = new Utf8JsonWriter(stream, HumanReadable);
        json.WriteStartObject();
        json.WriteString("version", "1.0");
        json.WriteNull("truncation");
        json.WriteNull("padding");

        json.WriteStartArray("added_tokens");
        foreach (var (content, id) in _specialIds.OrderBy(p => p.Value))
        {
            json.WriteStartObject();
            json.WriteNumber("id", id);
            json.WriteString("content", content);
            json.WriteBoolean("single_word", false);
            json.WriteBoolean("lstrip", false);
            json.WriteBoolean("rstrip", false);
            json.WriteBoolean("normalized", false);
            json.WriteBoolean("special", true);
            json.WriteEndObject();
        }
        json.WriteEndArray();

        json.WriteNull("normalizer");

        json.WriteStartObject("pre_tokenizer");
        json.WriteString("type", "Sequence");
        json.WriteStartArray("pretokenizers");
        json.WriteStartObject();
        json.WriteString("type", "Split");
        json.WriteStartObject("pattern");
        json.WriteString("Regex", Gpt2SplitPattern);
        json.WriteEndObject();
        json.WriteString("behavior", "Isolated");
        json.WriteBoolean("invert", false);
        json.WriteEndObject();
        WriteByteLevel(json, addPrefixSpace: false, trimOffsets: true, useRegex: false);
        json.WriteEndArray();
        json.WriteEndObject();

        json.WritePropertyName("post_processor");
        WritePostProcessor(json);

        json.WritePropertyName("decoder");
        WriteByteLevel(json, addPrefixSpace: true, trimOffsets: true, useRegex: true);

        json.WriteStartObject("model");
        json.WriteString("type", "BPE");
        json.WriteNull("dropout");
        json.WriteNull("unk_token");
        json.WriteNull("continuing_subword_prefix");
        json.WriteNull("end_of_word_suffix");
        json.WriteBoolean("fuse_unk", false);
        json.WriteBoolean("byte_fallback", false);
        json.WriteBoolean("ignore_merges", false);
        json.WriteStartObject("vocab");
        for (int id = 0; id < _vocabulary.Count; id++) json.WriteNumber(_vocabulary.Tokens[id], id);
        json.WriteEndObject();
        // "left right" strings: the classic merges format every reader accepts; byte-level tokens never contain a space.
        json.WriteStartArray("merges");
        foreach (var (left, right) in _vocabulary.Merges) json.WriteStringValue(left + " " + right);
        json.WriteEndArray();
        json.WriteEndObject();

        json.WriteEndObject();
    }

    static void WriteByteLevel(Utf8JsonWriter json, bool addPrefixSpace, bool trimOffsets, bool useRegex)
    {
        json.WriteStartObject();
        json.WriteString("type", "ByteLevel");
        json.WriteBoolean("add_prefix_space", addPrefixSpace);
        json.WriteBoolean("trim_offsets", trimOffsets);
        json.WriteBoolean("use_regex", useRegex);
        json.WriteEndObject();
    }

    /// <summary>Bos-prepending families get Llama 3's ByteLevel + TemplateProcessing; the rest ByteLevel alone, as Qwen2 ships.</summary>
    void WritePostProcessor(Utf8JsonWriter json)
    {
        if (!Flavour.AddBosToken || Flavour.BosToken is null)
        {
            WriteByteLevel(json, addPrefixSpace: true, trimOffsets: false, useRegex: true);
            return;
        }
        string bos = Flavour.BosToken;
        json.WriteStartObject();
        json.WriteString("type", "Sequence");
        json.WriteStartArray("processors");
        WriteByteLevel(json, addPrefixSpace: true, trimOffsets: false, useRegex: true);
        json.WriteStartObject();
        json.WriteString("type", "TemplateProcessing");
        json.WriteStartArray("single");
        WriteSpecialPiece(json, bos, 0);
        WriteSequencePiece(json, "A", 0);
        json.WriteEndArray();
        json.WriteStartArray("pair");
        WriteSpecialPiece(json, bos, 0);
        WriteSequencePiece(json, "A", 0);
        WriteSpecialPiece(json, bos, 1);
        WriteSequencePiece(json, "B", 1);
        json.WriteEndArray();
        json.WriteStartObject("special_tokens");
        json.WriteStartObject(bos);
        json.WriteString("id", bos);
        json.WriteStartArray("ids");
        json.WriteNumberValue(IdOf(bos));
        json.WriteEndArray();
        json.WriteStartArray("tokens");
        json.WriteStringValue(bos);
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    }

    static void WriteSpecialPiece(Utf8JsonWriter json, string token, int typeId)
    {
        json.WriteStartObject();
        json.WriteStartObject("SpecialToken");
        json.WriteString("id", token);
        json.WriteNumber("type_id", typeId);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    static void WriteSequencePiece(Utf8JsonWriter json, string sequence, int typeId)
    {
        json.WriteStartObject();
        json.WriteStartObject("Sequence");
        json.WriteString("id", sequence);
        json.WriteNumber("type_id", typeId);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    public void WriteTokenizerConfig(string path, int modelMaxLength)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        using var json = new Utf8JsonWriter(stream, HumanReadable);
        json.WriteStartObject();
        json.WriteBoolean("add_bos_token", Flavour.AddBosToken);
        json.WriteBoolean("add_eos_token", false);
        json.WriteStartObject("added_tokens_decoder");
        foreach (var (content, id) in _specialIds.OrderBy(p => p.Value))
        {
            json.WriteStartObject(id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("content", content);
            json.WriteBoolean("lstrip", false);
            json.WriteBoolean("normalized", false);
            json.WriteBoolean("rstrip", false);
            json.WriteBoolean("single_word", false);
            json.WriteBoolean("special", true);
            json.WriteEndObject();
        }
        json.WriteEndObject();
        if (Flavour.BosToken is null) json.WriteNull("bos_token");
        else json.WriteString("bos_token", Flavour.BosToken);
        json.WriteString("chat_template", Flavour.ChatTemplate);
        json.WriteBoolean("clean_up_tokenization_spaces", false);
        json.WriteString("eos_token", Flavour.EosToken);
        json.WriteNumber("model_max_length", modelMaxLength);
        json.WriteString("pad_token", ChatFlavour.Gpt2EndOfText);
        json.WriteString("tokenizer_class", "PreTrainedTokenizerFast");
        json.WriteEndObject();
    }
}
