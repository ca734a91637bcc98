using System.Diagnostics;
using System.Text;

namespace Dynamo.Orleans.Silo.Tests;

/// <summary>
/// Several "hosts" on this machine: each a Linux network namespace with its own hostname (UTS namespace) and one veth
/// link into a bridge, addressed from 198.18.0.0/24 (RFC 2544's benchmarking range, never a real network). The test
/// process reaches them through the bridge's address in the root namespace. Every namespace, link and process is named
/// after this instance's id, and disposing removes them all, also after a failure.
/// </summary>
internal sealed class NetworkHosts : IAsyncDisposable
{
    private const string Subnet = "198.18.0";
    private readonly string _id = Guid.NewGuid().ToString("N")[..6];
    private readonly List<string> _namespaces = new();
    private readonly List<Process> _processes = new();
    private bool _bridge;

    /// <summary>Null when this machine can make network namespaces; otherwise why not (the test skips with it).</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux()) return "network namespaces need Linux";
        if (Environment.UserName != "root" && !string.Equals(Environment.GetEnvironmentVariable("USER"), "root", StringComparison.Ordinal))
            return "network namespaces need root";
        if (!File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip")) return "the ip command (iproute2) is missing";
        var probe = $"dynprobe{Guid.NewGuid().ToString("N")[..6]}";
        var (code, output) = Run("ip", "netns", "add", probe);
        Run("ip", "netns", "delete", probe);
        return code == 0 ? null : $"ip netns add failed: {output.Trim()}";
    }

    public string BridgeAddress => $"{Subnet}.254";

    public string Bridge => $"dynbr{_id}";

    /// <summary>Makes host number <paramref name="n"/> (1..200): namespace, hostname, address 198.18.0.n.</summary>
    public async Task<NetworkHost> AddAsync(int n)
    {
        if (!_bridge)
        {
            Check("ip", "link", "add", Bridge, "type", "bridge");
            _bridge = true;
            Check("ip", "addr", "add", $"{BridgeAddress}/24", "dev", Bridge);
            Check("ip", "link", "set", Bridge, "up");
        }
        var ns = $"dyn{_id}h{n}";
        Check("ip", "netns", "add", ns);
        _namespaces.Add(ns);
        string outer = $"dv{_id}h{n}", inner = $"dvi{_id}h{n}";
        Check("ip", "link", "add", outer, "type", "veth", "peer", "name", inner);
        Check("ip", "link", "set", inner, "netns", ns);
        Check("ip", "link", "set", outer, "master", Bridge);
        Check("ip", "link", "set", outer, "up");
        Check("ip", "netns", "exec", ns, "ip", "addr", "add", $"{Subnet}.{n}/24", "dev", inner);
        Check("ip", "netns", "exec", ns, "ip", "link", "set", inner, "up");
        Check("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
        await Task.CompletedTask;
        return new NetworkHost(this, ns, $"host{n}-{_id}", $"{Subnet}.{n}");
    }

    /// <summary>Starts <paramref name="arguments"/> inside the host's namespace with the host's own hostname.</summary>
    internal Process Start(NetworkHost host, IReadOnlyList<string> arguments, IDictionary<string, string>? environment, StringBuilder output)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // unshare --uts gives the process a hostname of its own; exec keeps the process id, so a kill reaches the program.
        foreach (var a in new[] { "netns", "exec", host.Namespace, "unshare", "--uts", "sh", "-c", "hostname \"$0\" && exec \"$@\"", host.Name })
            info.ArgumentList.Add(a);
        foreach (var a in arguments) info.ArgumentList.Add(a);
        if (environment is not null) foreach (var (k, v) in environment) info.Environment[k] = v;
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        lock (_processes) _processes.Add(process);
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        List<Process> processes;
        lock (_processes) processes = [.. _processes];
        foreach (var p in processes)
        {
            try { if (!p.HasExited) p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }
        foreach (var p in processes)
        {
            try { await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20)); } catch (Exception) { }
            p.Dispose();
        }
        // Whatever still runs in our namespaces (children that escaped the tree) goes too, then the namespaces and links.
        foreach (var ns in _namespaces)
        {
            if (Run("ip", "netns", "pids", ns) is (0, var pids))
                foreach (var pid in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries)) Run("kill", "-9", pid.Trim());
            Run("ip", "netns", "delete", ns);
        }
        if (_bridge) Run("ip", "link", "delete", Bridge);
    }

    private static void Check(params string[] args)
    {
        var (code, output) = Run(args);
        if (code != 0) throw new InvalidOperationException($"{string.Join(' ', args)} failed ({code}): {output.Trim()}");
    }

    private static (int Code, string Output) Run(params string[] args)
    {
        var info = new ProcessStartInfo(args[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args.Skip(1)) info.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, stdout.Result + stderr);
        }
        catch (System.ComponentModel.Win32Exception e) { return (-1, e.Message); }
    }
}

/// <summary>One host of <see cref="NetworkHosts"/>: its namespace, hostname and address.</summary>
internal sealed record NetworkHost(NetworkHosts Hosts, string Namespace, string Name, string Address)
{
    public Process Start(IReadOnlyList<string> arguments, StringBuilder output, IDictionary<string, string>? environment = null) =>
        Hosts.Start(this, arguments, environment, output);
}
