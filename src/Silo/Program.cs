using System.CommandLine;
using Dynamo.Orleans.Silo.Commands;

// dynamo: the product's one executable. Each sub-command lives in Commands/.
var root = new RootCommand("Dynamo.Orleans: a disaggregated LLM inference fabric on Orleans and TorchSharp.")
{
    ServeCommand.Create(),
    GenerateCommand.Create(),
    TokenizeCommand.Create(),
    ModelCommand.Create(),
};
// No arguments: the all-in-one server (every role, localhost clustering, the embedded default model).
return await root.Parse(args.Length == 0 ? ["serve"] : args).InvokeAsync();
