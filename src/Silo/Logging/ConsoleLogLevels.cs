using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dynamo.Orleans.Silo.Logging;

/// <summary>
/// What a <c>dynamo</c> process prints to its terminal. With <c>--log-level</c> every category logs from that level
/// up. Without it, the default: Dynamo's own messages from Information, everything else (Orleans, ASP.NET) only from
/// Error — and until the host has started only Dynamo's warnings, because a start that fails (a bad model, a port in use) is
/// reported as one <c>dynamo: error:</c> line, not as the hundreds of lines Orleans logs while it unwinds. The levels
/// are configuration that this class reloads, so the logger factory picks the change up at once.
/// </summary>
internal sealed class ConsoleLogLevels : ConfigurationProvider, IConfigurationSource
{
    private readonly LogLevel? _explicit;

    private ConsoleLogLevels(LogLevel? level)
    {
        _explicit = level;
        Apply(started: false);
    }

    /// <summary>Makes these levels the console's for the host being built.</summary>
    /// <param name="level">The --log-level value, or null for the default.</param>
    public static ConsoleLogLevels Install(IHostApplicationBuilder builder, string? level)
    {
        var levels = new ConsoleLogLevels(level is null ? null : Parse(level));
        builder.Configuration.Add(levels);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection(Section));
        return levels;
    }

    /// <summary>The host has started: from now on the default levels let errors through.</summary>
    public void Started() => Apply(started: true);

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    private const string Section = "DynamoConsoleLogging";

    private void Apply(bool started)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (_explicit is { } level) data[$"{Section}:LogLevel:Default"] = level.ToString();
        else
        {
            data[$"{Section}:LogLevel:Default"] = started ? nameof(LogLevel.Error) : nameof(LogLevel.None);
            data[$"{Section}:LogLevel:Dynamo"] = started ? nameof(LogLevel.Information) : nameof(LogLevel.Warning);
        }
        Data = data;
        OnReload();
    }

    public static LogLevel Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "information" or "info" => LogLevel.Information,
        "warning" or "warn" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "critical" => LogLevel.Critical,
        "none" => LogLevel.None,
        _ => throw new ArgumentException($"--log-level '{text}' is not valid: expected trace, debug, information, warning, error, critical or none"),
    };
}
