using ScottPlot;

namespace Dynamo.Orleans.Bench.Reports;

/// <summary>
/// The three SVG plots of a result: TTFT and ITL against concurrency (p50 filled circles, p99 open squares, one colour per deployment),
/// and the throughput/latency trade-off — tokens/s per worker against tokens/s per user, one point per concurrency.
/// </summary>
public static class ServingPlots
{
    public static IReadOnlyList<string> Write(ServingResult result, string folder, string prefix)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>
        {
            Latency(result, folder, $"{prefix}-ttft.svg", "Time to first token", s => (s.TtftS?.P50, s.TtftS?.P99)),
            Latency(result, folder, $"{prefix}-itl.svg", "Inter-token latency (mean per request)", s => (s.MeanItlS?.P50, s.MeanItlS?.P99)),
        };
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int i = 0;
        foreach (var group in result.Points.GroupBy(p => p.Deployment))
        {
            var points = group.OrderBy(p => p.Concurrency).ToArray();
            var line = plot.Add.Scatter(points.Select(p => p.Summary.OutputTokensPerSPerUser).ToArray(), points.Select(p => p.Summary.OutputTokensPerSPerWorker).ToArray());
            line.Color = palette.GetColor(i++);
            line.LegendText = group.Key;
            line.MarkerSize = 8;
            foreach (var p in points)
            {
                var label = plot.Add.Text($"c={p.Concurrency}", p.Summary.OutputTokensPerSPerUser, p.Summary.OutputTokensPerSPerWorker);
                label.LabelFontSize = 10;
            }
        }
        plot.Title("Throughput per worker vs speed per user");
        plot.XLabel("output tokens/s per user");
        plot.YLabel("output tokens/s per worker core");
        plot.ShowLegend(Alignment.UpperRight);
        var path = Path.Combine(folder, $"{prefix}-throughput.svg");
        plot.SaveSvg(path, 800, 500);
        written.Add(path);
        return written;
    }

    private static string Latency(ServingResult result, string folder, string file, string title, Func<Metrics.RunSummary, (double? P50, double? P99)> pick)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int i = 0;
        foreach (var group in result.Points.GroupBy(p => p.Deployment))
        {
            var color = palette.GetColor(i++);
            var points = group.OrderBy(p => p.Concurrency).Select(p => (x: (double)p.Concurrency, v: pick(p.Summary))).ToArray();
            // p99 as open squares on a thin line: Skia's SVG backend drops dash patterns.
            foreach (var (which, tail) in new[] { ("p50", false), ("p99", true) })
            {
                var xy = points.Select(p => (p.x, y: which == "p50" ? p.v.P50 : p.v.P99)).Where(p => p.y is not null).ToArray();
                if (xy.Length == 0) continue;
                var line = plot.Add.Scatter(xy.Select(p => p.x).ToArray(), xy.Select(p => p.y!.Value * 1000).ToArray());
                line.Color = color;
                line.LegendText = $"{group.Key} {which}";
                line.LineWidth = tail ? 1 : 2;
                line.MarkerShape = tail ? MarkerShape.OpenSquare : MarkerShape.FilledCircle;
                line.MarkerSize = 7;
            }
        }
        plot.Title(title);
        plot.XLabel("concurrency (decode streams)");
        plot.YLabel("ms");
        plot.ShowLegend(Alignment.UpperLeft);
        var path = Path.Combine(folder, file);
        plot.SaveSvg(path, 800, 500);
        return path;
    }
}
