namespace Dynamo.Orleans.Kernels.Checkpoints.Synthetic;

/// <summary>
/// The tokenizer conventions of one model family as a synthetic folder reproduces them: special tokens appended after
/// GPT-2's 50,257 ids, which of them are bos/eos, whether bos is prepended, and a chat template in that family's style.
/// <see cref="StopTokens"/> end generation (generation_config's eos_token_id); the first is <see cref="EosToken"/>.
/// </summary>
public sealed record ChatFlavour(
    IReadOnlyList<string> SpecialTokens,
    string? BosToken,
    string EosToken,
    IReadOnlyList<string> StopTokens,
    bool AddBosToken,
    string ChatTemplate)
{
    /// <summary>GPT-2's own special token, id 50256, kept in every flavour so the GPT-2 ids stay exactly GPT-2's.</summary>
    public const string Gpt2EndOfText = "<|endoftext|>";

    /// <summary>Llama 3: header ids around the role, <c>&lt;|eot_id|&gt;</c> after each turn (Meta's template).</summary>
    public static readonly ChatFlavour Llama3 = new(
        ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"],
        BosToken: "<|begin_of_text|>",
        EosToken: "<|eot_id|>",
        StopTokens: ["<|eot_id|>", "<|end_of_text|>"],
        AddBosToken: true,
        ChatTemplate:
            "{% set loop_messages = messages %}{% for message in loop_messages %}" +
            "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' %}" +
            "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}" +
            "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}");

    /// <summary>Qwen2: ChatML, a default system turn, no bos. <c>&lt;|endoftext|&gt;</c> is GPT-2's id, as Qwen2 shares the name.</summary>
    public static readonly ChatFlavour Qwen2 = new(
        ["<|im_start|>", "<|im_end|>"],
        BosToken: null,
        EosToken: "<|im_end|>",
        StopTokens: ["<|im_end|>", Gpt2EndOfText],
        AddBosToken: false,
        ChatTemplate:
            "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}" +
            "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}" +
            "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}{% endfor %}" +
            "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}");

    /// <summary>Mistral: [INST] ... [/INST] around user turns, eos after assistant turns (Mistral-7B-Instruct's template).</summary>
    public static readonly ChatFlavour Mistral = new(
        ["<s>", "</s>", "[INST]", "[/INST]"],
        BosToken: "<s>",
        EosToken: "</s>",
        StopTokens: ["</s>"],
        AddBosToken: true,
        ChatTemplate:
            "{{ bos_token }}{% for message in messages %}" +
            "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
            "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}" +
            "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}" +
            "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}");

    public static ChatFlavour For(ModelArchitecture architecture) => architecture switch
    {
        ModelArchitecture.Llama => Llama3,
        ModelArchitecture.Qwen2 => Qwen2,
        ModelArchitecture.Mistral => Mistral,
        _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, null),
    };
}
