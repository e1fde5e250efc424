namespace KahaDeploy.Configuration;

/// <summary>One environment's configuration, validated, with defaults filled in and secrets resolved.</summary>
public sealed record DeploySettings
{
    public required string ConfigFile { get; init; }
    public required string StateFolder { get; init; }
    public required string Environment { get; init; }
    public required string AppName { get; init; }
    public required string AppFolder { get; init; }
    public required string Remote { get; init; }
    public required string Branch { get; init; }
    public required string Dockerfile { get; init; }
    public string? DependenciesStage { get; init; }
    public required int AppPort { get; init; }
    public required string HealthPath { get; init; }
    public required IReadOnlyDictionary<string, string> BaseImages { get; init; }
    public required string Container { get; init; }
    public required string Image { get; init; }
    public string? PullImage { get; init; }
    public required string Network { get; init; }
    public required IReadOnlyList<PortMapping> Ports { get; init; }
    public required IReadOnlyDictionary<string, string> Env { get; init; }
    public required IReadOnlyList<string> Volumes { get; init; }
    public required bool MountSource { get; init; }

    /// <summary>With <see cref="MountSource"/>: the working checkout is mounted, not the release's own tree, so a rollback keeps the checked-out code.</summary>
    public required bool MountCheckout { get; init; }
    public required bool NpmInstall { get; init; }
    public required bool GitPull { get; init; }
    public LocalRedisSettings? LocalRedis { get; init; }
    public string? RedisUrl { get; init; }
    public required string RedisEnvVar { get; init; }
    public required string Restart { get; init; }
    public required TimeSpan HealthTimeout { get; init; }
    public SlackSettings? Slack { get; init; }
    public ProxySettings? Proxy { get; init; }

    /// <summary>Set when the environment runs on a Docker Swarm (issue 15).</summary>
    public SwarmSettings? Swarm { get; init; }
    public required int Retain { get; init; }
    public required int KeepLogs { get; init; }
    public required BackupSettings Backups { get; init; }

    /// <summary>The untracked file this environment's secrets are read from (and generated ones written to).</summary>
    public required string SecretsFile { get; init; }

    /// <summary>Read without resolving secrets (a dry run): the error a real run would stop with, since these secrets are not set; null when all are found.</summary>
    public string? UnsetSecrets { get; init; }

    // The names of the releases beside the live one: see ReleaseNames.
    public string PreviousContainer => ReleaseNames.Previous(Container);
    public string CandidateContainer => ReleaseNames.Candidate(Container);
    public string FailedContainer => ReleaseNames.Failed(Container);
    public string OlderContainer => ReleaseNames.Older(Container);
    public string SwappingContainer => ReleaseNames.Swapping(Container);
    public string EnvironmentStateFolder => Path.Combine(StateFolder, Environment);
    public string WorkFolder => Path.Combine(EnvironmentStateFolder, "work");

    /// <summary>Where the live app answers from this host: its first published port.</summary>
    public Uri AppUrl => new($"http://{(Ports[0].HostIp is "" or "0.0.0.0" ? "127.0.0.1" : Ports[0].HostIp)}:{Ports[0].HostPort}");
}

public sealed record PortMapping(string HostIp, int HostPort, int ContainerPort)
{
    public override string ToString() => $"{HostIp}:{HostPort}:{ContainerPort}";
}

/// <param name="MoveFrom">the old in-checkout default (.deploy/ENV/redis-data) whose data moves to <paramref name="DataFolder"/> once; null for a configured folder.</param>
public sealed record LocalRedisSettings(string Container, string Image, string DataFolder, string Password, string? MoveFrom = null);

/// <param name="Folder">where the backups are written (created 0700).</param>
/// <param name="Keep">how many of the newest are kept.</param>
/// <param name="DailyDays">besides those, the newest of each UTC day for this many days, today included.</param>
/// <param name="BeforeDeploy">Deploy and Rollback take one first, and stop when it fails.</param>
public sealed record BackupSettings(string Folder, int Keep, int DailyDays, bool BeforeDeploy);

public sealed record ProxySettings(string Container, int HealthyInARow, TimeSpan Drain, TimeSpan Standby, int WarmupRequests);

public sealed record SlackSettings(string WebhookUrl, TimeSpan Timeout, SlackUpload? Upload = null);

/// <summary>What uploading a log needs: a bot token with files:write, the channel's id, and the Web API's address.</summary>
public sealed record SlackUpload(string BotToken, string Channel, Uri ApiUrl);
