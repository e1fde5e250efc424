using System.Net;
using System.Net.Sockets;
using KahaProxy.Contract;

namespace KahaProxy;

/// <summary>
/// Discovery mode (<see cref="ProxyAdminApi.DiscoverVariable"/> = HOST:PORT): HOST is resolved every <see cref="Interval"/>
/// and traffic goes to the addresses it resolves to. On Swarm HOST is tasks.SERVICE, which lists a task only once it is
/// healthy and drops it as it stops, so the proxy needs no health checks of its own. YARP's DnsDestinationResolver is
/// not used: it refreshes by reloading the whole proxy configuration, and keeps no record of when or why a name resolved.
/// </summary>
public sealed class DnsDiscovery(string target, ILogger<DnsDiscovery> log) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string _target = target;
    private volatile DiscoveredUpstreams _current = new(target, [], null, null);

    public DiscoveredUpstreams Current => _current;

    /// <summary>HOST:PORT, HOST a name (Docker's may hold '_', as tasks.kaha_prod does) or an IPv4 address, PORT 1 to 65535.</summary>
    public static bool IsTarget(string? text) => TrySplit(text, out _, out _);

    /// <summary>Resolves <paramref name="target"/> from now on; returns once it was resolved, so traffic has moved when the caller hears back.</summary>
    public async Task<DiscoveredUpstreams> ChangeAsync(string target)
    {
        await _gate.WaitAsync();
        try
        {
            _target = target;
        }
        finally
        {
            _gate.Release();
        }

        return await ResolveAsync(CancellationToken.None);
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            await ResolveAsync(stopping);
        }
        while (await timer.WaitForNextTickAsync(stopping));
    }

    private async Task<DiscoveredUpstreams> ResolveAsync(CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation);
        try
        {
            TrySplit(_target, out var host, out var port);
            var previous = _current;
            DiscoveredUpstreams next;
            try
            {
                var addresses = await Dns.GetHostAddressesAsync(host, cancellation);
                next = new(_target, addresses.Select(a => new IPEndPoint(a, port).ToString()).Distinct().Order(StringComparer.Ordinal).ToList(), DateTimeOffset.UtcNow, null);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData)
            {
                // No healthy task: the name is gone, and with it every address.
                next = new(_target, [], DateTimeOffset.UtcNow, $"{host} does not resolve");
            }
            catch (SocketException ex)
            {
                // The resolver itself failed (a timeout): the tasks last seen are the best guess, if they are of this name.
                next = previous.Target == _target
                    ? previous with { Error = $"{host}: {ex.Message}" }
                    : new(_target, [], previous.ResolvedAt, $"{host}: {ex.Message}");
            }

            if (next.Target != previous.Target || !next.Addresses.SequenceEqual(previous.Addresses))
            {
                log.LogInformation("{Target} resolves to {Addresses}", next.Target, next.Addresses.Count == 0 ? "nothing" : string.Join(", ", next.Addresses));
            }

            _current = next;
            return next;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static bool TrySplit(string? text, out string host, out int port)
    {
        var colon = text?.LastIndexOf(':') ?? -1;
        host = colon > 0 ? text![..colon] : "";
        port = 0;
        return colon > 0
            && host.Length <= 253
            && host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')
            && int.TryParse(text![(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port)
            && port is > 0 and <= 65535;
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }
}
