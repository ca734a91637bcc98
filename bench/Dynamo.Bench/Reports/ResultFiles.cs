namespace Dynamo.Orleans.Bench.Reports;

/// <summary>Writes a result's JSON, Markdown and plots side by side and prints the Markdown, so the console shows what the files hold.</summary>
public static class ResultFiles
{
    /// <param name="folder">Null: print only (nothing is written unless asked).</param>
    public static void Publish(ServingResult result, string? folder, string name, bool plots)
    {
        Console.WriteLine();
        Console.WriteLine(ServingReport.ToMarkdown(result));
        if (folder is null)
        {
            Console.Error.WriteLine("dynamo-bench: no files written (give --out DIR or --record to keep the results)");
            return;
        }
        var (json, md) = ServingReport.Write(result, folder, name);
        Console.WriteLine($"dynamo-bench: wrote {json}, {md}");
        if (!plots || result.Points.Count == 0) return;
        try
        {
            foreach (var svg in ServingPlots.Write(result, folder, name)) Console.WriteLine($"dynamo-bench: wrote {svg}");
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException)
        {
            // Plotting needs SkiaSharp's native library; the numbers are already written without it.
            Console.Error.WriteLine($"dynamo-bench: plots skipped: {e.GetBaseException().Message}");
        }
    }
}
