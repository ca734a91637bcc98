using System.CommandLine;
using Dynamo.Orleans.Silo.Commands;

// dynamo: the product's one executable. Each sub-command lives in Commands/.
var root = new RootCommand("Dynamo.Orleans: a disaggregated LLM inference fabric on Orleans and TorchSharp.")
{
    ServeCommand.Create(),
    GenerateCommand.Create(),
    TokenizeCommand.Create(),
    ModelCommand.Create(),
    CheckCommand.Create(),
};
// No arguments: the all-in-one server (every role, localhost clustering, the embedded default model).
var parsed = root.Parse(args.Length == 0 ? ["serve"] : args);
if (parsed.Errors.Count > 0 && !args.Any(a => a is "--help" or "-h" or "-?"))
{
    // A mistake on the command line is one line and a pointer to the help, not the whole usage text.
    var error = parsed.Errors.FirstOrDefault(e => !e.Message.StartsWith("Required command", StringComparison.Ordinal)) ?? parsed.Errors[0];
    var command = parsed.CommandResult.Command == root ? "dynamo" : $"dynamo {parsed.CommandResult.Command.Name}";
    Console.Error.WriteLine($"dynamo: error: {error.Message}");
    Console.Error.WriteLine($"Run '{command} --help' for usage.");
    return 1;
}
// serve: SIGINT and SIGTERM go to the host, which drains (running sequences finish, then it stops); System.CommandLine's
// own handling would end the process 2 s after the signal, cutting the drain short. Other commands keep it (Ctrl-C
// cancels a generation cleanly).
var invocation = parsed.CommandResult.Command.Name == "serve" ? new InvocationConfiguration { ProcessTerminationTimeout = null } : null;
return await parsed.InvokeAsync(invocation);
