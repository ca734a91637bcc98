using System.Text.Json.Nodes;
using Dynamo.Orleans.Kernels.Tokenization;

namespace Dynamo.Orleans.Kernels.Tests.Tokenization;

/// <summary>tokenizer_config.json, chat_template.jinja, config.json and generation_config.json are read as transformers reads them.</summary>
public sealed class TokenizerSettingsTests
{
    [Fact]
    public void Special_tokens_eos_ids_and_the_default_template_come_from_the_config_files()
    {
        using var folder = new TinyModelFolder();
        folder.Write("tokenizer_config.json", """
            {
              "add_bos_token": true,
              "bos_token": {"__type": "AddedToken", "content": "<|bos|>", "lstrip": false},
              "eos_token": "<|eos|>",
              "chat_template": [{"name": "tool_use", "template": "TOOLS"}, {"name": "default", "template": "DEFAULT"}]
            }
            """);
        folder.Write("config.json", """{"eos_token_id": 260}""");
        folder.Write("generation_config.json", """{"eos_token_id": [260, 261]}""");

        var tokenizer = ModelTokenizer.Load(folder.Path);

        Assert.Equal(262, tokenizer.VocabSize);
        Assert.Equal("<|bos|>", tokenizer.BosToken);
        Assert.Equal(TinyModelFolder.Bos, tokenizer.BosTokenId);
        Assert.Equal("<|eos|>", tokenizer.EosToken);
        Assert.Equal([TinyModelFolder.Eos, TinyModelFolder.Tool], tokenizer.EosTokenIds);
        Assert.Equal("DEFAULT", tokenizer.ChatTemplateText);
        Assert.True(tokenizer.AddBosToken);
        Assert.Equal([TinyModelFolder.Bos, 258, 'o', TinyModelFolder.Tool], tokenizer.Encode("hello<tool>"));
        Assert.Equal([258, 'o', TinyModelFolder.Tool], tokenizer.Encode("hello<tool>", addSpecialTokens: false));
    }

    [Fact]
    public void A_chat_template_jinja_file_is_the_template()
    {
        using var folder = new TinyModelFolder();
        folder.Write("tokenizer_config.json", """{"chat_template": "FROM CONFIG"}""");
        folder.Write("chat_template.jinja", "{{ messages }}");
        Assert.Equal("{{ messages }}", ModelTokenizer.Load(folder.Path).ChatTemplateText);
    }

    [Fact]
    public void Without_config_files_there_are_no_special_tokens_to_add()
    {
        using var folder = new TinyModelFolder();
        var tokenizer = ModelTokenizer.Load(folder.Path);
        Assert.Null(tokenizer.BosTokenId);
        Assert.Null(tokenizer.ChatTemplateText);
        Assert.Empty(tokenizer.EosTokenIds);
        Assert.False(tokenizer.AddBosToken);
        Assert.Equal([258, 'o'], tokenizer.Encode("hello"));
    }

    [Fact]
    public void A_template_post_processor_adds_bos_and_add_bos_token_false_removes_it()
    {
        var template = JsonNode.Parse("""
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": "<|bos|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
             "pair": [],
             "special_tokens": {"<|bos|>": {"id": "<|bos|>", "ids": [259], "tokens": ["<|bos|>"]}}}
            """);
        using var folder = new TinyModelFolder(template);
        folder.Write("tokenizer_config.json", """{"bos_token": "<|bos|>"}""");
        Assert.Equal([TinyModelFolder.Bos, 'h'], ModelTokenizer.Load(folder.Path).Encode("h"));

        folder.Write("tokenizer_config.json", """{"bos_token": "<|bos|>", "add_bos_token": false}""");
        var tokenizer = ModelTokenizer.Load(folder.Path);
        Assert.False(tokenizer.AddBosToken);
        Assert.Equal(['h'], tokenizer.Encode("h"));
    }

    [Fact]
    public void Special_tokens_are_skipped_on_request_and_added_ones_are_kept()
    {
        using var folder = new TinyModelFolder();
        var tokenizer = ModelTokenizer.Load(folder.Path);
        int[] ids = [TinyModelFolder.Bos, 258, 'o', TinyModelFolder.Tool, TinyModelFolder.Eos];
        Assert.Equal("<|bos|>hello<tool><|eos|>", tokenizer.Decode(ids));
        Assert.Equal("hello<tool>", tokenizer.Decode(ids, skipSpecialTokens: true));
        Assert.True(tokenizer.IsSpecial(TinyModelFolder.Eos));
        Assert.False(tokenizer.IsSpecial(TinyModelFolder.Tool));
    }
}
