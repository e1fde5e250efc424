using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace ZeroDowntimeLoad;

/// <summary>How one request ended, as wrk counts it: connect, write and read errors, timeouts, non-2xx answers.</summary>
public enum Outcome : byte
{
    Ok = 0,
    HttpError = 1,
    ConnectError = 2,
    WriteError = 3,
    ReadError = 4,
    Timeout = 5,
}

public readonly record struct Answer(Outcome Outcome, int Status, string? Version, bool NewConnection, bool FoundClosed, string? Detail = null);

/// <summary>
/// One keep-alive HTTP/1.1 connection on a plain socket, one request at a time.
/// Not HttpClient on purpose: SocketsHttpHandler silently resends a request whose reused connection was closed under it
/// before any answer came (see <see cref="SelfTest"/>), which would hide exactly the failures this benchmark counts.
/// Like a browser (and HttpClient), it checks before sending whether the server has already closed the idle connection,
/// and then opens a new one: that is counted (<see cref="Answer.FoundClosed"/>) but is no failure. A request that was
/// sent and got no complete answer is one.
/// </summary>
public sealed class RawHttpConnection(IPEndPoint endpoint, byte[] request) : IDisposable
{
    private static ReadOnlySpan<byte> HeaderEnd => "\r\n\r\n"u8;
    private static ReadOnlySpan<byte> LineEnd => "\r\n"u8;

    private readonly byte[] _buffer = new byte[64 * 1024];
    private Socket? _socket;
    private int _filled;

    public static byte[] GetRequest(Uri url) =>
        Encoding.ASCII.GetBytes($"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nUser-Agent: kaha-bench\r\nAccept: application/json\r\n\r\n");

    public async Task<Answer> GetAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var foundClosed = false;
        if (_socket is not null && PeerClosed(_socket))
        {
            foundClosed = true;
            Drop();
        }

        var newConnection = false;
        if (_socket is null)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(endpoint, cancel.Token);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                return new Answer(Outcome.ConnectError, 0, null, true, foundClosed, Describe(ex));
            }

            _socket = socket;
            newConnection = true;
        }

        try
        {
            await _socket.SendAsync(request, SocketFlags.None, cancel.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            Drop();
            return new Answer(ex is OperationCanceledException ? Outcome.Timeout : Outcome.WriteError, 0, null, newConnection, foundClosed, Describe(ex));
        }

        try
        {
            var (status, body, keepAlive) = await ReadResponseAsync(cancel.Token);
            if (!keepAlive)
            {
                Drop();
            }

            var ok = status is >= 200 and < 300;
            return new Answer(ok ? Outcome.Ok : Outcome.HttpError, status, ok ? VersionOf(body) : null, newConnection, foundClosed);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException or IOException or FormatException)
        {
            Drop();
            return new Answer(ex is OperationCanceledException ? Outcome.Timeout : Outcome.ReadError, 0, null, newConnection, foundClosed, Describe(ex));
        }
    }

    /// <summary>Status, body and whether the connection may be used again. Throws IOException when the server closes it before a full answer.</summary>
    private async Task<(int Status, byte[] Body, bool KeepAlive)> ReadResponseAsync(CancellationToken cancel)
    {
        _filled = 0;
        int headerEnd;
        while ((headerEnd = _buffer.AsSpan(0, _filled).IndexOf(HeaderEnd)) < 0)
        {
            await ReceiveMoreAsync(cancel);
        }

        var head = Encoding.ASCII.GetString(_buffer, 0, headerEnd).Split("\r\n");
        var statusParts = head[0].Split(' ', 3);
        if (statusParts.Length < 2 || !statusParts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(statusParts[1], out var status))
        {
            throw new FormatException("not an HTTP/1.x status line: " + head[0]);
        }

        long? contentLength = null;
        var chunked = false;
        var close = statusParts[0] == "HTTP/1.0";
        foreach (var line in head.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                contentLength = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                chunked = value.Contains("chunked", StringComparison.OrdinalIgnoreCase);
            }
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                close = value.Contains("close", StringComparison.OrdinalIgnoreCase) || (close && !value.Contains("keep-alive", StringComparison.OrdinalIgnoreCase));
            }
        }

        var bodyStart = headerEnd + HeaderEnd.Length;
        byte[] body;
        if (chunked)
        {
            body = await ReadChunkedAsync(bodyStart, cancel);
        }
        else if (contentLength is { } length)
        {
            while (_filled < bodyStart + length)
            {
                await ReceiveMoreAsync(cancel);
            }

            body = _buffer.AsSpan(bodyStart, (int)length).ToArray();
        }
        else
        {
            // No length: the body ends when the server closes the connection.
            try
            {
                while (true)
                {
                    await ReceiveMoreAsync(cancel);
                }
            }
            catch (EndOfStreamException)
            {
            }

            body = _buffer.AsSpan(bodyStart, _filled - bodyStart).ToArray();
            return (status, body, false);
        }

        return (status, body, !close);
    }

    private async Task<byte[]> ReadChunkedAsync(int position, CancellationToken cancel)
    {
        using var body = new MemoryStream();
        while (true)
        {
            int lineEnd;
            while ((lineEnd = _buffer.AsSpan(position, _filled - position).IndexOf(LineEnd)) < 0)
            {
                await ReceiveMoreAsync(cancel);
            }

            var sizeText = Encoding.ASCII.GetString(_buffer, position, lineEnd).Split(';')[0].Trim();
            var size = int.Parse(sizeText, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
            position += lineEnd + LineEnd.Length;
            if (size == 0)
            {
                // Optional trailers, then an empty line.
                while (true)
                {
                    while ((lineEnd = _buffer.AsSpan(position, _filled - position).IndexOf(LineEnd)) < 0)
                    {
                        await ReceiveMoreAsync(cancel);
                    }

                    position += lineEnd + LineEnd.Length;
                    if (lineEnd == 0)
                    {
                        return body.ToArray();
                    }
                }
            }

            while (_filled < position + size + LineEnd.Length)
            {
                await ReceiveMoreAsync(cancel);
            }

            body.Write(_buffer, position, size);
            position += size + LineEnd.Length;
        }
    }

    private async Task ReceiveMoreAsync(CancellationToken cancel)
    {
        if (_filled == _buffer.Length)
        {
            throw new FormatException("answer larger than the read buffer");
        }

        var read = await _socket!.ReceiveAsync(_buffer.AsMemory(_filled), SocketFlags.None, cancel);
        if (read == 0)
        {
            throw new EndOfStreamException("the server closed the connection before a complete answer");
        }

        _filled += read;
    }

    /// <summary>True when the server has closed (or reset) the idle connection: readable with nothing to read.</summary>
    private static bool PeerClosed(Socket socket)
    {
        try
        {
            return socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    private static string? VersionOf(byte[] body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("version"u8) && reader.Read())
                {
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    private static string Describe(Exception ex) => ex switch
    {
        SocketException socket => socket.SocketErrorCode.ToString(),
        OperationCanceledException => "timeout",
        _ => ex.GetType().Name + ": " + ex.Message,
    };

    private void Drop()
    {
        _socket?.Dispose();
        _socket = null;
    }

    public void Dispose() => Drop();
}
