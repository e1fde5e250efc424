using System.Net;

namespace KahaDeploy.Configuration;

/// <summary>The dashboard section of cake-config.json, validated, with its password resolved.</summary>
public sealed record DashboardSettings
{
    public required string ConfigFile { get; init; }

    /// <summary>Where the dashboard keeps the logs of the runs it started (.deploy/dashboard).</summary>
    public required string StateFolder { get; init; }

    public required IPAddress Address { get; init; }
    public required int Port { get; init; }
    public required bool Public { get; init; }
    public required string Password { get; init; }
    public required TimeSpan LockWait { get; init; }

    public Uri Url => new($"http://{(Address.Equals(IPAddress.Any) ? IPAddress.Loopback : Address)}:{Port}/");
}
