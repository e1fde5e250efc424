using System.Net;

namespace KahaDeploy.Services.Webhooks;

/// <summary>
/// Who sent a request: the TCP peer, or, when the peer is a trusted proxy, the address that proxy says it
/// forwarded (X-Forwarded-For), read from the right past every trusted hop. A header from anyone else is ignored.
/// </summary>
public static class ClientAddress
{
    /// <returns>The client's address, or null when a trusted proxy forwarded something that is not an address.</returns>
    public static IPAddress? Resolve(IPAddress peer, string? forwardedFor, IReadOnlyList<IPNetwork> trustedProxies)
    {
        var client = Normalize(peer);
        if (string.IsNullOrWhiteSpace(forwardedFor) || !IsIn(client, trustedProxies))
        {
            return client;
        }

        foreach (var hop in forwardedFor.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Reverse())
        {
            if (!IPAddress.TryParse(hop, out var address))
            {
                return null;
            }

            client = Normalize(address);
            if (!IsIn(client, trustedProxies))
            {
                return client;
            }
        }

        return client;
    }

    public static bool IsIn(IPAddress address, IReadOnlyList<IPNetwork> networks) => networks.Any(network => network.Contains(address));

    /// <summary>A listener on "::" sees IPv4 clients as ::ffff:a.b.c.d; the configured networks are written as a.b.c.d.</summary>
    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
