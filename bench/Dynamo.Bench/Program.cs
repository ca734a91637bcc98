using System.CommandLine;
using Dynamo.Orleans.Bench.Commands;

// dynamo-bench: a genai-perf-style load generator for the OpenAI-compatible gateway (run), a comparison of deployments
// that it starts itself (compare), a comparison of router modes on multi-turn chat (routing), the CI smoke run (quick)
// and the benchmark model's writer (model).
RootCommand Root(string[] arguments) => new("dynamo-bench: load generator and deployment comparison for Dynamo.Orleans")
{
    RunCommand.Create(arguments),
    CompareCommand.Create("compare", "Start each deployment, run the same workload on it, compare.", arguments),
    RoutingCommand.Create(arguments),
    QuickCommand.Create(quick => Root(quick).Parse(quick).InvokeAsync()),
    ModelCommand.Create(),
};
return await Root(args).Parse(args).InvokeAsync();
