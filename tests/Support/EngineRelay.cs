using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace KahaDeploy.Tests.Support;

/// <summary>
/// A byte-for-byte relay between the tool (DOCKER_HOST=unix://<see cref="Socket"/>) and the real engine's socket, which
/// freezes the tool (SIGSTOP) the moment the engine answers its k-th container rename, before the answer reaches it: the
/// engine has done exactly k renames and the tool has seen k-1 of them. The test then kills it (SIGKILL), as a crash would.
/// The engine and everything it does are real; the relay only holds one answer back.
/// </summary>
public sealed class EngineRelay : IDisposable
{
    private const int SigStop = 19;

    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly string _folder;
    private int _renames;
    private int _frozenAt;

    /// <param name="freezeAt">the rename answer at which the tool is frozen (1 = the first).</param>
    /// <param name="pid">the tool's process id, once started.</param>
    public EngineRelay(int freezeAt, Func<int?> pid)
    {
        FreezeAt = freezeAt;
        Pid = pid;
        _folder = Directory.CreateTempSubdirectory("kaha-relay-").FullName;
        Socket = Path.Combine(_folder, "docker.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(Socket));
        _listener.Listen(16);
        _ = AcceptAsync();
    }

    public string Socket { get; }

    public string DockerHost => "unix://" + Socket;

    public int FreezeAt { get; }

    private Func<int?> Pid { get; }

    /// <summary>Why the freeze at the k-th rename did not hold, if it did not.</summary>
    public string? FreezeError { get; private set; }

    /// <summary>Whether the tool was frozen at the k-th rename.</summary>
    public bool Frozen => Volatile.Read(ref _frozenAt) > 0;

    /// <summary>Waits until the tool is frozen; false when it did not get that far.</summary>
    public bool WaitForFreeze(TimeSpan timeout, Func<bool> ended)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!Frozen && FreezeError is null && clock.Elapsed < timeout && !ended())
        {
            Thread.Sleep(10);
        }

        return Frozen;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var engine = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using (client)
        {
            try
            {
                await engine.ConnectAsync(new UnixDomainSocketEndPoint("/var/run/docker.sock"), _stop.Token);
                // A rename request on this connection makes the next bytes back its answer (Docker.DotNet sends one request at a time).
                var renamePending = 0;
                var up = PumpAsync(client, engine, chunk =>
                {
                    if (Encoding.ASCII.GetString(chunk).Contains("/rename?", StringComparison.Ordinal))
                    {
                        Volatile.Write(ref renamePending, 1);
                    }
                });
                var down = PumpAsync(engine, client, answer =>
                {
                    if (Interlocked.Exchange(ref renamePending, 0) == 1 && Interlocked.Increment(ref _renames) == FreezeAt && Pid() is { } pid)
                    {
                        Freeze(pid);
                    }
                });
                await Task.WhenAny(up, down);
            }
            catch (Exception)
            {
                // The tool was killed, or the test ended: the connection just ends.
            }
        }
    }

    /// <summary>
    /// SIGSTOP, then holds the answer until every thread of the tool shows stopped: kill() returns before the threads stop,
    /// and a freeze that did not hold would let the tool read the answer and go on (a test then sees a run that was not
    /// killed where it says).
    /// </summary>
    private void Freeze(int pid)
    {
        if (kill(pid, SigStop) != 0)
        {
            FreezeError = $"kill({pid}, SIGSTOP) failed with errno {Marshal.GetLastPInvokeError()}";
            return;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!AllThreadsStopped(pid))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(5))
            {
                FreezeError = $"process {pid} did not show stopped within 5 s of SIGSTOP";
                return;
            }

            Thread.Sleep(1);
        }

        Volatile.Write(ref _frozenAt, FreezeAt);
    }

    /// <summary>Whether /proc shows every thread of <paramref name="pid"/> stopped (T) or traced (t).</summary>
    private static bool AllThreadsStopped(int pid)
    {
        try
        {
            return Directory.GetDirectories($"/proc/{pid}/task").All(task =>
            {
                // The state follows the command name in parentheses, which may itself hold spaces and parentheses.
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var state = stat[(stat.LastIndexOf(')') + 2)..][0];
                return state is 'T' or 't';
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private async Task PumpAsync(Socket from, Socket to, Action<byte[]> inspect)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            if (read == 0)
            {
                return;
            }

            inspect(buffer[..read]);
            await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
