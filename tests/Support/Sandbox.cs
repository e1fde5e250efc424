using System.Security.Cryptography;
using System.Text.Json.Nodes;
using NUnit.Framework;

namespace KahaDeploy.Tests.Support;

/// <summary>
/// One test's world: a copy of the sample app in a bare git repository used as origin, a deploy checkout
/// cloned from it, and a cake-config.json whose every container, network and image carries a unique prefix,
/// so cleanup removes exactly what the test made, even when it failed.
/// </summary>
public sealed class Sandbox : IDisposable
{
    public Sandbox()
    {
        Prefix = "kt" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        Folder = Path.Combine(Path.GetTempPath(), "kaha-tests", Prefix);
        Directory.CreateDirectory(Folder);
        Origin = Path.Combine(Folder, "origin.git");
        Author = Path.Combine(Folder, "author");
        Checkout = Path.Combine(Folder, "app");

        Shell.Must("git", "init", "--quiet", "--bare", "--initial-branch=master", Origin);
        CopySample(Author);
        Git(Author, "init", "--quiet", "--initial-branch=master");
        Git(Author, "add", "-A");
        Git(Author, "commit", "--quiet", "-m", "sample app");
        Git(Author, "remote", "add", "origin", Origin);
        Git(Author, "push", "--quiet", "origin", "master");
        Shell.Must("git", "clone", "--quiet", Origin, Checkout);

        DevPort = FreePort.OnLoopback();
        ProdPort = FreePort.OnLoopback();
    }

    public string Prefix { get; }
    public string Folder { get; }
    public string Origin { get; }

    /// <summary>Where the test plays the developer: edits, commits, pushes to origin.</summary>
    public string Author { get; }

    /// <summary>The server's checkout the tool deploys from.</summary>
    public string Checkout { get; }

    /// <summary>
    /// Where the tool keeps data that outlives the checkout (KAHA_DEPLOY_DATA_HOME): beside the sandbox, not in it, so a
    /// test can delete the checkout's state and see what survives; never the machine's own data folder.
    /// </summary>
    public string DataHome => Folder + "-data";

    /// <summary>The folder the tool keeps one environment's Redis data and generated secrets in, by default.</summary>
    public string DataFolder(string environment) => Path.Combine(DataHome, AppName, environment);

    public int DevPort { get; }
    public int ProdPort { get; }
    public string ConfigFile => Path.Combine(Folder, "cake-config.json");
    public string DevContainer => $"{Prefix}_dev";
    public string ProdContainer => $"{Prefix}_prod";
    public string Image => $"{Prefix}-kaha";

    /// <summary>
    /// The app's name, unique like the rest: Clean removes the dangling images labelled with it, and another test run on
    /// the same engine must not lose an image it is building to this one's Clean.
    /// </summary>
    public string AppName => $"kaha-{Prefix}";
    public Uri DevUrl => new($"http://127.0.0.1:{DevPort}/");

    /// <summary>The Slack channel id failed runs upload their log to.</summary>
    public string SlackChannel => "C0KAHATEST";
    public Uri ProdUrl => new($"http://127.0.0.1:{ProdPort}/");

    /// <summary>Secrets the tool reads from the environment in these tests.</summary>
    public Dictionary<string, string?> Secrets { get; } = new()
    {
        ["DEV_REDIS_PASSWORD"] = "dev-redis-pw-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)),
        ["PROD_REDIS_PASSWORD"] = "prod-redis-pw-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)),
        ["PROD_DB_PASSWORD"] = "prod-db-pw-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)),
    };

    /// <summary>
    /// Writes the config: dev as the README describes it, prod from origin with Redis reached by URL. With
    /// <paramref name="slackBot"/>, Slack also gets a bot token and a channel, so failed runs upload their log there.
    /// </summary>
    public void WriteConfig(string? slackWebhook = null, Action<JsonObject>? adjust = null, FakeSlack? slackBot = null)
    {
        var slack = slackWebhook is null ? null : new JsonObject { ["webhookUrl"] = "${SLACK_WEBHOOK_URL}", ["timeoutSeconds"] = 3 };
        if (slackWebhook is not null)
        {
            Secrets["SLACK_WEBHOOK_URL"] = slackWebhook;
        }

        if (slack is not null && slackBot is not null)
        {
            slack["botToken"] = "${SLACK_BOT_TOKEN}";
            slack["channel"] = SlackChannel;
            slack["apiUrl"] = slackBot.ApiUrl;
            Secrets["SLACK_BOT_TOKEN"] = slackBot.BotToken;
        }

        var config = new JsonObject
        {
            ["$schema"] = Path.Combine(Repo.Root, "cake-config.schema.json"),
            ["app"] = new JsonObject
            {
                ["name"] = AppName,
                ["folder"] = "app",
                ["port"] = 3000,
                ["baseImages"] = new JsonObject { ["NODE_IMAGE"] = "node:20-bookworm-slim" },
            },
            ["environments"] = new JsonObject
            {
                ["dev"] = new JsonObject
                {
                    ["container"] = DevContainer,
                    ["image"] = Image,
                    ["ports"] = new JsonArray($"127.0.0.1:{DevPort}:3000"),
                    ["mountSource"] = true,
                    ["mountCheckout"] = true,
                    ["gitPull"] = false,
                    ["redis"] = new JsonObject
                    {
                        ["local"] = new JsonObject
                        {
                            ["container"] = $"{Prefix}_dev_redis",
                            ["dataFolder"] = "redis-data/dev",
                            ["password"] = "${DEV_REDIS_PASSWORD}",
                        },
                    },
                    ["healthTimeoutSeconds"] = 20,
                    ["slack"] = slack?.DeepClone(),
                },
                // The Redis that prod reaches by URL, run by the tool's own StartRedis on prod's network.
                ["backing"] = new JsonObject
                {
                    ["container"] = $"{Prefix}_backing",
                    ["image"] = Image,
                    ["network"] = $"{Prefix}_prodnet",
                    ["ports"] = new JsonArray($"127.0.0.1:{FreePort.OnLoopback()}:3000"),
                    ["redis"] = new JsonObject
                    {
                        ["local"] = new JsonObject
                        {
                            ["container"] = $"{Prefix}_prod_redis",
                            ["dataFolder"] = "redis-data/prod",
                            ["password"] = "${PROD_REDIS_PASSWORD}",
                        },
                    },
                },
                ["prod"] = new JsonObject
                {
                    ["container"] = ProdContainer,
                    ["image"] = Image,
                    ["network"] = $"{Prefix}_prodnet",
                    ["ports"] = new JsonArray($"127.0.0.1:{ProdPort}:3000"),
                    ["env"] = new JsonObject { ["NODE_ENV"] = "production", ["DB_PASSWORD"] = "${PROD_DB_PASSWORD}" },
                    ["mountSource"] = false,
                    ["gitPull"] = true,
                    ["redis"] = new JsonObject { ["url"] = $"redis://:${{PROD_REDIS_PASSWORD}}@{Prefix}_prod_redis:6379" },
                    ["restart"] = "always",
                    ["healthTimeoutSeconds"] = 20,
                    ["slack"] = slack?.DeepClone(),
                    // Prod backs up its Redis before each deploy by default; the suite's many prod deploys are not about that
                    // (BackupTests turns it on), and CI's time budget has no room for a snapshot in each.
                    ["backups"] = new JsonObject { ["beforeDeploy"] = false },
                },
            },
        };
        adjust?.Invoke(config);
        Save(config);
    }

    /// <summary>
    /// Runs <paramref name="run"/> with the environment's health timeout set to <paramref name="seconds"/>, then puts the
    /// class's back: a release known to fail its health check waits out the whole timeout, and the one a class sets for
    /// healthy releases on a loaded machine would only cost CI time there.
    /// </summary>
    public T WithHealthTimeout<T>(string environment, int seconds, Func<T> run)
    {
        var original = ReadConfig()["environments"]![environment]!["healthTimeoutSeconds"]!.DeepClone();
        AdjustConfig(config => config["environments"]![environment]!["healthTimeoutSeconds"] = seconds);
        try
        {
            return run();
        }
        finally
        {
            AdjustConfig(config => config["environments"]![environment]!["healthTimeoutSeconds"] = original);
        }
    }

    /// <summary>Changes the config written before, as an operator edits the file between two runs.</summary>
    public void AdjustConfig(Action<JsonObject> adjust)
    {
        var config = ReadConfig();
        adjust(config);
        Save(config);
    }

    private JsonObject ReadConfig() => JsonNode.Parse(File.ReadAllText(ConfigFile))!.AsObject();

    private void Save(JsonObject config) =>
        File.WriteAllText(ConfigFile, config.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));

    /// <summary>Runs the tool against this sandbox's config with its secrets in the environment.</summary>
    public ProcessResult Tool(params string[] arguments) => ToolWith(Secrets, arguments);

    /// <summary>Starts the Redis that prod reaches by URL (the "backing" environment), as a server's team would have it.</summary>
    public void StartBackingRedis()
    {
        var redis = Tool("--target=StartRedis", "--env=backing");
        Assert.That(redis.ExitCode, Is.EqualTo(0), redis.ToString());
    }

    public ProcessResult ToolWith(IReadOnlyDictionary<string, string?> environment, params string[] arguments) =>
        ToolIn(ConfigFile, environment, arguments);

    /// <summary>Runs the tool against another config file (a second checkout of the same app) with this sandbox's data home.</summary>
    public ProcessResult ToolIn(string configFile, IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        RememberSecrets();
        return Support.Tool.Run(arguments.Append($"--config={configFile}"), WithDataHome(environment));
    }

    /// <summary>Runs the published dll with dotnet, as a server's unit may (build.sh runs the apphost), against this sandbox.</summary>
    public ProcessResult ToolAsDll(params string[] arguments)
    {
        RememberSecrets();
        return Support.Tool.RunDll(arguments.Append($"--config={ConfigFile}"), WithDataHome(Secrets));
    }

    /// <summary>Starts the tool in the background against this sandbox, for a test that stops it midway.</summary>
    public Support.Tool.Running StartTool(params string[] arguments)
    {
        RememberSecrets();
        return Support.Tool.Start(arguments.Append($"--config={ConfigFile}"), WithDataHome(Secrets));
    }

    /// <summary>Starts the tool as a terminal would: a Ctrl-C reaches it and the programs it runs (npm, git).</summary>
    public Support.Tool.Running StartToolInProcessGroup(params string[] arguments)
    {
        RememberSecrets();
        return Support.Tool.StartInProcessGroup(arguments.Append($"--config={ConfigFile}"), WithDataHome(Secrets));
    }

    private Dictionary<string, string?> WithDataHome(IReadOnlyDictionary<string, string?> environment) =>
        new(environment) { ["KAHA_DEPLOY_DATA_HOME"] = environment.GetValueOrDefault("KAHA_DEPLOY_DATA_HOME") ?? DataHome };

    /// <summary>The environment's state folder (.deploy/ENV): its history, logs, lock.</summary>
    public string StateFolder(string environment) => Path.Combine(Folder, ".deploy", environment);

    /// <summary>Commits a change to the app as the developer and pushes it to origin; returns the new commit.</summary>
    public string CommitAndPush(string message, Action<string> change)
    {
        change(Author);
        Git(Author, "add", "-A");
        Git(Author, "commit", "--quiet", "-m", message);
        Git(Author, "push", "--quiet", "origin", "master");
        return Git(Author, "rev-parse", "HEAD");
    }

    private const string HealthSwitch = "const FAIL_HEALTH = process.env.FAIL_HEALTH === '1';";
    private const string BrokenHealth = "const FAIL_HEALTH = true;";

    /// <summary>Pushes a harmless change (a line in the README); returns the new commit.</summary>
    public string PushChange(string text) =>
        CommitAndPush(text, dir => File.AppendAllText(Path.Combine(dir, "README.md"), $"\n{text}\n"));

    /// <summary>Pushes a release whose health check always answers 500, as a bad change would.</summary>
    public string PushBrokenRelease() => CommitAndPush("break the health check", dir => EditServer(dir, HealthSwitch, BrokenHealth));

    public string PushFixedRelease() => CommitAndPush("fix the health check", dir => EditServer(dir, BrokenHealth, HealthSwitch));

    private static void EditServer(string dir, string from, string to)
    {
        var server = Path.Combine(dir, "server.js");
        var text = File.ReadAllText(server);
        File.WriteAllText(server, text.Contains(from, StringComparison.Ordinal)
            ? text.Replace(from, to)
            : throw new InvalidOperationException($"server.js no longer contains \"{from}\""));
    }

    /// <summary>Rewrites origin's history, as a force-push does.</summary>
    public string CommitAndPushForce(string message, Action<string> change)
    {
        change(Author);
        Git(Author, "add", "-A");
        Git(Author, "commit", "--quiet", "-m", message);
        Git(Author, "push", "--quiet", "--force", "origin", "master");
        return Git(Author, "rev-parse", "HEAD");
    }

    /// <summary>Commits a change in the server's checkout itself (dev deploys what is checked out).</summary>
    public string CommitInCheckout(string message, Action<string> change)
    {
        change(Checkout);
        Git(Checkout, "add", "-A");
        Git(Checkout, "commit", "--quiet", "-m", message);
        return Git(Checkout, "rev-parse", "HEAD");
    }

    /// <summary>The secret scan at the end of the run looks for every value handed to the tool.</summary>
    internal void RememberSecrets()
    {
        foreach (var secret in Secrets.Values.OfType<string>())
        {
            Support.Tool.KnownSecrets.TryAdd(secret, 0);
        }
    }

    public static string Git(string folder, params string[] arguments) =>
        Shell.MustIn(folder, "git", ["-c", "user.name=Test Author", "-c", "user.email=test@example.invalid", .. arguments]);

    /// <summary>
    /// The tool leaves a timer process per proxy environment (the warm-standby window); end the ones this test caused: those
    /// the state folder's pid files name, and those run with this sandbox's config (a test that deletes the state folder
    /// loses the pid file).
    /// </summary>
    private void StopStandbyTimers()
    {
        var state = Path.Combine(Folder, ".deploy");
        var fromPidFiles = Directory.Exists(state)
            ? Directory.EnumerateFiles(state, "standby.pid", SearchOption.AllDirectories)
                .Select(file => int.TryParse(File.ReadAllText(file).Trim(), out var pid) ? pid : 0).Where(pid => pid > 0)
            : [];
        var byConfig = Processes.WithCommandLine("--target=StopStandby", $"--config={Folder}{Path.DirectorySeparatorChar}").Select(p => p.Pid);
        foreach (var pid in fromPidFiles.Concat(byConfig).Distinct().ToList())
        {
            try
            {
                using var timer = System.Diagnostics.Process.GetProcessById(pid);
                timer.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // It ended meanwhile.
            }
        }
    }

    private static void CopySample(string target)
    {
        foreach (var file in Directory.EnumerateFiles(Repo.Sample, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Repo.Sample, file);
            if (relative.StartsWith("node_modules", StringComparison.Ordinal))
            {
                continue;
            }

            var destination = Path.Combine(target, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }

    public void Dispose()
    {
        StopStandbyTimers();
        DockerCli.RemoveEverythingNamed(Prefix);
        DockerCli.RemoveImagesOf(AppName);
        foreach (var folder in new[] { Folder, DataHome }.Where(Directory.Exists))
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
