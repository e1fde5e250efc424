using System.Text.Json.Serialization;

namespace KahaDeploy.Configuration;

/// <summary>The shape of cake-config.json; cake-config.schema.json describes the same keys for editors.</summary>
public sealed record DeployConfig
{
    [JsonPropertyName("$schema")]
    public string? Schema { get; set; }

    public required AppConfig App { get; set; }

    public required Dictionary<string, EnvironmentConfig> Environments { get; set; }

    /// <summary>The push-to-deploy listener (the Listen target); absent when no webhook deploys.</summary>
    public ListenerConfig? Listener { get; set; }

    /// <summary>The web dashboard (the Dashboard target, and Listen beside the hooks); absent when nobody opens one.</summary>
    public DashboardConfig? Dashboard { get; set; }
}

public sealed record AppConfig
{
    public required string Name { get; set; }

    /// <summary>The app's checkout, relative to the config file.</summary>
    public string Folder { get; set; } = ".";

    public string Remote { get; set; } = "origin";

    public string Branch { get; set; } = "master";

    public string Dockerfile { get; set; } = "Dockerfile";

    /// <summary>The Dockerfile stage that installs the dependencies: built apart, only when its inputs change (see DependencyImages).</summary>
    public string? DependenciesStage { get; set; }

    public required int Port { get; set; }

    public string HealthPath { get; set; } = "/healthz";

    /// <summary>Build argument name → base image; built from the host's runtime when neither local nor pullable.</summary>
    public Dictionary<string, string> BaseImages { get; set; } = [];
}

public sealed record EnvironmentConfig
{
    public string? Container { get; set; }

    public string? Image { get; set; }

    /// <summary>A registry image to pull instead of building one.</summary>
    public string? PullImage { get; set; }

    public string? Network { get; set; }

    /// <summary>Docker's HOST_IP:HOST_PORT:CONTAINER_PORT form.</summary>
    public List<string> Ports { get; set; } = [];

    public Dictionary<string, string> Env { get; set; } = [];

    public List<string> Volumes { get; set; } = [];

    public bool MountSource { get; set; }

    /// <summary>With mountSource: mount the working checkout itself (dev: edit and see) instead of each release's own read-only tree of its commit.</summary>
    public bool MountCheckout { get; set; }

    public bool NpmInstall { get; set; } = true;

    public bool GitPull { get; set; } = true;

    public RedisConfig? Redis { get; set; }

    public string Restart { get; set; } = "unless-stopped";

    public int HealthTimeoutSeconds { get; set; } = 60;

    public SlackConfig? Slack { get; set; }

    /// <summary>A proxy in front of the app for zero-downtime switches; on by default for stage and prod.</summary>
    public ProxyConfig? Proxy { get; set; }

    /// <summary>Release to a Docker Swarm through a registry instead of this server's engine alone (issue 15).</summary>
    public SwarmConfig? Swarm { get; set; }

    /// <summary>How many versions (containers and images) to keep for Rollback --to=SHA.</summary>
    public int Retain { get; set; } = 5;
    /// <summary>How many run logs to keep in .deploy/ENV/logs; older ones are removed when a run starts.</summary>
    public int KeepLogs { get; set; } = 50;

    /// <summary>Secrets this environment may create itself (random, stored in its secrets file) when unset.</summary>
    public List<string> GeneratedSecrets { get; set; } = [];

    /// <summary>Redis backups: where, how many, and whether Deploy and Rollback take one first.</summary>
    public BackupsConfig? Backups { get; set; }
}

public sealed record BackupsConfig
{
    /// <summary>Relative to the config file, or absolute (a mounted volume); by default DATA_HOME/APP/ENV/backups, beside the environment's data and outside the checkout, so 'git clean -xfd' or a lost .deploy cannot take the backups with it.</summary>
    public string? Folder { get; set; }

    /// <summary>How many of the newest backups are kept.</summary>
    public int Keep { get; set; } = 14;

    /// <summary>Besides those, the newest backup of each UTC day is kept for this many days, today included.</summary>
    public int DailyDays { get; set; } = 30;

    /// <summary>Deploy and Rollback take a backup first; by default on for prod when it has a Redis.</summary>
    public bool? BeforeDeploy { get; set; }
}

public sealed record RedisConfig
{
    /// <summary>Where the app finds Redis: a redis:// URL (stage, prod).</summary>
    public string? Url { get; set; }

    /// <summary>A Redis container this tool runs beside the app (dev).</summary>
    public LocalRedisConfig? Local { get; set; }

    public string EnvVar { get; set; } = "REDIS_URL";
}

public sealed record LocalRedisConfig
{
    public string? Container { get; set; }

    public string Image { get; set; } = "redis:7";

    /// <summary>Host folder mounted at /data, relative to the config file; by default DATA_HOME/APP/ENV/redis, outside the checkout.</summary>
    public string? DataFolder { get; set; }

    public required string Password { get; set; }
}

public sealed record ProxyConfig
{
    public bool? Enabled { get; set; }

    /// <summary>Answers of 200 in a row a new release must give before traffic is switched to it.</summary>
    public int HealthyInARow { get; set; } = 3;

    /// <summary>How long the replaced release keeps running in rotation-free drain after the switch.</summary>
    public int DrainSeconds { get; set; } = 2;

    /// <summary>How long the replaced release stays running out of rotation, so Rollback is a single switch.</summary>
    public int StandbySeconds { get; set; } = 300;

    /// <summary>Requests to the health path a release is sent through the proxy just before it takes traffic (0: none).</summary>
    public int WarmupRequests { get; set; } = 200;
}

public sealed record SwarmConfig
{
    /// <summary>How many copies of the app run across the nodes.</summary>
    public int Replicas { get; set; } = 2;

    /// <summary>HOST[:PORT][/PATH] the images are pushed to and every node pulls from.</summary>
    public required string Registry { get; set; }

    /// <summary>The registry's login, as secrets (${REGISTRY_USER}, ${REGISTRY_PASSWORD}); neither for a registry without one.</summary>
    public string? RegistryUser { get; set; }

    public string? RegistryPassword { get; set; }

    /// <summary>How many tasks an update replaces at a time.</summary>
    public int UpdateParallelism { get; set; } = 1;

    /// <summary>Swarm placement constraints, e.g. "node.labels.app==true".</summary>
    public List<string> Placement { get; set; } = [];
}

public sealed record SlackConfig
{
    public required string WebhookUrl { get; set; }

    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>A bot token with files:write: a failed run's log is then uploaded to <see cref="Channel"/>.</summary>
    public string? BotToken { get; set; }

    /// <summary>The id of the channel the log goes to (e.g. C0123ABCD), not its name.</summary>
    public string? Channel { get; set; }

    /// <summary>Where Slack's Web API answers.</summary>
    public string ApiUrl { get; set; } = "https://slack.com/api/";
}

public sealed record ListenerConfig
{
    /// <summary>Where Kestrel listens; --address and --port override it.</summary>
    public string Address { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 9000;

    /// <summary>Peers (nginx in front) whose X-Forwarded-For is believed.</summary>
    public List<string> TrustedProxies { get; set; } = [];

    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>How long a client may take to send its headers, and its body.</summary>
    public int RequestTimeoutSeconds { get; set; } = 10;

    /// <summary>How long a webhook deploy waits for a deploy already holding the environment's lock.</summary>
    public int LockWaitSeconds { get; set; } = 900;

    /// <summary>On Ctrl-C or SIGTERM, how long a running deploy may go on before it is cut.</summary>
    public int ShutdownGraceSeconds { get; set; } = 600;

    /// <summary>A secret that lets a client other than the loopback read /status (Authorization: Bearer ...); none by default.</summary>
    public string? StatusToken { get; set; }

    [JsonPropertyName("github")]
    public GitHubHookConfig? GitHub { get; set; }

    public DockerHubHookConfig? DockerHub { get; set; }
}

public sealed record GitHubHookConfig
{
    public required string Secret { get; set; }

    /// <summary>OWNER/NAME: pushes to any other repository are ignored.</summary>
    public required string Repository { get; set; }

    /// <summary>Ref → environment; the seed's captainhook deployed master to stage.</summary>
    public Dictionary<string, string> Branches { get; set; } = new() { ["refs/heads/master"] = "stage" };

    /// <summary>GitHub's hook source ranges (its /meta API, "hooks"); nothing else by default.</summary>
    public List<string> AllowedNetworks { get; set; } = ["192.30.252.0/22", "185.199.108.0/22", "140.82.112.0/20", "143.55.64.0/20"];
}

public sealed record DockerHubHookConfig
{
    /// <summary>The secret part of the hook URL (/hooks/dockerhub/TOKEN): Docker Hub signs nothing.</summary>
    public required string Token { get; set; }

    /// <summary>"REPO:TAG" or "REPO:*" → an environment that pulls its image (or an object that also allows older images).</summary>
    public required Dictionary<string, ImageMapping> Images { get; set; }

    /// <summary>The only origins a callback_url may point at: a host (https on 443) or SCHEME://HOST[:PORT].</summary>
    public List<string> CallbackHosts { get; set; } = ["registry.hub.docker.com"];
}

public sealed record DashboardConfig
{
    /// <summary>Loopback by default: the page is for the server's own people (an SSH tunnel, or nginx with TLS in front).</summary>
    public string Address { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 9001;

    /// <summary>Read-only pages without sign-in; actions always need it.</summary>
    public bool Public { get; set; }

    /// <summary>The shared sign-in password, a secret (${DASHBOARD_PASSWORD}).</summary>
    public required string Password { get; set; }

    /// <summary>How long a dashboard Rollback waits for a deploy already holding the environment's lock.</summary>
    public int LockWaitSeconds { get; set; } = 900;
}
