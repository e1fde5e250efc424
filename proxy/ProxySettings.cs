namespace KahaProxy;

/// <summary>Set by the deploy tool when it creates the proxy container.</summary>
public sealed record ProxySettings(IReadOnlyList<int> PublicPorts, string AdminSocket, string StateFile)
{
    public static ProxySettings FromEnvironment()
    {
        var ports = (Environment.GetEnvironmentVariable("KAHA_PROXY_PORTS") ?? "80")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(int.Parse)
            .ToList();
        var state = Environment.GetEnvironmentVariable("KAHA_PROXY_STATE") ?? "/run/kaha-proxy";
        Directory.CreateDirectory(state);
        return new ProxySettings(ports, Path.Combine(state, "admin.sock"), Path.Combine(state, "route.json"));
    }
}
