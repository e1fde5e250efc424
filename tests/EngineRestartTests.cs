using System.Text.Json.Nodes;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// An engine restart or a reboot starts every container whose restart policy says so: only what serves may come back,
/// never the releases taken out of service. On an engine of the test's own, so that it can be restarted.
/// </summary>
[NonParallelizable]
public sealed class EngineRestartTests
{
    [Test]
    public void After_an_engine_restart_only_the_live_release_the_proxy_and_redis_run_again()
    {
        using var engine = new PrivateEngine();
        using var sandbox = new Sandbox();
        sandbox.WriteConfig(adjust: config =>
        {
            var prod = config["environments"]!["prod"]!;
            prod["retain"] = 3;
            prod["healthTimeoutSeconds"] = 30;
            // A short standby window, so the replaced release is stopped (kept for Rollback) before the restart.
            prod["proxy"] = new JsonObject { ["enabled"] = true, ["drainSeconds"] = 0, ["standbySeconds"] = 2, ["warmupRequests"] = 0 };
        });
        var onEngine = new Dictionary<string, string?>(sandbox.Secrets) { ["DOCKER_HOST"] = engine.DockerHost };
        var redis = sandbox.ToolWith(onEngine, "--target=StartRedis", "--env=backing");
        Assert.That(redis.ExitCode, Is.EqualTo(0), redis.ToString());

        string? last = null;
        for (var release = 0; release < 3; release++)
        {
            if (release > 0)
            {
                last = sandbox.PushChange($"release {release}");
            }

            var deploy = sandbox.ToolWith(onEngine, "--target=Deploy", "--env=prod");
            Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());
        }

        var proxy = sandbox.ProdContainer + "_proxy";
        var backing = $"{sandbox.Prefix}_prod_redis";
        string[] serving = [sandbox.ProdContainer, proxy, backing];
        Assert.That(WaitFor(() => engine.Running().Order().SequenceEqual(serving.Order()), TimeSpan.FromSeconds(60)), Is.True,
            $"the standby window did not end; running: {string.Join(", ", engine.Running())}");
        Assert.That(engine.Docker("ps", "-a", "--format", "{{.Names}}"), Does.Contain(sandbox.ProdContainer + "_previous"),
            "three releases kept (live, previous and one retired)");

        engine.Restart();

        Assert.That(WaitFor(() => Answers(sandbox.ProdUrl), TimeSpan.FromSeconds(60)), Is.True, "the service answers again after the restart");
        Assert.That(Http.CommitAt(sandbox.ProdUrl), Is.EqualTo(last));
        Assert.That(engine.Running(), Is.EquivalentTo(serving), "only what serves runs after the restart");
    }

    private static bool Answers(Uri url)
    {
        try
        {
            Http.VersionAt(url);
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static bool WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(500);
        }

        return true;
    }
}
