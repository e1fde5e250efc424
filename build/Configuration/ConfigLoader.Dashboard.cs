using System.Net;

namespace KahaDeploy.Configuration;

/// <summary>The dashboard section: checked before Kestrel starts, so a dashboard never serves half configured.</summary>
public sealed partial class ConfigLoader
{
    /// <summary>A person types it, but it guards the Rollback button: shorter ones are guessed by the rate-limited sign-in too soon.</summary>
    private const int ShortestPassword = 12;

    /// <summary>The dashboard's settings; null when cake-config.json has no dashboard section.</summary>
    public DashboardSettings? LoadDashboard(string configFile, Action<string> warn, bool resolveSecrets = true)
    {
        var config = Read(configFile);
        if (config.Dashboard is not { } dashboard)
        {
            return null;
        }

        var at = $"{Path.GetFileName(configFile)}: dashboard";
        var stateFolder = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configFile))!, ".deploy");
        var secrets = new SecretStore(masker, Path.Combine(stateFolder, "secrets.dashboard"), [], warn, resolveSecrets);
        Require(IPAddress.TryParse(dashboard.Address, out var address),
            $"{at}.address \"{dashboard.Address}\" is not an IP address; use \"127.0.0.1\" (the default), or \"0.0.0.0\" behind a firewall.");
        Require(dashboard.Port is > 0 and < 65536, $"{at}.port {dashboard.Port} is not a port; use a number from 1 to 65535.");
        Require(dashboard.LockWaitSeconds is >= 0 and <= 86400, $"{at}.lockWaitSeconds {dashboard.LockWaitSeconds} is out of range; use 0 to 86400.");
        var password = secrets.Resolve(dashboard.Password, $"{at}.password");
        Require(!secrets.CanCheckValues || password.Length >= ShortestPassword,
            $"{at}.password is {(password.Length == 0 ? "empty" : $"shorter than {ShortestPassword} characters")}; the dashboard will not start without a real one: generate one with 'openssl rand -base64 18'.");
        secrets.ThrowIfMissing();
        return new DashboardSettings
        {
            ConfigFile = Path.GetFullPath(configFile),
            StateFolder = Path.Combine(stateFolder, "dashboard"),
            Address = address!,
            Port = dashboard.Port,
            Public = dashboard.Public,
            Password = password,
            LockWait = TimeSpan.FromSeconds(dashboard.LockWaitSeconds),
        };
    }
}
