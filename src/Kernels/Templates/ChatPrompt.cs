using Dynamo.Orleans.Kernels.Tokenization;

namespace Dynamo.Orleans.Kernels.Templates;

/// <summary>Messages → prompt token ids, as transformers' apply_chat_template(tokenize=True) does.</summary>
public static class ChatPrompt
{
    public static IReadOnlyList<int> Encode(ChatTemplate template, ModelTokenizer tokenizer, IReadOnlyList<ChatMessage> messages,
                                            bool addGenerationPrompt = true)
    {
        var variables = new Dictionary<string, object?>
        {
            ["bos_token"] = tokenizer.BosToken ?? "",
            ["eos_token"] = tokenizer.EosToken ?? "",
        };
        var text = template.Render(messages, addGenerationPrompt, variables);
        // Templates write BOS themselves (as HF's apply_chat_template does): do not add it twice.
        return tokenizer.Encode(text, addSpecialTokens: false);
    }
}
