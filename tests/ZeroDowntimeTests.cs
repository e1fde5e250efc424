using System.Diagnostics;
using System.Text.Json.Nodes;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>Issue 3, acceptance 1: deploys and rollbacks behind the proxy fail no request, on the real engine.</summary>
[NonParallelizable]
public sealed class ZeroDowntimeTests : SandboxFixture
{
    protected override void Prepare()
    {
        Sandbox.WriteConfig(adjust: config =>
        {
            var prod = config["environments"]!["prod"]!;
            prod["healthTimeoutSeconds"] = 10;
            prod["proxy"] = new JsonObject { ["enabled"] = true, ["healthyInARow"] = 3, ["drainSeconds"] = 1, ["standbySeconds"] = 4 };
            prod["retain"] = 3;
        });
        Sandbox.StartBackingRedis();
        var first = Sandbox.Tool("--target=Deploy", "--env=prod");
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
    }

    [Test]
    public void A_deploy_under_load_fails_no_request_and_ends_on_the_new_version()
    {
        var old = Http.VersionAt(Sandbox.ProdUrl);
        var pushed = Sandbox.PushChange("two");

        var load = new LoadProbe(Sandbox.ProdUrl);
        var deploy = Sandbox.Tool("--target=Deploy", "--env=prod");
        await_(load.StopAsync());

        Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());
        Assert.That(load.Requests, Is.GreaterThan(100));
        Assert.That(load.Failures, Is.Empty);
        Assert.That(load.VersionsSeen, Is.EqualTo(new[] { old, pushed[..12] }));
        Assert.That(load.LastVersion, Is.EqualTo(pushed[..12]));
        Assert.That(DockerCli.State($"{Sandbox.ProdContainer}_previous"), Is.EqualTo("running"), "the replaced release is a warm standby");
        Assert.That(DockerCli.Inspect(Sandbox.ProdContainer, "{{json .HostConfig.PortBindings}}"), Is.EqualTo("{}"), "app containers publish nothing: the proxy does");
        Assert.That(deploy.All, Does.Contain($"Warmed up {Sandbox.ProdContainer}_next with 200 requests to /healthz"));
        AssertServingAndStandbyCpuShares();
        AssertStandbyTimerAtLowestPriority();
    }

    [Test]
    public void A_release_failing_its_health_check_under_load_fails_no_request_and_the_old_one_keeps_serving()
    {
        var old = Http.VersionAt(Sandbox.ProdUrl);
        Sandbox.PushBrokenRelease();

        var load = new LoadProbe(Sandbox.ProdUrl);
        // The broken release waits out the whole health timeout, the class's for healthy releases is longer than it needs.
        var deploy = Sandbox.WithHealthTimeout("prod", 4, () => Sandbox.Tool("--target=Deploy", "--env=prod"));
        await_(load.StopAsync());

        Assert.That(deploy.ExitCode, Is.Not.EqualTo(0));
        Assert.That(load.Failures, Is.Empty);
        Assert.That(load.VersionsSeen, Is.EqualTo(new[] { old }));
    }

    /// <summary>
    /// The timer that ends the standby window is this tool started again, the way this run was started: the published
    /// apphost (as build.sh runs it) or dotnet with the dll. Started any other way, the host refuses its command line and
    /// the standby runs on for good.
    /// </summary>
    [TestCase(false, TestName = "Run_as_the_published_apphost_the_standby_window_ends")]
    [TestCase(true, TestName = "Run_as_dotnet_with_the_dll_the_standby_window_still_ends")]
    public void The_standby_window_ends_however_the_tool_is_run(bool asDll)
    {
        Sandbox.PushChange("two");

        var deploy = asDll
            ? Sandbox.ToolAsDll("--target=Deploy", "--env=prod")
            : Sandbox.Tool("--target=Deploy", "--env=prod");

        Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());
        Assert.That(deploy.All, Does.Contain("stays running as a warm standby for 4 s"));

        // The timer starts at the lowest CPU priority: on a busy machine its start alone can take longer than the window.
        WaitUntil(() => DockerCli.State($"{Sandbox.ProdContainer}_previous") == "exited", TimeSpan.FromMinutes(2));
    }

    [Test]
    public void Rollback_under_load_fails_no_request_from_a_warm_standby_and_from_a_stopped_one()
    {
        var v1 = Http.VersionAt(Sandbox.ProdUrl);
        var v2 = Sandbox.PushChange("two")[..12];
        Assert.That(Sandbox.Tool("--target=Deploy", "--env=prod").ExitCode, Is.EqualTo(0));
        Assert.That(DockerCli.State($"{Sandbox.ProdContainer}_previous"), Is.EqualTo("running"));

        var warm = new LoadProbe(Sandbox.ProdUrl);
        var rollback = Sandbox.Tool("--target=Rollback", "--env=prod");
        await_(warm.StopAsync());
        Assert.That(rollback.ExitCode, Is.EqualTo(0), rollback.ToString());
        Assert.That(warm.Failures, Is.Empty);
        Assert.That(warm.LastVersion, Is.EqualTo(v1));
        Assert.That(rollback.All, Does.Contain("is running as a warm standby").And.Not.Contain("Warmed up"), "a standby is switched to at once");
        AssertServingAndStandbyCpuShares();

        // After the standby window the replaced release is stopped but kept.
        WaitUntil(() => DockerCli.State($"{Sandbox.ProdContainer}_previous") == "exited", TimeSpan.FromSeconds(30));

        var cold = new LoadProbe(Sandbox.ProdUrl);
        var rollForward = Sandbox.Tool("--target=Rollback", "--env=prod");
        await_(cold.StopAsync());
        Assert.That(rollForward.ExitCode, Is.EqualTo(0), rollForward.ToString());
        Assert.That(rollForward.All, Does.Contain("which was stopped").And.Contain($"Warmed up {Sandbox.ProdContainer}_previous with 200 requests"));
        Assert.That(cold.Failures, Is.Empty);
        Assert.That(cold.LastVersion, Is.EqualTo(v2));
    }

    /// <summary>One scenario: the releases it deploys to see which are kept are the ones a rollback to an older one needs.</summary>
    [Test]
    public void Only_the_last_versions_are_kept_and_the_oldest_of_them_can_be_rolled_back_to()
    {
        var pushed = new List<string>();
        for (var i = 2; i <= 5; i++)
        {
            pushed.Add(Sandbox.PushChange("release " + i));
            Assert.That(Sandbox.Tool("--target=Deploy", "--env=prod").ExitCode, Is.EqualTo(0));
        }

        var releases = DockerCli.Containers(Sandbox.Prefix).Where(c => c.StartsWith(Sandbox.ProdContainer, StringComparison.Ordinal) && !c.EndsWith("_proxy", StringComparison.Ordinal) && !c.EndsWith("_redis", StringComparison.Ordinal) && !c.EndsWith("_owner", StringComparison.Ordinal)).ToList();
        Assert.That(releases, Has.Count.EqualTo(3), string.Join(", ", releases));
        Assert.That(releases, Does.Contain(Sandbox.ProdContainer).And.Contain($"{Sandbox.ProdContainer}_previous"));

        // Release 3 is the oldest of the three kept: older than the previous one, a rollback still reaches it by its sha.
        var older = pushed[^3];
        var result = Sandbox.Tool("--target=Rollback", "--env=prod", $"--to={older[..8]}");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(Http.CommitAt(Sandbox.ProdUrl), Is.EqualTo(older));
    }

    [Test]
    public void Killed_between_start_and_switch_the_old_version_keeps_serving_and_the_next_deploy_succeeds()
    {
        var old = Http.VersionAt(Sandbox.ProdUrl);
        Sandbox.PushBrokenRelease();
        var load = new LoadProbe(Sandbox.ProdUrl);

        using (var deploy = Sandbox.StartTool("--target=Deploy", "--env=prod"))
        {
            WaitUntil(() => DockerCli.State($"{Sandbox.ProdContainer}_next") == "running", TimeSpan.FromSeconds(60));
            deploy.Kill();
        }

        Assert.That(CpuShares($"{Sandbox.ProdContainer}_next"), Is.EqualTo(256), "a release that takes no traffic yields the CPU to the live one");

        Assert.That(Http.VersionAt(Sandbox.ProdUrl), Is.EqualTo(old));
        var fixedRelease = Sandbox.PushFixedRelease();
        var next = Sandbox.Tool("--target=Deploy", "--env=prod");
        await_(load.StopAsync());

        Assert.That(next.ExitCode, Is.EqualTo(0), next.ToString());
        Assert.That(next.All, Does.Contain("Taking over the prod lock"));
        Assert.That(Http.CommitAt(Sandbox.ProdUrl), Is.EqualTo(fixedRelease));
        Assert.That(load.Failures, Is.Empty);
    }

    [Test]
    public void A_new_proxy_image_removes_those_of_earlier_tool_versions_that_no_container_uses()
    {
        var proxy = $"{Sandbox.ProdContainer}_proxy";
        var current = DockerCli.Inspect(proxy, "{{.Config.Image}}");
        var unused = $"kaha-local/proxy:{Sandbox.Prefix}-unused";
        var inUse = $"kaha-local/proxy:{Sandbox.Prefix}-in-use";
        var kept = $"{Sandbox.Prefix}_old_proxy";
        try
        {
            foreach (var earlier in new[] { unused, inUse })
            {
                DockerCli.BuildLabelledImage(Path.Combine(Sandbox.Folder, earlier.Split(':')[1]), $"org.kaha.proxy=true org.kaha.test={earlier}", earlier);
            }

            Shell.Must("docker", "create", "--name", kept, inUse, "none");
            Shell.Must("docker", "rm", "-f", proxy);
            Shell.Must("docker", "rmi", current);

            var deploy = Sandbox.Tool("--target=Deploy", "--env=prod");

            Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());
            Assert.That(deploy.StdOut, Does.Contain($"Building the proxy image {current}").And.Match(@"Removed \d+ proxy image\(s\) of earlier versions"));
            Assert.That(Shell.Run("docker", "image", "inspect", unused).ExitCode, Is.Not.EqualTo(0), "an earlier proxy image no container uses is gone");
            Assert.That(Shell.Run("docker", "image", "inspect", inUse).ExitCode, Is.EqualTo(0), "one a container still uses stays");
            Assert.That(DockerCli.State(proxy), Is.EqualTo("running"));
        }
        finally
        {
            Shell.Run("docker", "rm", "-f", kept);
            Shell.Run("docker", "rmi", "-f", unused, inUse);
        }
    }

    /// <summary>The live release has the engine's default CPU weight; the standby, out of rotation, a quarter of it.</summary>
    private void AssertServingAndStandbyCpuShares()
    {
        Assert.That(CpuShares(Sandbox.ProdContainer), Is.EqualTo(1024), "the live release");
        Assert.That(CpuShares($"{Sandbox.ProdContainer}_previous"), Is.EqualTo(256), "the warm standby");
    }

    /// <summary>The timer that ends the standby window waits beside the live release at the lowest CPU priority, its session's group too.</summary>
    private void AssertStandbyTimerAtLowestPriority()
    {
        var pid = int.Parse(File.ReadAllText(Path.Combine(Sandbox.StateFolder("prod"), "standby.pid")).Trim());
        var priority = ProcessPriority.Of(pid);
        Assert.That(priority.Nice, Is.EqualTo(19), "nice of the standby timer");
        Assert.That(priority.SessionGroupNice ?? 19, Is.EqualTo(19), "nice of its session's scheduling group");
    }

    private static int CpuShares(string container) => int.Parse(DockerCli.Inspect(container, "{{.HostConfig.CpuShares}}"));

    private static void WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.That(clock.Elapsed, Is.LessThan(timeout), "timed out waiting");
            Thread.Sleep(200);
        }
    }

    private static void await_(Task task) => task.GetAwaiter().GetResult();
}
