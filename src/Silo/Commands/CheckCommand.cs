using System.CommandLine;
using Dynamo.Orleans.Kernels.Diagnostics;
using Dynamo.Orleans.Kernels.Runtime;

namespace Dynamo.Orleans.Silo.Commands;

/// <summary>
/// <c>dynamo check</c>: checks this build on a device with nothing but the executable — what a CUDA host without the .NET
/// SDK runs (scripts/gpu/check.sh). <c>invariants</c>: the paged-forward and engine invariants the unit tests hold on the
/// CPU; <c>handoff</c>: a prefill in a second process handed over through its registered KV pool; <c>decode</c>: batch-1
/// decode speed against the memory-bandwidth bound.
/// </summary>
internal static class CheckCommand
{
    public static Command Create() =>
        new("check", "Check this build on a device: engine invariants, a two-process KV handoff, decode speed.")
        {
            CreateInvariants(), HandoffCheck.Create(), HandoffCheck.CreateProducer(), DecodeCheck.Create(),
        };

    private static Command CreateInvariants()
    {
        var options = new ModelOptions();
        var command = new Command("invariants",
            $"Run the paged-forward and engine invariants on a generated float32 model on --device: one PASS or FAIL line each, then a summary " +
            $"(exit 1 when one fails). They are: {string.Join("; ", DeviceInvariants.Names)}.")
        {
            options.Device, options.LibTorch,
        };
        command.SetAction((result, cancellationToken) => CommandErrors.Run(async () =>
        {
            LibTorchLocation.Use(result.GetValue(options.LibTorch));
            var device = result.GetValue(options.Device)!;
            var results = await DeviceInvariants.RunAsync(device, cancellationToken);
            foreach (var r in results) Console.WriteLine(r);
            int held = results.Count(r => r.Passed);
            Console.WriteLine($"{held} of {results.Count} invariants hold on {device}");
            return held == results.Count ? 0 : 1;
        }));
        return command;
    }
}
