using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Dynamo.Orleans.Kernels.Model;
using Dynamo.Orleans.Kernels.Runtime;
using Dynamo.Orleans.Kernels.Templates;
using Dynamo.Orleans.Kernels.Tokenization;

namespace Dynamo.Orleans.Kernels.Engine;

/// <summary>
/// A model ready to serve: its folder, config, tokenizer, chat template and a running engine. This is what a worker
/// (or the command line) loads once and keeps.
/// </summary>
public sealed class ModelRuntime : IDisposable
{
    private ModelRuntime(string directory, ModelConfig config, ModelTokenizer tokenizer, ChatTemplate? chatTemplate, LlmEngine engine)
    {
        Directory = directory;
        Config = config;
        Tokenizer = tokenizer;
        ChatTemplate = chatTemplate;
        Engine = engine;
    }

    public string Directory { get; }
    /// <summary>The name clients use for the model: its folder's name.</summary>
    public string Name => Path.GetFileName(Path.TrimEndingDirectorySeparator(Directory));
    public ModelConfig Config { get; }
    public ModelTokenizer Tokenizer { get; }
    public ChatTemplate? ChatTemplate { get; }
    public LlmEngine Engine { get; }

    /// <summary>Loads <see cref="EngineOptions.Model"/> (or the default model) and starts its engine.</summary>
    public static ModelRuntime Load(EngineOptions options, IProgress<CheckpointLoadProgress>? progress = null)
    {
        options.Validate();
        var directory = DefaultModel.Or(options.Model);
        if (!System.IO.Directory.Exists(directory))
            throw new CheckpointException(directory, null, "the model folder does not exist");
        var device = TorchDevice.Resolve(options.Device);
        using var checkpoint = Checkpoint.Open(directory, progress);
        var config = checkpoint.Config;
        var tokenizer = ModelTokenizer.Load(directory);
        // Compiled once per load: a broken template fails here, not at the first chat request.
        ChatTemplate? template = tokenizer.ChatTemplateText is { } source ? ChatTemplate.Parse(source) : null;
        var dtype = ComputeDType.Resolve(options.DType, config, device);
        int maxModelLen = options.ResolveMaxModelLen(config);
        var model = LlamaModelLoader.Load(checkpoint, dtype, device, maxModelLen);
        var eos = tokenizer.EosTokenIds.Concat(config.EosTokenIds).Distinct();
        return new ModelRuntime(directory, config, tokenizer, template, new LlmEngine(model, options, eos));
    }

    /// <summary>Renders messages through the model's chat template and tokenizes the result (special tokens parsed, no extra BOS).</summary>
    public IReadOnlyList<int> EncodeChat(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        if (ChatTemplate is null)
            throw new InvalidOperationException($"model '{Name}' has no chat_template in its tokenizer_config.json: send a plain prompt instead");
        return ChatPrompt.Encode(ChatTemplate, Tokenizer, messages, addGenerationPrompt);
    }

    public void Dispose() => Engine.Dispose();
}
