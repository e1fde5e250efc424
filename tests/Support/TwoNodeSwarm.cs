using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace KahaDeploy.Tests.Support;

/// <summary>
/// A real two-node Docker Swarm on this machine, as DESIGN.md §8 describes: a bridge of ours on an unused 10.213.X.0/24
/// (host .1), a network namespace per node with a veth into the bridge (.2 the manager, .3 the worker), a dockerd per
/// node started inside its namespace with <c>nsenter --net</c> (not <c>ip netns exec</c>, which remounts /sys and hides
/// the cgroup mounts), one FORWARD rule for the bridge, and Debian's <c>docker-registry</c> serving on the bridge address
/// with htpasswd auth (the nodes pull from it as an insecure registry; the host engine pushes to it through a loopback
/// relay).
/// Every address is inside namespaces the harness made, so tests may send traffic to them.
/// Disposing removes all of it (daemons and registry by their pid, namespaces, bridge, rule, folders), also when set-up
/// failed half-way.
/// </summary>
public sealed class TwoNodeSwarm : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly string _id;
    private readonly List<Process> _processes = [];
    private readonly List<string> _namespaces = [];
    private bool _bridgeMade;
    private bool _ruleMade;
    private TcpRelay? _relay;

    public TwoNodeSwarm()
    {
        _id = Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        Root = $"/tmp/ksw-{_id}";
        Bridge = $"ksw{_id}";
        Subnet = FreeSubnet();
        RegistryPort = FreePort.OnLoopback();
        RegistryPassword = "reg-pw-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6));
        Manager = new SwarmNode(this, "m", $"{Subnet}.2", 200);
        Worker = new SwarmNode(this, "w", $"{Subnet}.3", 201);
        try
        {
            Directory.CreateDirectory(Root);
            Shell.Must("ip", "link", "add", "name", Bridge, "type", "bridge");
            _bridgeMade = true;
            Shell.Must("ip", "addr", "add", $"{BridgeAddress}/24", "dev", Bridge);
            Shell.Must("ip", "link", "set", Bridge, "up");
            // Once the main engine runs, the host's FORWARD chain drops traffic bridged between the nodes' veths.
            Shell.Must("iptables", ForwardRule("-I"));
            _ruleMade = true;
            StartRegistry();
            foreach (var node in Nodes)
            {
                AddNamespace(node);
                StartDaemon(node);
            }

            FormSwarm();
        }
        catch
        {
            // No using statement disposes a swarm whose constructor failed: what was made so far goes here.
            Dispose();
            throw;
        }
    }

    /// <summary>/tmp/ksw-ID: the daemons' data and exec roots, sockets, logs, the registry's storage.</summary>
    public string Root { get; }

    public string Bridge { get; }

    /// <summary>The first three octets of the bridge's /24, e.g. 10.213.7.</summary>
    public string Subnet { get; }

    /// <summary>The host's address on the bridge, where the registry listens.</summary>
    public string BridgeAddress => $"{Subnet}.1";

    public int RegistryPort { get; }

    /// <summary>The registry as the nodes name it in an image reference: BRIDGE:PORT.</summary>
    public string Registry => $"{BridgeAddress}:{RegistryPort}";

    /// <summary>The same registry as the host engine names it (through the relay): 127.0.0.1:PORT.</summary>
    public string RegistryOnLoopback => $"127.0.0.1:{RegistryPort}";

    public string RegistryUser => "kaha";

    public string RegistryPassword { get; }

    /// <summary>
    /// A docker CLI config folder of the harness's own, logged in to the registry under both its names: pass it as
    /// <c>docker --config</c>, so no login lands in the machine's own ~/.docker.
    /// </summary>
    public string CliConfig => Path.Combine(Root, "cli");

    public SwarmNode Manager { get; }

    public SwarmNode Worker { get; }

    public IReadOnlyList<SwarmNode> Nodes => [Manager, Worker];

    private void StartRegistry()
    {
        var config = Path.Combine(Root, "registry.yml");
        File.WriteAllText(config, $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {Path.Combine(Root, "registry")}
              delete:
                enabled: true
            http:
              addr: {Registry}
            auth:
              htpasswd:
                realm: kaha-test
                path: {Path.Combine(Root, "htpasswd")}
            """);
        // The registry takes bcrypt only.
        File.WriteAllText(Path.Combine(Root, "htpasswd"), Shell.Must("htpasswd", "-nbB", RegistryUser, RegistryPassword) + "\n");
        var registry = Launch("registry", "docker-registry", "serve", config);
        // Up when /v2/ answers at all: without credentials that is a 401.
        WaitUntil(() => Answers($"http://{Registry}/v2/"), registry, "registry");
        _relay = new TcpRelay(RegistryPort, new IPEndPoint(IPAddress.Parse(BridgeAddress), RegistryPort));
        // What docker login writes when no credential helper is set up.
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RegistryUser}:{RegistryPassword}"));
        Directory.CreateDirectory(CliConfig);
        File.WriteAllText(Path.Combine(CliConfig, "config.json"), new JsonObject
        {
            ["auths"] = new JsonObject
            {
                [Registry] = new JsonObject { ["auth"] = auth },
                [RegistryOnLoopback] = new JsonObject { ["auth"] = auth },
            },
        }.ToJsonString());
    }

    private void AddNamespace(SwarmNode node)
    {
        Shell.Must("ip", "netns", "add", node.Namespace);
        _namespaces.Add(node.Namespace);
        var hostSide = $"{Bridge}{node.Name}";
        // The node's end is made inside its namespace, so deleting the namespace removes the pair.
        Shell.Must("ip", "link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", node.Namespace);
        Shell.Must("ip", "link", "set", hostSide, "master", Bridge, "up");
        Shell.Must("ip", "-n", node.Namespace, "addr", "add", $"{node.Address}/24", "dev", "eth0");
        Shell.Must("ip", "-n", node.Namespace, "link", "set", "eth0", "up");
        Shell.Must("ip", "-n", node.Namespace, "link", "set", "lo", "up");
    }

    private void StartDaemon(SwarmNode node)
    {
        Directory.CreateDirectory(node.Root);
        var daemon = Launch(node.Name, "nsenter", $"--net=/run/netns/{node.Namespace}", "dockerd",
            "--data-root", Path.Combine(node.Root, "data"), "--exec-root", Path.Combine(node.Root, "x"),
            "-H", node.DockerHost, "--pidfile", Path.Combine(node.Root, "d.pid"),
            "--bip", $"172.31.{node.BridgeOctet}.1/24", "--insecure-registry", Registry);
        node.Pid = daemon.Id;
        WaitUntil(() => Shell.Run("docker", "-H", node.DockerHost, "info").ExitCode == 0, daemon, node.Name);
    }

    private void FormSwarm()
    {
        Manager.Docker("swarm", "init", "--advertise-addr", Manager.Address, "--listen-addr", $"{Manager.Address}:2377");
        var token = Manager.Docker("swarm", "join-token", "-q", "worker");
        Worker.Docker("swarm", "join", "--advertise-addr", Worker.Address, "--listen-addr", $"{Worker.Address}:2377",
            "--token", token, $"{Manager.Address}:2377");
        var deadline = DateTime.UtcNow + StartTimeout;
        while (ReadyNodes() < 2)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"The swarm's nodes did not become Ready: {Manager.Docker("node", "ls")}");
            }

            Thread.Sleep(250);
        }
    }

    /// <summary>How many nodes the manager lists as Ready.</summary>
    public int ReadyNodes() =>
        Manager.Docker("node", "ls", "--format", "{{.Status}}").Split('\n').Count(status => status.Trim() == "Ready");

    /// <summary>Starts a program of the harness's own; its output goes to ROOT/NAME.log. Stopped by its pid in Dispose.</summary>
    private Process Launch(string name, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        _processes.Add(process);
        var log = Path.Combine(Root, name + ".log");
        process.OutputDataReceived += (_, e) => Shell.AppendToLog(log, e.Data);
        process.ErrorDataReceived += (_, e) => Shell.AppendToLog(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void WaitUntil(Func<bool> ready, Process process, string name)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!ready())
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                var log = Path.Combine(Root, name + ".log");
                throw new InvalidOperationException($"{name} did not start: {(File.Exists(log) ? File.ReadAllText(log) : "no output")}");
            }

            Thread.Sleep(250);
        }
    }

    private static bool Answers(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            http.GetAsync(url).GetAwaiter().GetResult().Dispose();
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _relay?.Dispose();
        foreach (var node in Nodes.Where(node => node.Pid is not null))
        {
            // Containers first, so that no shim outlives its daemon.
            var all = Shell.Run("docker", "-H", node.DockerHost, "ps", "-aq");
            var ids = all.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (all.ExitCode == 0 && ids.Length > 0)
            {
                Shell.Run("docker", ["-H", node.DockerHost, "rm", "-f", .. ids]);
            }
        }

        // Daemons and the registry, each by the pid the harness started it with (nsenter execs dockerd in place).
        foreach (var process in _processes)
        {
            Stop(process);
        }

        // Docker bind-mounts network namespaces and overlay layers under its exec and data roots, in the host's mounts.
        foreach (var mount in File.ReadAllLines("/proc/mounts").Select(line => line.Split(' ')[1])
                     .Where(mount => mount.StartsWith(Root + "/", StringComparison.Ordinal)).Reverse())
        {
            Shell.Run("umount", "-l", mount);
        }

        foreach (var name in _namespaces)
        {
            Shell.Run("ip", "netns", "del", name);
        }

        if (_bridgeMade)
        {
            Shell.Run("ip", "link", "del", Bridge);
        }

        if (_ruleMade)
        {
            Shell.Run("iptables", ForwardRule("-D"));
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            Shell.Run("kill", "-TERM", process.Id.ToString(CultureInfo.InvariantCulture));
            if (!process.WaitForExit(TimeSpan.FromSeconds(40)))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
        }

        process.Dispose();
    }

    private string[] ForwardRule(string action) => [action, "FORWARD", "-i", Bridge, "-o", Bridge, "-j", "ACCEPT"];

    /// <summary>A 10.213.X that no interface or route of the host uses yet.</summary>
    private static string FreeSubnet()
    {
        var routes = Shell.Must("ip", "route");
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var subnet = $"10.213.{RandomNumberGenerator.GetInt32(1, 255)}";
            if (!routes.Contains(subnet + ".", StringComparison.Ordinal))
            {
                return subnet;
            }
        }

        throw new InvalidOperationException("No free 10.213.X.0/24 for a swarm.");
    }
}
