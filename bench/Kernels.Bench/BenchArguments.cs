namespace Dynamo.Orleans.Kernels.Bench;

/// <param name="Output">Where results are written; null: printed only (a run never overwrites bench/results unless asked).</param>
internal sealed record BenchArguments(int Layers, int Steps, int Prompt, int Prefill, int[] Batches, string? Output, string CommandLine)
{
    public const string Usage = """
        Usage: dotnet run --project bench/Kernels.Bench -c Release -- [options]
          --layers N        model layers (default 4)
          --steps N         decode steps measured (default 64)
          --prompt N        prompt tokens before decoding (default 128)
          --prefill N       prompt tokens of the prefill measurement (default 512)
          --batches 1,8,32  decode batch sizes (must include 1)
          --out DIR         write kernels.json and kernels.md there (default: print only)
          --help            this text
        """;

    /// <summary>True when the arguments ask for the usage text.</summary>
    public static bool WantsHelp(string[] args) => args.Any(a => a is "--help" or "-h" or "-?");

    public static BenchArguments Parse(string[] args)
    {
        int layers = 4, steps = 64, prompt = 128, prefill = 512;
        int[] batches = [1, 8, 32];
        string? output = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--layers": layers = Number(Next(), "--layers"); break;
                case "--steps": steps = Number(Next(), "--steps"); break;
                case "--prompt": prompt = Number(Next(), "--prompt"); break;
                case "--prefill": prefill = Number(Next(), "--prefill"); break;
                case "--batches": batches = Next().Split(',').Select(b => Number(b, "--batches")).ToArray(); break;
                case "--out": output = Next(); break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        if (!batches.Contains(1)) throw new ArgumentException("--batches must include 1: the other batches are compared to it");
        return new BenchArguments(layers, steps, prompt, prefill, batches, output,
            "dotnet run --project bench/Kernels.Bench -c Release -- " + string.Join(' ', args));
    }

    private static int Number(string text, string option) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
            ? n : throw new ArgumentException($"{option} needs positive integers, got '{text}'");
}
