using System.CommandLine;
using Dynamo.Orleans.Silo.Commands;

// dynamo: the product's one executable. Each sub-command lives in Commands/.
var root = new RootCommand("Dynamo.Orleans: a disaggregated LLM inference fabric on Orleans and TorchSharp.")
{
    GenerateCommand.Create(),
    TokenizeCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
