using Dynamo.Orleans.Grains.Workers;
using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Dynamo.Orleans.Kernels.Templates;
using Dynamo.Orleans.Kernels.Tokenization;
using Microsoft.Extensions.Options;

namespace Dynamo.Orleans.Grains.Models;

/// <summary>
/// What sequence grains need of the model on any silo, worker or not: its name, tokenizer, chat template and context
/// window. A silo with workers shares its engine's; a silo without reads only the tokenizer files (no weights).
/// </summary>
public sealed class ModelCatalog
{
    private readonly Lazy<(string Name, ModelTokenizer Tokenizer, ChatTemplate? Template, int MaxModelLen)> _model;

    public ModelCatalog(IOptions<FabricOptions> options, WorkerEngine engine)
    {
        _model = new Lazy<(string, ModelTokenizer, ChatTemplate?, int)>(() =>
        {
            if (options.Value.Roles != Dynamo.Orleans.Workers.WorkerRole.None)
            {
                var r = engine.Runtime;
                return (r.Name, r.Tokenizer, r.ChatTemplate, r.Engine.MaxModelLen);
            }
            var engineOptions = options.Value.Engine;
            var directory = DefaultModel.Or(engineOptions.Model);
            var config = ModelConfig.Load(directory);
            var tokenizer = ModelTokenizer.Load(directory);
            var template = tokenizer.ChatTemplateText is { } t ? ChatTemplate.Parse(t) : null;
            var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));
            return (name, tokenizer, template, engineOptions.ResolveMaxModelLen(config));
        });
    }

    public string Name => _model.Value.Name;
    public ModelTokenizer Tokenizer => _model.Value.Tokenizer;
    public ChatTemplate? ChatTemplate => _model.Value.Template;
    public int MaxModelLen => _model.Value.MaxModelLen;
}
