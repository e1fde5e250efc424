using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ZeroDowntimeLoad;

/// <summary>
/// Checks the client against a local server that misbehaves on purpose, and shows why the load does not use HttpClient:
/// when a server closes a reused keep-alive connection just as a request is sent on it, HttpClient (SocketsHttpHandler)
/// sends the request again on a new connection and reports success; wrk and this client count a read error.
/// </summary>
public static class SelfTest
{
    public sealed record Check(string Name, string Expected, string Actual, bool Passed);

    public sealed record Result(bool Passed, bool HttpClientResendsDroppedRequest, string HttpClientFinding, IReadOnlyList<Check> Checks);

    public static async Task<Result> RunAsync()
    {
        using var server = new MisbehavingServer();
        var checks = new List<Check>();
        var endpoint = new IPEndPoint(IPAddress.Loopback, server.Port);
        var timeout = TimeSpan.FromSeconds(3);
        Uri Url(string path) => new($"http://127.0.0.1:{server.Port}{path}");

        using (var chunked = new RawHttpConnection(endpoint, RawHttpConnection.GetRequest(Url("/chunked"))))
        {
            var a = await chunked.GetAsync(timeout);
            var b = await chunked.GetAsync(timeout);
            checks.Add(new Check("chunked answer, kept alive", "Ok chunked, Ok on the same connection",
                $"{a.Outcome} {a.Version}, {b.Outcome} new connection: {b.NewConnection}", a is { Outcome: Outcome.Ok, Version: "chunked" } && b is { Outcome: Outcome.Ok, NewConnection: false }));
        }

        using (var close = new RawHttpConnection(endpoint, RawHttpConnection.GetRequest(Url("/close"))))
        {
            var a = await close.GetAsync(timeout);
            var b = await close.GetAsync(timeout);
            checks.Add(new Check("Connection: close is honoured", "Ok, then Ok on a new connection",
                $"{a.Outcome}, {b.Outcome} new connection: {b.NewConnection}", a.Outcome == Outcome.Ok && b is { Outcome: Outcome.Ok, NewConnection: true }));
        }

        using (var idle = new RawHttpConnection(endpoint, RawHttpConnection.GetRequest(Url("/idle-close"))))
        {
            var a = await idle.GetAsync(timeout);
            await Task.Delay(200);
            var b = await idle.GetAsync(timeout);
            checks.Add(new Check("an idle connection the server closed is noticed before sending", "Ok, then Ok (found closed, not a failure)",
                $"{a.Outcome}, {b.Outcome} found closed: {b.FoundClosed}", a.Outcome == Outcome.Ok && b is { Outcome: Outcome.Ok, FoundClosed: true }));
        }

        using (var drop = new RawHttpConnection(endpoint, RawHttpConnection.GetRequest(Url("/drop-second"))))
        {
            var a = await drop.GetAsync(timeout);
            var b = await drop.GetAsync(timeout);
            checks.Add(new Check("a request the server drops unanswered is a failure", "Ok, then ReadError",
                $"{a.Outcome}, {b.Outcome}", a.Outcome == Outcome.Ok && b.Outcome == Outcome.ReadError));
        }

        using (var missing = new RawHttpConnection(endpoint, RawHttpConnection.GetRequest(Url("/missing"))))
        {
            var a = await missing.GetAsync(timeout);
            checks.Add(new Check("a non-2xx answer is a failure", "HttpError 404", $"{a.Outcome} {a.Status}", a is { Outcome: Outcome.HttpError, Status: 404 }));
        }

        var closedPort = FreeLoopbackPort();
        using (var refused = new RawHttpConnection(new IPEndPoint(IPAddress.Loopback, closedPort), RawHttpConnection.GetRequest(new Uri($"http://127.0.0.1:{closedPort}/"))))
        {
            var a = await refused.GetAsync(timeout);
            checks.Add(new Check("nobody listening is a connect error", "ConnectError", $"{a.Outcome} {a.Detail}", a.Outcome == Outcome.ConnectError));
        }

        // The same dropped request through HttpClient, one connection at a time.
        var before = server.Connections;
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { Timeout = timeout };
        string finding;
        bool resends;
        try
        {
            using var first = await client.GetAsync(Url("/drop-second"));
            using var second = await client.GetAsync(Url("/drop-second"));
            var connections = server.Connections - before;
            resends = second.IsSuccessStatusCode && connections == 2;
            finding = $"first {(int)first.StatusCode}, second {(int)second.StatusCode} after the server dropped it, on {connections} connections: "
                      + (resends ? "HttpClient sent the dropped request again on a new connection and reported success" : "no transparent resend");
        }
        catch (HttpRequestException ex)
        {
            resends = false;
            finding = "HttpClient reported the dropped request: " + ex.Message;
        }

        return new Result(checks.All(c => c.Passed), resends, finding, checks);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>/chunked, /close, /idle-close (answers, then closes without saying so), /drop-second (closes unanswered on the 2nd request).</summary>
    private sealed class MisbehavingServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private int _connections;

        public MisbehavingServer()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Connections => Volatile.Read(ref _connections);

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptSocketAsync(_stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                Interlocked.Increment(ref _connections);
                _ = ServeAsync(socket);
            }
        }

        private static async Task ServeAsync(Socket socket)
        {
            using var _ = socket;
            var buffer = new byte[8192];
            var filled = 0;
            var served = 0;
            try
            {
                while (true)
                {
                    int end;
                    while ((end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
                    {
                        var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
                        if (read == 0)
                        {
                            return;
                        }

                        filled += read;
                    }

                    var path = Encoding.ASCII.GetString(buffer, 0, end).Split(' ')[1];
                    buffer.AsSpan(end + 4, filled - end - 4).CopyTo(buffer);
                    filled -= end + 4;
                    served++;
                    var json = "{\"version\":\"" + path.Trim('/') + "\"}";
                    switch (path)
                    {
                        case "/chunked":
                            await SendAsync(socket, $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{json.Length / 2:x}\r\n{json[..(json.Length / 2)]}\r\n{json.Length - json.Length / 2:x}\r\n{json[(json.Length / 2)..]}\r\n0\r\n\r\n");
                            break;
                        case "/close":
                            await SendAsync(socket, $"HTTP/1.1 200 OK\r\nContent-Length: {json.Length}\r\nConnection: close\r\n\r\n{json}");
                            return;
                        case "/idle-close":
                            await SendAsync(socket, $"HTTP/1.1 200 OK\r\nContent-Length: {json.Length}\r\n\r\n{json}");
                            return;
                        case "/drop-second" when served >= 2:
                            return;
                        case "/drop-second":
                            await SendAsync(socket, $"HTTP/1.1 200 OK\r\nContent-Length: {json.Length}\r\n\r\n{json}");
                            break;
                        default:
                            await SendAsync(socket, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
                            break;
                    }
                }
            }
            catch (SocketException)
            {
            }
        }

        private static Task SendAsync(Socket socket, string text) => socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None);

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }
}
