using Dynamo.Orleans.Kernels.Templates;
using Dynamo.Orleans.Kernels.Tokenization;

namespace Dynamo.Orleans.Kernels.Engine;

/// <summary>
/// Messages → prompt token ids, as transformers' apply_chat_template(tokenize=True) does. It lives beside
/// <see cref="ModelRuntime"/> because it joins the two halves of a model's text side: the template renders, the
/// tokenizer encodes, and neither folder needs to know the other.
/// </summary>
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
