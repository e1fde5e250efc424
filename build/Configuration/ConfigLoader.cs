using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace KahaDeploy.Configuration;

/// <summary>Reads cake-config.json and turns one environment into <see cref="DeploySettings"/>, or fails with one line.</summary>
public sealed partial class ConfigLoader(SecretMasker masker)
{
    public const string DefaultFileName = "cake-config.json";

    private static readonly string[] RestartPolicies = ["no", "always", "unless-stopped", "on-failure"];

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        TypeInfoResolver = ConfigJson.Default,
    };

    [GeneratedRegex(@"^[a-zA-Z0-9][a-zA-Z0-9_.-]*\z")]
    private static partial Regex DockerName();

    [GeneratedRegex(@"^[A-Z0-9]{9,}\z")]
    private static partial Regex ChannelId();

    public DeployConfig Read(string configFile)
    {
        var name = Path.GetFileName(configFile);
        if (!File.Exists(configFile))
        {
            throw new ConfigException($"{configFile}: no such file; run from the project folder or pass --config=PATH.");
        }

        try
        {
            return JsonSerializer.Deserialize<DeployConfig>(File.ReadAllBytes(configFile), JsonOptions)
                   ?? throw new ConfigException($"{name}: the file is empty; it needs an \"app\" and an \"environments\" object.");
        }
        catch (JsonException ex)
        {
            throw new ConfigException(Describe(name, ex));
        }
    }

    public DeploySettings Load(string configFile, string environment, Action<string> warn, bool resolveSecrets = true)
    {
        var config = Read(configFile);
        var name = Path.GetFileName(configFile);
        var root = Path.GetDirectoryName(Path.GetFullPath(configFile))!;
        if (!config.Environments.TryGetValue(environment, out var env))
        {
            var known = string.Join(", ", config.Environments.Keys);
            throw new ConfigException($"Unknown environment '{environment}': {name} defines {known}; use one of them with --env, or add '{environment}' under \"environments\".");
        }

        var stateFolder = Path.Combine(root, ".deploy");
        var at = $"{name}: environments.{environment}";

        var app = config.App;
        Require(DockerName().IsMatch(app.Name), $"{name}: app.name \"{app.Name}\" is not a valid name; use letters, digits, '_', '.' or '-'.");
        var dataHome = DataHome.For(app.Name, environment);
        var secrets = new SecretStore(masker, Path.Combine(stateFolder, $"secrets.{environment}"), env.GeneratedSecrets, warn, resolveSecrets,
            keptFile: Path.Combine(dataHome, "secrets"));
        Require(app.Port is > 0 and < 65536, $"{name}: app.port {app.Port} is not a port; use a number from 1 to 65535 (the port the app listens on inside the container).");
        Require(app.HealthPath.StartsWith('/'), $"{name}: app.healthPath \"{app.HealthPath}\" must start with '/', e.g. \"/healthz\".");
        var appFolder = Path.GetFullPath(Path.Combine(root, app.Folder));
        Require(Directory.Exists(appFolder), $"{name}: app.folder \"{app.Folder}\" does not exist ({appFolder}); point it at the app's checkout.");
        foreach (var (argument, baseImage) in app.BaseImages)
        {
            Require(Regex.IsMatch(argument, @"^[A-Za-z_][A-Za-z0-9_]*\z"), $"{name}: app.baseImages: \"{argument}\" is not a build argument name; use e.g. \"NODE_IMAGE\".");
            Require(!string.IsNullOrWhiteSpace(baseImage), $"{name}: app.baseImages.{argument} is empty; give an image such as \"node:20-bookworm-slim\".");
        }

        var container = env.Container ?? $"{app.Name}_{environment}";
        Require(DockerName().IsMatch(container), $"{at}.container \"{container}\" is not a valid container name; use letters, digits, '_', '.' or '-'.");
        var image = env.Image ?? app.Name.ToLowerInvariant();
        Require(ImageReference.IsLocalRepository(image), $"{at}.image \"{image}\" is not a valid image name; use lower-case letters, digits and '/', '.', '_', '-', without a tag.");
        var network = env.Network ?? container;
        Require(DockerName().IsMatch(network), $"{at}.network \"{network}\" is not a valid network name.");
        Require(RestartPolicies.Contains(env.Restart), $"{at}.restart \"{env.Restart}\" is not a restart policy; use one of {string.Join(", ", RestartPolicies)}.");
        Require(env.HealthTimeoutSeconds is > 0 and <= 3600, $"{at}.healthTimeoutSeconds {env.HealthTimeoutSeconds} is out of range; use 1 to 3600.");
        Require(env.KeepLogs is > 0 and <= 10000, $"{at}.keepLogs {env.KeepLogs} is out of range; use 1 to 10000 (how many run logs to keep).");

        var ports = env.Ports.Select((p, i) => ParsePort(p, $"{at}.ports[{i}]")).ToList();
        Require(ports.Count > 0, $"{at}.ports is empty; publish the app's port so it can be reached and health-checked, e.g. \"127.0.0.1:8080:{app.Port}\".");
        var variables = env.Env.ToDictionary(kv => kv.Key, kv => secrets.Resolve(kv.Value, $"{at}.env.{kv.Key}"));
        var volumes = env.Volumes.Select((v, i) => ParseVolume(v, root, $"{at}.volumes[{i}]")).ToList();

        LocalRedisSettings? localRedis = null;
        string? redisUrl = null;
        if (env.Redis is { } redis)
        {
            Require((redis.Url is null) != (redis.Local is null), $"{at}.redis: set exactly one of \"url\" (a Redis server elsewhere) or \"local\" (a Redis container run by this tool).");
            if (redis.Local is { } local)
            {
                var redisContainer = local.Container ?? ReleaseNames.Redis(container);
                Require(DockerName().IsMatch(redisContainer), $"{at}.redis.local.container \"{redisContainer}\" is not a valid container name.");
                var password = secrets.Resolve(local.Password, $"{at}.redis.local.password");
                Require(password.Length > 0, $"{at}.redis.local.password is empty; Redis must not run without a password.");
                var (dataFolder, moveFrom) = RedisDataFolder(local, root, stateFolder, dataHome, environment, $"{at}.redis.local.dataFolder", warn);
                localRedis = new LocalRedisSettings(redisContainer, local.Image, dataFolder, password, moveFrom);
                redisUrl = $"redis://:{Uri.EscapeDataString(password)}@{redisContainer}:6379";
            }
            else
            {
                redisUrl = secrets.Resolve(redis.Url!, $"{at}.redis.url");
                Require(!secrets.CanCheckValues || Uri.TryCreate(redisUrl, UriKind.Absolute, out var parsed) && parsed.Scheme is "redis" or "rediss",
                    $"{at}.redis.url is not a redis:// URL; write it as redis://:PASSWORD@HOST:6379 (put the password in a secret).");
            }

            secrets.Mask(redisUrl);
        }

        SlackSettings? slack = null;
        if (env.Slack is { } slackConfig)
        {
            var webhook = secrets.Resolve(slackConfig.WebhookUrl, $"{at}.slack.webhookUrl");
            secrets.Mask(webhook);
            Require(!secrets.CanCheckValues || Uri.TryCreate(webhook, UriKind.Absolute, out var hook) && hook.Scheme is "https" or "http",
                $"{at}.slack.webhookUrl is not an http(s) URL; use the incoming webhook URL Slack gave you (as a secret).");
            Require(slackConfig.TimeoutSeconds is > 0 and <= 60, $"{at}.slack.timeoutSeconds {slackConfig.TimeoutSeconds} is out of range; use 1 to 60.");
            slack = new SlackSettings(webhook, TimeSpan.FromSeconds(slackConfig.TimeoutSeconds), ParseSlackUpload(slackConfig, secrets, $"{at}.slack"));
        }

        ProxySettings? proxy = null;
        var proxyConfig = env.Proxy ?? new ProxyConfig();
        var swarm = ParseSwarm(env, ports, secrets, at);
        // On a swarm the single-server proxy container has no place: the nodes' own proxies will route (issue 15).
        if (swarm is null && (proxyConfig.Enabled ?? environment is "stage" or "prod"))
        {
            Require(proxyConfig.HealthyInARow is > 0 and <= 100, $"{at}.proxy.healthyInARow {proxyConfig.HealthyInARow} is out of range; use 1 to 100.");
            Require(proxyConfig.DrainSeconds is >= 0 and <= 3600, $"{at}.proxy.drainSeconds {proxyConfig.DrainSeconds} is out of range; use 0 to 3600.");
            Require(proxyConfig.StandbySeconds is >= 0 and <= 86400, $"{at}.proxy.standbySeconds {proxyConfig.StandbySeconds} is out of range; use 0 to 86400.");
            Require(proxyConfig.WarmupRequests is >= 0 and <= 10_000, $"{at}.proxy.warmupRequests {proxyConfig.WarmupRequests} is out of range; use 0 (none) to 10000.");
            proxy = new ProxySettings(ReleaseNames.Proxy(container), proxyConfig.HealthyInARow,
                TimeSpan.FromSeconds(proxyConfig.DrainSeconds), TimeSpan.FromSeconds(proxyConfig.StandbySeconds), proxyConfig.WarmupRequests);
        }

        Require(!env.MountCheckout || env.MountSource,
            $"{at}.mountCheckout is true but mountSource is not; set \"mountSource\": true to mount the checkout at /app, or remove mountCheckout.");
        Require(env.Retain is >= 2 and <= 100, $"{at}.retain {env.Retain} is out of range; keep 2 (live and previous) to 100 versions.");
        var backups = ParseBackups(env, environment, dataHome, root, at);
        var pullImage = env.PullImage is null ? null : secrets.Resolve(env.PullImage, $"{at}.pullImage");
        secrets.ThrowIfMissing();

        return new DeploySettings
        {
            ConfigFile = Path.GetFullPath(configFile),
            StateFolder = stateFolder,
            Environment = environment,
            AppName = app.Name,
            AppFolder = appFolder,
            Remote = app.Remote,
            Branch = app.Branch,
            Dockerfile = app.Dockerfile,
            DependenciesStage = app.DependenciesStage,
            AppPort = app.Port,
            HealthPath = app.HealthPath,
            BaseImages = app.BaseImages,
            Container = container,
            Image = image,
            PullImage = pullImage,
            Network = network,
            Ports = ports,
            Env = variables,
            Volumes = volumes,
            MountSource = env.MountSource,
            MountCheckout = env.MountCheckout,
            NpmInstall = env.NpmInstall,
            GitPull = env.GitPull,
            LocalRedis = localRedis,
            RedisUrl = redisUrl,
            RedisEnvVar = env.Redis?.EnvVar ?? "REDIS_URL",
            Restart = env.Restart,
            HealthTimeout = TimeSpan.FromSeconds(env.HealthTimeoutSeconds),
            Slack = slack,
            Proxy = proxy,
            Swarm = swarm,
            Retain = env.Retain,
            KeepLogs = env.KeepLogs,
            Backups = backups,
            SecretsFile = secrets.SecretsFile,
            UnsetSecrets = secrets.Missing.Count == 0 ? null : secrets.DescribeMissing(),
        };
    }

    /// <summary>
    /// Where Redis keeps its data: by default DATA_HOME/APP/ENV/redis, out of the checkout, moved once from the old default
    /// .deploy/ENV/redis-data. A configured dataFolder is used as given, a relative one relative to the config file (as before).
    /// </summary>
    private static (string Folder, string? MoveFrom) RedisDataFolder(
        LocalRedisConfig local, string root, string stateFolder, string dataHome, string environment, string at, Action<string> warn)
    {
        if (local.DataFolder is null)
        {
            return (Path.Combine(dataHome, "redis"), Path.Combine(stateFolder, environment, "redis-data"));
        }

        var folder = Path.GetFullPath(Path.Combine(root, local.DataFolder));
        if (folder.StartsWith(stateFolder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            warn($"{at} \"{local.DataFolder}\" is inside {stateFolder}, which 'rm -rf .deploy' or 'git clean -xfd' deletes under the running Redis; " +
                 "remove the line to keep the data in the data home (it is moved there once).");
        }

        return (folder, null);
    }

    /// <summary>
    /// Backups are taken before a deploy by default only in prod, and only when there is a Redis to back up: an environment
    /// without one has nothing to lose, and asking for backups there is a mistake worth one line.
    /// </summary>
    private static BackupSettings ParseBackups(EnvironmentConfig env, string environment, string dataHome, string root, string at)
    {
        var backups = env.Backups ?? new BackupsConfig();
        Require(backups.Folder is null || backups.Folder.Trim().Length > 0,
            $"{at}.backups.folder is empty; give a folder (relative to the config file, or absolute such as a mounted volume), or remove it for the default beside the environment's data ({Path.Combine(dataHome, "backups")}).");
        Require(backups.Keep is >= 1 and <= 1000, $"{at}.backups.keep {backups.Keep} is out of range; use 1 to 1000 (how many of the newest backups to keep).");
        Require(backups.DailyDays is >= 0 and <= 3650, $"{at}.backups.dailyDays {backups.DailyDays} is out of range; use 0 to 3650 (for how many days the newest backup of each day is kept).");
        Require(backups.BeforeDeploy != true || env.Redis is not null,
            $"{at}.backups.beforeDeploy is true but {environment} has no redis to back up; add a \"redis\" section or remove beforeDeploy.");
        var folder = backups.Folder is null ? Path.Combine(dataHome, "backups") : Path.GetFullPath(Path.Combine(root, backups.Folder));
        return new BackupSettings(folder, backups.Keep, backups.DailyDays, backups.BeforeDeploy ?? (environment == "prod" && env.Redis is not null));
    }

    private SlackUpload? ParseSlackUpload(SlackConfig slack, SecretStore secrets, string at)
    {
        Require((slack.BotToken is null) == (slack.Channel is null),
            $"{at}: set both botToken and channel to upload a failed run's log, or neither (the webhook alone gets the log's last lines).");
        if (slack.BotToken is null)
        {
            return null;
        }

        var token = secrets.Resolve(slack.BotToken, $"{at}.botToken");
        secrets.Mask(token);
        Require(ChannelId().IsMatch(slack.Channel!),
            $"{at}.channel \"{slack.Channel}\" is not a channel id; use the id shown at the bottom of the channel's details in Slack, e.g. \"C0123ABCD\".");
        Require(Uri.TryCreate(slack.ApiUrl.EndsWith('/') ? slack.ApiUrl : slack.ApiUrl + "/", UriKind.Absolute, out var api) && api.Scheme is "https" or "http",
            $"{at}.apiUrl \"{slack.ApiUrl}\" is not an http(s) URL; leave it out to use https://slack.com/api/.");
        return new SlackUpload(token, slack.Channel!, api!);
    }

    private static PortMapping ParsePort(string text, string where)
    {
        var fix = $"{where}: \"{text}\" is not a port mapping; write HOST_IP:HOST_PORT:CONTAINER_PORT, e.g. \"127.0.0.1:8080:3000\".";
        var parts = text.Split(':');
        var (ip, host, container) = parts.Length switch
        {
            2 => ("0.0.0.0", parts[0], parts[1]),
            3 => (parts[0], parts[1], parts[2]),
            _ => throw new ConfigException(fix),
        };
        Require(IPAddress.TryParse(ip, out _), fix);
        Require(int.TryParse(host, out var hostPort) && hostPort is > 0 and < 65536, fix);
        Require(int.TryParse(container, out var containerPort) && containerPort is > 0 and < 65536, fix);
        return new PortMapping(ip, hostPort, containerPort);
    }

    private static string ParseVolume(string text, string root, string where)
    {
        var parts = text.Split(':');
        Require(parts.Length is 2 or 3 && parts[0].Length > 0 && parts[1].StartsWith('/') && (parts.Length == 2 || parts[2] is "ro" or "rw"),
            $"{where}: \"{text}\" is not a volume; write HOST_PATH_OR_NAME:/container/path[:ro].");
        var source = parts[0].StartsWith('.') || parts[0].StartsWith('/') ? Path.GetFullPath(Path.Combine(root, parts[0])) : parts[0];
        return string.Join(':', [source, .. parts[1..]]);
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ConfigException(message);
        }
    }

    private static string Describe(string file, JsonException ex)
    {
        var where = ex.LineNumber is { } line ? $"{file}:{line + 1}:{(ex.BytePositionInLine ?? 0) + 1}" : file;
        var path = KeyPath(ex.Path);
        var message = ex.Message;
        if (message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            var key = Regex.Match(message, "property '([^']*)'").Groups[1].Value;
            return $"{where}: {path}: unknown key \"{key}\"; remove it or fix its spelling (see cake-config.schema.json for the keys).";
        }

        if (message.Contains("missing required properties", StringComparison.Ordinal))
        {
            var keys = Regex.Match(message, "including: (.*)\\.$").Groups[1].Value;
            return $"{where}: {path}: missing key {keys.Replace('\'', '"')}; add it (see cake-config.schema.json).";
        }

        if (message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return $"{where}: {path}: wrong type of value (expected {Friendly(TypeAt(ex.Path))}); fix the value.";
        }

        var reason = message.Split(" Path:")[0].Split(" LineNumber:")[0].TrimEnd('.');
        return $"{where}: invalid JSON ({reason}); fix the syntax at that spot.";
    }

    private static string KeyPath(string? jsonPath) =>
        string.IsNullOrEmpty(jsonPath) || jsonPath == "$" ? "top level" : jsonPath.TrimStart('$', '.');

    [GeneratedRegex(@"\.([^.\[]+)|\['((?:[^']|'')*)'\]|\[\d+\]")]
    private static partial Regex PathSegment();

    /// <summary>The type the file's shape expects at a JSON path such as <c>$.environments.dev.ports[0]</c>; null when the path leads nowhere known.</summary>
    private static Type? TypeAt(string? jsonPath)
    {
        var info = JsonOptions.GetTypeInfo(typeof(DeployConfig));
        foreach (Match segment in PathSegment().Matches(jsonPath ?? ""))
        {
            var key = segment.Groups[1].Success ? segment.Groups[1].Value : segment.Groups[2].Value.Replace("''", "'", StringComparison.Ordinal);
            var next = info.Kind switch
            {
                JsonTypeInfoKind.Object => info.Properties.FirstOrDefault(p => p.Name == key)?.PropertyType,
                JsonTypeInfoKind.Dictionary or JsonTypeInfoKind.Enumerable => info.ElementType,
                _ => null,
            };
            if (next is null)
            {
                return null;
            }

            info = JsonOptions.GetTypeInfo(next);
        }

        return info.Type;
    }

    private static string Friendly(Type? type)
    {
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(int) => "a whole number",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(string) => "a string",
            { IsGenericType: true } when type.GetGenericTypeDefinition() == typeof(List<>) => "a list",
            _ => "an object",
        };
    }
}

/// <summary>
/// cake-config.json read by code generated at compile time, not by reflection at every start (issue 18). The records'
/// properties are settable, not init-only: for init-only ones the generator sets every property in one initializer, and a
/// key absent from the file would lose its default.
/// </summary>
[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(DeployConfig))]
[JsonSerializable(typeof(ImageMapping))]
[JsonSerializable(typeof(ImageMapping.Written))]
internal sealed partial class ConfigJson : JsonSerializerContext;
