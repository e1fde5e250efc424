using System.Diagnostics;
using System.Security.Cryptography;

namespace KahaDeploy.Tests.Support;

/// <summary>
/// A Docker engine of the test's own (a second dockerd with its own data root, exec root and unix socket), for a test
/// that restarts the engine or fills its disk without touching the engine everyone else uses. Its default bridge is a
/// bridge of ours on an unused 172.31.X.0/24, and it leaves the host's iptables chains alone (--iptables=false: a second
/// daemon that programs them flushes the main engine's rules); one FORWARD rule lets its containers talk to each other.
/// Disposing stops it and removes its folders, bridges and rule, also after a failed test.
/// </summary>
public sealed class PrivateEngine : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _bridge;
    private readonly string _subnet;
    private readonly string? _tmpfsSize;
    private readonly IReadOnlyList<string> _extraArguments;
    private Process? _daemon;

    /// <param name="tmpfsSize">when set (e.g. "400m"), the data root is a tmpfs of that size: a disk that fills up.</param>
    /// <param name="extraArguments">more dockerd options, e.g. a TLS listener on a loopback tcp port.</param>
    public PrivateEngine(string? tmpfsSize = null, IReadOnlyList<string>? extraArguments = null)
    {
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        Root = $"/tmp/kpe-{id}";
        _bridge = $"kpe{id}";
        _tmpfsSize = tmpfsSize;
        _extraArguments = extraArguments ?? [];
        var octet = FreeOctet();
        _subnet = $"172.31.{octet}.0/24";
        try
        {
            Directory.CreateDirectory(DataRoot);
            if (_tmpfsSize is not null)
            {
                Shell.Must("mount", "-t", "tmpfs", "-o", $"size={_tmpfsSize}", "tmpfs", DataRoot);
            }

            Shell.Must("ip", "link", "add", "name", _bridge, "type", "bridge");
            Shell.Must("ip", "addr", "add", $"172.31.{octet}.1/25", "dev", _bridge);
            Shell.Must("ip", "link", "set", _bridge, "up");
            Shell.Must("iptables", ForwardRule("-I"));
            Start();
        }
        catch
        {
            // No using statement disposes an engine whose constructor failed: what was made so far goes here.
            Dispose();
            throw;
        }
    }

    public string Root { get; }

    public string DataRoot => Path.Combine(Root, "data");

    public string Socket => Path.Combine(Root, "d.sock");

    /// <summary>What the tool is given to use this engine.</summary>
    public string DockerHost => $"unix://{Socket}";

    /// <summary>The docker CLI against this engine; fails the test when it fails.</summary>
    public string Docker(params string[] arguments) => Shell.Must("docker", ["-H", DockerHost, .. arguments]);

    /// <summary>The names of the running containers, sorted.</summary>
    public IReadOnlyList<string> Running() =>
        Lines(Docker("ps", "--format", "{{.Names}}")).Order(StringComparer.Ordinal).ToList();

    /// <summary>Stops the daemon as a shutdown or reboot does (SIGTERM by its pid, then waits) and starts it again.</summary>
    public void Restart()
    {
        Stop();
        var hostBridge = HostDefaultBridge();
        Start();
        RestoreHostDefaultBridge(hostBridge);
    }

    /// <summary>The main engine's docker0 and its address, when it has one.</summary>
    private static string? HostDefaultBridge() =>
        Shell.Run("ip", "-o", "-4", "addr", "show", "dev", "docker0") is { ExitCode: 0 } shown
            ? shown.StdOut.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipWhile(word => word != "inet").Skip(1).FirstOrDefault()
            : null;

    /// <summary>
    /// A dockerd given --bridge that starts again on its data root clears its stale default network and, with it, deletes
    /// the host's docker0 by name (moby's removeDefaultBridgeInterface): the main engine's default bridge, which every
    /// other test's containers need. Put back as it was; the main engine finds it by name when it next attaches one.
    /// </summary>
    private static void RestoreHostDefaultBridge(string? address)
    {
        if (address is null || Shell.Run("ip", "link", "show", "docker0").ExitCode == 0)
        {
            return;
        }

        Shell.Must("ip", "link", "add", "name", "docker0", "type", "bridge");
        Shell.Must("ip", "addr", "add", address, "dev", "docker0");
        Shell.Must("ip", "link", "set", "docker0", "up");
    }

    private void Start()
    {
        var start = new ProcessStartInfo("dockerd")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
                 {
                     "--data-root", DataRoot, "--exec-root", Path.Combine(Root, "x"), "-H", DockerHost,
                     "--pidfile", Path.Combine(Root, "d.pid"), "--bridge", _bridge, "--iptables=false",
                     // Networks the tool creates come from the upper half of the same /24, which the FORWARD rule covers.
                     "--default-address-pool", $"base={_subnet[..^5]}.128/25,size=28",
                 }.Concat(_extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        _daemon = Process.Start(start)!;
        var log = Path.Combine(Root, "dockerd.log");
        _daemon.OutputDataReceived += (_, e) => Shell.AppendToLog(log, e.Data);
        _daemon.ErrorDataReceived += (_, e) => Shell.AppendToLog(log, e.Data);
        _daemon.BeginOutputReadLine();
        _daemon.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + StartTimeout;
        while (Shell.Run("docker", "-H", DockerHost, "info").ExitCode != 0)
        {
            if (_daemon.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"The private dockerd did not start: {File.ReadAllText(log)}");
            }

            Thread.Sleep(250);
        }
    }

    private void Stop()
    {
        if (_daemon is null || _daemon.HasExited)
        {
            return;
        }

        Shell.Run("kill", "-TERM", _daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!_daemon.WaitForExit(TimeSpan.FromSeconds(40)))
        {
            _daemon.Kill(entireProcessTree: true);
            _daemon.WaitForExit();
        }

        _daemon.Dispose();
        _daemon = null;
    }

    public void Dispose()
    {
        var bridges = new List<string>();
        if (_daemon is { HasExited: false })
        {
            var ids = Shell.Run("docker", "-H", DockerHost, "network", "ls", "--no-trunc", "--quiet", "--filter", "driver=bridge");
            bridges.AddRange(Lines(ids.StdOut).Select(id => "br-" + id[..12]));
            // Containers first, so that no shim outlives the daemon.
            var all = Lines(Shell.Run("docker", "-H", DockerHost, "ps", "-aq").StdOut).ToArray();
            if (all.Length > 0)
            {
                Shell.Run("docker", ["-H", DockerHost, "rm", "-f", .. all]);
            }
        }

        Stop();
        foreach (var mount in File.ReadAllLines("/proc/mounts").Select(l => l.Split(' ')[1]).Where(m => m.StartsWith(Root, StringComparison.Ordinal)).Reverse())
        {
            Shell.Run("umount", "-l", mount);
        }

        foreach (var bridge in bridges.Append(_bridge))
        {
            Shell.Run("ip", "link", "del", bridge);
        }

        Shell.Run("iptables", ForwardRule("-D"));
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string[] ForwardRule(string action) => [action, "FORWARD", "-s", _subnet, "-d", _subnet, "-j", "ACCEPT"];

    /// <summary>An X of 172.31.X.0/24 that no interface or route of the host uses yet.</summary>
    private static int FreeOctet()
    {
        var routes = Shell.Must("ip", "route");
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var octet = RandomNumberGenerator.GetInt32(100, 250);
            if (!routes.Contains($"172.31.{octet}.", StringComparison.Ordinal))
            {
                return octet;
            }
        }

        throw new InvalidOperationException("No free 172.31.X.0/24 for a private engine.");
    }

    private static IEnumerable<string> Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
