using System.Text.Json.Nodes;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>Issue 11: what deleting the checkout's state, a second checkout or a refused rename may not do to dev's data and service.</summary>
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DataSafetyTests : SandboxFixture
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private string RedisContainer => $"{Sandbox.Prefix}_dev_redis";

    private string DefaultRedisData => Path.Combine(Sandbox.DataFolder("dev"), "redis");

    /// <summary>The sandbox's config with dev's Redis in its default place (no dataFolder), or in <paramref name="dataFolder"/>.</summary>
    private void WriteConfig(string? dataFolder = null, bool generatedPassword = false) =>
        Sandbox.WriteConfig(adjust: config =>
        {
            var dev = config["environments"]!["dev"]!.AsObject();
            var local = dev["redis"]!["local"]!.AsObject();
            local.Remove("dataFolder");
            if (dataFolder is not null)
            {
                local["dataFolder"] = dataFolder;
            }

            if (generatedPassword)
            {
                dev["generatedSecrets"] = new JsonArray("DEV_REDIS_PASSWORD");
            }
        });

    private void Deploy(IReadOnlyDictionary<string, string?>? environment = null, string? expect = null)
    {
        var result = Sandbox.ToolWith(environment ?? Sandbox.Secrets, "--target=Deploy", "--env=dev");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        if (expect is not null)
        {
            Assert.That(result.StdOut, Does.Contain(expect));
        }
    }

    /// <summary>The app reconnects to a restarted Redis by itself (and a restarted app listens) after a moment.</summary>
    private int HitsOnceAnswering() => OnceAnswering(() => Http.Hits(Sandbox.DevUrl));

    private static T OnceAnswering<T>(Func<T> ask)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                return ask();
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(500);
            }
        }
    }

    [Test]
    public void Redis_data_outlives_rm_rf_of_the_state_folder_and_a_redis_restart()
    {
        WriteConfig();
        Deploy();
        for (var i = 0; i < 3; i++)
        {
            Http.PostHit(Sandbox.DevUrl);
        }

        Assert.That(DockerCli.Inspect(RedisContainer, "{{range .Mounts}}{{.Source}}{{end}}"), Is.EqualTo(DefaultRedisData));
        Assert.That(DefaultRedisData, Does.Not.StartWith(Sandbox.Folder + "/"), "the data is not in the checkout");
        Assert.That(File.GetUnixFileMode(DefaultRedisData), Is.EqualTo(OwnerOnly));

        var status = Sandbox.Tool("--target=Status", "--env=dev");
        Assert.That(status.StdOut, Does.Contain($"dev: Redis data in {DefaultRedisData}"));
        var json = Sandbox.Tool("--target=Status", "--env=dev", "--json");
        Assert.That(JsonNode.Parse(json.StdOut)!["environments"]![0]!["redisData"]!.GetValue<string>(), Is.EqualTo(DefaultRedisData));

        Directory.Delete(Path.Combine(Sandbox.Folder, ".deploy"), recursive: true);
        Shell.Must("docker", "restart", RedisContainer);
        Assert.That(HitsOnceAnswering(), Is.EqualTo(3), "the keys written before are still there");
    }

    [Test]
    public void A_fresh_checkout_of_the_same_app_finds_the_generated_password()
    {
        WriteConfig(generatedPassword: true);
        var generating = new Dictionary<string, string?>(Sandbox.Secrets) { ["DEV_REDIS_PASSWORD"] = null };
        Deploy(generating, expect: "Generated a random DEV_REDIS_PASSWORD");
        var kept = Path.Combine(Sandbox.DataFolder("dev"), "secrets");
        Tool.KnownSecrets.TryAdd(File.ReadAllText(kept).Trim().Split('=', 2)[1], 0);
        Assert.That(File.GetUnixFileMode(kept), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Http.PostHit(Sandbox.DevUrl);

        // A second checkout of the same app: its own folder and state, no secrets file, the same containers and data home.
        var second = Path.Combine(Sandbox.Folder, "second");
        Directory.CreateDirectory(second);
        var config = JsonNode.Parse(File.ReadAllText(Sandbox.ConfigFile))!;
        config["app"]!["folder"] = "../app";
        var secondConfig = Path.Combine(second, "cake-config.json");
        File.WriteAllText(secondConfig, config.ToJsonString());

        // It replaces the first, so it takes the environment over on purpose (issue 11, item 9: otherwise it is refused).
        var result = Sandbox.ToolIn(secondConfig, generating, "--target=Deploy", "--env=dev", "--take-over");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.All, Does.Not.Contain("Generated a random"));
        Assert.That(HitsOnceAnswering(), Is.EqualTo(1));
    }

    [Test]
    public void An_old_in_checkout_data_folder_is_moved_once_with_its_keys()
    {
        var oldFolder = Path.Combine(Sandbox.Folder, ".deploy", "dev", "redis-data");
        WriteConfig(dataFolder: ".deploy/dev/redis-data");
        Deploy(expect: "which 'rm -rf .deploy' or 'git clean -xfd' deletes");
        Http.PostHit(Sandbox.DevUrl);
        Http.PostHit(Sandbox.DevUrl);
        Assert.That(DockerCli.Inspect(RedisContainer, "{{range .Mounts}}{{.Source}}{{end}}"), Is.EqualTo(oldFolder));

        // The README's config no longer names a dataFolder: the next deploy moves the data out of the checkout.
        WriteConfig();
        Deploy(expect: $"from {oldFolder} out of the checkout to {DefaultRedisData}; this happens once");
        Assert.That(Directory.Exists(oldFolder), Is.False);
        Assert.That(DockerCli.Inspect(RedisContainer, "{{range .Mounts}}{{.Source}}{{end}}"), Is.EqualTo(DefaultRedisData));
        Assert.That(File.GetUnixFileMode(DefaultRedisData), Is.EqualTo(OwnerOnly));
        Assert.That(HitsOnceAnswering(), Is.EqualTo(2));

        var again = Sandbox.Tool("--target=Deploy", "--env=dev");
        Assert.That(again.ExitCode, Is.EqualTo(0), again.ToString());
        Assert.That(again.All, Does.Not.Contain("Moved the Redis data"));
        Assert.That(HitsOnceAnswering(), Is.EqualTo(2));
    }

    [Test]
    public void A_backup_refused_after_the_live_release_stopped_starts_it_again()
    {
        WriteConfig();
        // A release that ignores SIGTERM takes the full stop grace to stop: time for a manual command to take its backup name.
        var v1 = Sandbox.CommitInCheckout("ignore SIGTERM", dir =>
        {
            var server = Path.Combine(dir, "server.js");
            File.WriteAllText(server, File.ReadAllText(server).Replace("process.on('SIGTERM', () => shutdown('SIGTERM'));", "process.on('SIGTERM', () => {});"));
        })[..12];
        Deploy();
        Assert.That(Http.VersionAt(Sandbox.DevUrl), Is.EqualTo(v1));
        Sandbox.CommitInCheckout("second release", dir => File.AppendAllText(Path.Combine(dir, "README.md"), "\nsecond\n"));
        var image = DockerCli.Inspect(Sandbox.DevContainer, "{{.Config.Image}}");

        ProcessResult result;
        // Task headers show from --verbosity=verbose up: they say when BackupContainer starts to stop the live release.
        using (var deploy = Sandbox.StartTool("--target=Deploy", "--env=dev", "--verbosity=verbose"))
        {
            Assert.That(deploy.WaitForOutput("\n BackupContainer", TimeSpan.FromMinutes(3)), Is.True, deploy.Output);
            Thread.Sleep(2000);
            Shell.Must("docker", "create", "--name", Sandbox.DevContainer + "_previous", image);
            Assert.That(deploy.WaitForExit(TimeSpan.FromMinutes(2)), Is.True, deploy.Output);
            result = new ProcessResult(deploy.ExitCode, deploy.Output, "");
        }

        Assert.That(DockerCli.State(Sandbox.DevContainer), Is.EqualTo("running"), result.ToString());
        Assert.That(OnceAnswering(() => Http.VersionAt(Sandbox.DevUrl)), Is.EqualTo(v1), "the release that was live serves again");
        Expect.OneErrorLine(result, $"{Sandbox.DevContainer}_previous");
        Assert.That(result.All, Does.Contain($"Put back: {Sandbox.DevContainer} is {v1}"));
    }
}
