using System.Diagnostics;
using System.Net.Sockets;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Docker;

/// <summary>
/// Finds the Docker engine (DOCKER_HOST or the default socket). When none answers on a Debian/Ubuntu host
/// and the tool runs as root, it installs docker.io and starts dockerd, as a person would by hand.
/// </summary>
public sealed class DockerConnector(ICakeLog log, HostPackages packages) : IDisposable
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The version asked before the host started (<see cref="AskEarly"/>): the answer for this process's first connection.</summary>
    private static Task<(Uri Endpoint, DockerEngine Engine, string? Version)>? s_askedEarly;

    private DockerEngine? _engine;

    /// <summary>The connected engine; <see cref="ConnectAsync"/> must have run.</summary>
    public DockerEngine Engine => _engine ?? throw new InvalidOperationException("The Docker engine is not connected yet.");

    public async Task<DockerEngine> ConnectAsync()
    {
        if (_engine is not null)
        {
            return _engine;
        }

        var (endpoint, engine, version) = await (TakeAskedEarly() ?? AskVersionAsync());
        if (version is null)
        {
            if (IsSocketDenied(endpoint))
            {
                engine.Dispose();
                throw new HostSetupException(
                    $"permission denied on {endpoint.AbsolutePath}: run as root or join the docker group ('sudo usermod -aG docker {Environment.UserName}', then log in again).");
            }

            var isDefaultSocket = Environment.GetEnvironmentVariable("DOCKER_HOST") is null or "";
            if (!isDefaultSocket || !HostPackages.CanInstall)
            {
                engine.Dispose();
                throw new HostSetupException(
                    $"No Docker engine answers at {endpoint}; start it (e.g. 'sudo systemctl start docker') or set DOCKER_HOST to a running engine.");
            }

            version = await StartLocalEngineAsync(engine);
        }

        log.Information("Docker engine {0} at {1}.", version, endpoint);
        _engine = engine;
        return engine;
    }

    /// <summary>
    /// Asks the engine's version in the background before the host is even built, for a run that is known to change an
    /// environment: the client's first, cold request overlaps the host's start and set-up (the warm rollback's switch
    /// comes that much sooner), and the first <see cref="ConnectAsync"/> takes the answer, or the error, where it always
    /// did. Nothing is started or installed here.
    /// </summary>
    public static void AskEarly() => s_askedEarly ??= Task.Run(AskVersionAsync);

    private static Task<(Uri Endpoint, DockerEngine Engine, string? Version)>? TakeAskedEarly() => Interlocked.Exchange(ref s_askedEarly, null);

    private static async Task<(Uri Endpoint, DockerEngine Engine, string? Version)> AskVersionAsync()
    {
        var endpoint = DockerEngine.ResolveEndpoint(EngineTls.Requested);
        var tls = EngineTls.Requested && endpoint.Scheme == "tcp" ? EngineTls.FromEnvironment() : null;
        var engine = new DockerEngine(endpoint, tls);
        return (endpoint, engine, await engine.TryGetServerVersionAsync(AnswerTimeout));
    }

    /// <summary>
    /// Whether the engine's socket is there but this user may not open it: the engine may well be running, and starting
    /// or installing another one is not the fix.
    /// </summary>
    private static bool IsSocketDenied(Uri endpoint)
    {
        if (endpoint.Scheme != "unix")
        {
            return false;
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(endpoint.AbsolutePath));
            return false;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode == SocketError.AccessDenied;
        }
    }

    private async Task<string> StartLocalEngineAsync(DockerEngine engine)
    {
        var dockerd = packages.Require("dockerd", "docker.io", "run containers");
        const string logFile = "/var/log/kaha-dockerd.log";
        log.Warning("No Docker engine is running; starting {0} in the background (its log: {1}).", dockerd, logFile);
        var start = new ProcessStartInfo("/bin/sh", ["-c", $"setsid {dockerd} >>{logFile} 2>&1 < /dev/null &"]) { UseShellExecute = false };
        using (var shell = Process.Start(start))
        {
            await shell!.WaitForExitAsync();
        }

        var deadline = DateTimeOffset.UtcNow + StartTimeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (await engine.TryGetServerVersionAsync(AnswerTimeout) is { } version)
            {
                return version;
            }

            await Task.Delay(500);
        }

        throw new HostSetupException($"dockerd did not answer within {StartTimeout.TotalSeconds:N0} s; see {logFile}.");
    }

    public void Dispose()
    {
        _engine?.Dispose();
        if (TakeAskedEarly() is { IsCompletedSuccessfully: true } unused)
        {
            unused.Result.Engine.Dispose();
        }
    }
}
