namespace Dynamo.Orleans.Kernels.Bench;

internal sealed record BenchArguments(int Layers, int Steps, int Prompt, int Prefill, int[] Batches, string Output, string CommandLine)
{
    public static BenchArguments Parse(string[] args)
    {
        int layers = 4, steps = 64, prompt = 128, prefill = 512;
        int[] batches = [1, 8, 32];
        string output = "bench/results";
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--layers": layers = int.Parse(Next()); break;
                case "--steps": steps = int.Parse(Next()); break;
                case "--prompt": prompt = int.Parse(Next()); break;
                case "--prefill": prefill = int.Parse(Next()); break;
                case "--batches": batches = Next().Split(',').Select(int.Parse).ToArray(); break;
                case "--out": output = Next(); break;
                default: throw new ArgumentException($"unknown option {args[i]}; options: --layers --steps --prompt --prefill --batches --out");
            }
        }
        if (!batches.Contains(1)) throw new ArgumentException("--batches must include 1: the other batches are compared to it");
        return new BenchArguments(layers, steps, prompt, prefill, batches, output,
            "dotnet run --project bench/Kernels.Bench -c Release -- " + string.Join(' ', args));
    }
}
