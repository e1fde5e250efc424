using System.Net;
using System.Net.Sockets;

namespace KahaDeploy.Tests.Support;

/// <summary>
/// Forwards connections to 127.0.0.1:PORT to another address, byte for byte. The host engine may push over plain HTTP
/// only to a registry on loopback (127.0.0.0/8 is insecure-allowed by default), while the swarm's nodes reach the same
/// registry on the bridge address: the relay lets both talk to the one registry without the host engine's settings
/// changing.
/// </summary>
public sealed class TcpRelay : IDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();

    public TcpRelay(int port, IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(_target, _stop.Token);
                var from = client.GetStream();
                var to = upstream.GetStream();
                // Either side closing ends the pair: the other copy is cut by disposing both clients.
                await Task.WhenAny(from.CopyToAsync(to, _stop.Token), to.CopyToAsync(from, _stop.Token));
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
