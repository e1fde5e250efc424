using System.Text.Json.Serialization;

namespace KahaDeploy.Configuration;

/// <summary>The shape of cake-config.json; cake-config.schema.json describes the same keys for editors.</summary>
public sealed record DeployConfig
{
    [JsonPropertyName("$schema")]
    public string? Schema { get; init; }

    public required AppConfig App { get; init; }

    public required Dictionary<string, EnvironmentConfig> Environments { get; init; }
}

public sealed record AppConfig
{
    public required string Name { get; init; }

    /// <summary>The app's checkout, relative to the config file.</summary>
    public string Folder { get; init; } = ".";

    public string Remote { get; init; } = "origin";

    public string Branch { get; init; } = "master";

    public string Dockerfile { get; init; } = "Dockerfile";

    public required int Port { get; init; }

    public string HealthPath { get; init; } = "/healthz";

    /// <summary>Build argument name → base image; built from the host's runtime when neither local nor pullable.</summary>
    public Dictionary<string, string> BaseImages { get; init; } = [];
}

public sealed record EnvironmentConfig
{
    public string? Container { get; init; }

    public string? Image { get; init; }

    /// <summary>A registry image to pull instead of building one.</summary>
    public string? PullImage { get; init; }

    public string? Network { get; init; }

    /// <summary>Docker's HOST_IP:HOST_PORT:CONTAINER_PORT form.</summary>
    public List<string> Ports { get; init; } = [];

    public Dictionary<string, string> Env { get; init; } = [];

    public List<string> Volumes { get; init; } = [];

    public bool MountSource { get; init; }

    public bool NpmInstall { get; init; } = true;

    public bool GitPull { get; init; } = true;

    public RedisConfig? Redis { get; init; }

    public string Restart { get; init; } = "unless-stopped";

    public int HealthTimeoutSeconds { get; init; } = 60;

    public SlackConfig? Slack { get; init; }

    /// <summary>A proxy in front of the app for zero-downtime switches; on by default for stage and prod.</summary>
    public ProxyConfig? Proxy { get; init; }

    /// <summary>How many versions (containers and images) to keep for Rollback --to=SHA.</summary>
    public int Retain { get; init; } = 5;
    /// <summary>How many run logs to keep in .deploy/ENV/logs; older ones are removed when a run starts.</summary>
    public int KeepLogs { get; init; } = 50;

    /// <summary>Secrets this environment may create itself (random, stored in its secrets file) when unset.</summary>
    public List<string> GeneratedSecrets { get; init; } = [];
}

public sealed record RedisConfig
{
    /// <summary>Where the app finds Redis: a redis:// URL (stage, prod).</summary>
    public string? Url { get; init; }

    /// <summary>A Redis container this tool runs beside the app (dev).</summary>
    public LocalRedisConfig? Local { get; init; }

    public string EnvVar { get; init; } = "REDIS_URL";
}

public sealed record LocalRedisConfig
{
    public string? Container { get; init; }

    public string Image { get; init; } = "redis:7";

    /// <summary>Host folder mounted at /data, relative to the config file.</summary>
    public required string DataFolder { get; init; }

    public required string Password { get; init; }
}

public sealed record ProxyConfig
{
    public bool? Enabled { get; init; }

    /// <summary>Answers of 200 in a row a new release must give before traffic is switched to it.</summary>
    public int HealthyInARow { get; init; } = 3;

    /// <summary>How long the replaced release keeps running in rotation-free drain after the switch.</summary>
    public int DrainSeconds { get; init; } = 2;

    /// <summary>How long the replaced release stays running out of rotation, so Rollback is a single switch.</summary>
    public int StandbySeconds { get; init; } = 300;
}

public sealed record SlackConfig
{
    public required string WebhookUrl { get; init; }

    public int TimeoutSeconds { get; init; } = 10;

    /// <summary>A bot token with files:write: a failed run's log is then uploaded to <see cref="Channel"/>.</summary>
    public string? BotToken { get; init; }

    /// <summary>The id of the channel the log goes to (e.g. C0123ABCD), not its name.</summary>
    public string? Channel { get; init; }

    /// <summary>Where Slack's Web API answers.</summary>
    public string ApiUrl { get; init; } = "https://slack.com/api/";
}
