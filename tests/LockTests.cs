using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Issue 11, item 9: the lock lives where the containers live. Two checkouts of one app on one engine (two config
/// folders with the same names: the sandbox's prefix is the same for both, so nothing hides the clash) share its lock,
/// and the second does not take over the first's environment.
/// </summary>
[NonParallelizable]
public sealed class LockTests : SandboxFixture
{
    private static readonly TimeSpan DeployTime = TimeSpan.FromMinutes(3);

    protected override void Prepare() => Sandbox.WriteConfig();

    private string Dev => Sandbox.DevContainer;

    /// <summary>A second checkout of the same app beside the first: a clone of origin and the same configuration.</summary>
    private string SecondCheckout()
    {
        var folder = Path.Combine(Sandbox.Folder, "second");
        Shell.Must("git", "clone", "--quiet", Sandbox.Origin, Path.Combine(folder, "app"));
        var config = Path.Combine(folder, "cake-config.json");
        File.Copy(Sandbox.ConfigFile, config);
        return config;
    }

    private ProcessResult ToolIn(string config, params string[] arguments) => Sandbox.ToolIn(config, Sandbox.Secrets, arguments);

    private void WaitForLock(Tool.Running run)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!DeployLocks.Exists(Dev))
        {
            Assert.That(clock.Elapsed, Is.LessThan(DeployTime), "the run took the lock on the engine:\n" + run.Output);
            Thread.Sleep(100);
        }
    }

    [Test]
    public void Two_checkouts_run_together_one_deploys_and_the_other_names_the_holder()
    {
        var second = SecondCheckout();
        using var first = Sandbox.StartTool("--target=Deploy", "--env=dev");
        WaitForLock(first);

        var refused = ToolIn(second, "--target=Deploy", "--env=dev");

        Expect.OneErrorLine(refused, "Environment 'dev' is locked by", $"Deploy since", $"from {Environment.MachineName}:{Sandbox.Folder})",
            $"docker rm {Dev}_lock");
        Assert.That(first.WaitForExit(DeployTime), Is.True, first.Output);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.Output);
        Assert.That(Http.VersionAt(Sandbox.DevUrl), Is.Not.Empty);
        Assert.That(DeployLocks.Exists(Dev), Is.False, "the lock is gone after a normal run");
    }

    [Test]
    public void A_second_checkout_refuses_another_checkouts_environment_and_take_over_moves_it()
    {
        var first = Sandbox.Tool("--target=Deploy", "--env=dev");
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        var second = SecondCheckout();
        var containers = DockerCli.Snapshot(Sandbox.Prefix);
        var images = Shell.Must("docker", "images", "-q", "--filter", $"label=org.kaha.app={Sandbox.AppName}");
        var version = Http.VersionAt(Sandbox.DevUrl);

        foreach (var target in new[] { "Deploy", "Rollback" })
        {
            Expect.OneErrorLine(ToolIn(second, $"--target={target}", "--env=dev"),
                $"{Sandbox.AppName} dev on this engine belongs to the checkout {Sandbox.Folder} on host {Environment.MachineName}; run from there",
                "--take-over");
        }

        Assert.That(DockerCli.Snapshot(Sandbox.Prefix), Is.EqualTo(containers), "the first checkout's containers and Redis are untouched");
        Assert.That(Shell.Must("docker", "images", "-q", "--filter", $"label=org.kaha.app={Sandbox.AppName}"), Is.EqualTo(images), "its images too");
        Assert.That(Http.VersionAt(Sandbox.DevUrl), Is.EqualTo(version));
        Assert.That(DeployLocks.Exists(Dev), Is.False, "a refused run gives the lock back");

        var takeOver = ToolIn(second, "--target=Deploy", "--env=dev", "--take-over");

        Assert.That(takeOver.ExitCode, Is.EqualTo(0), takeOver.ToString());
        Assert.That(takeOver.All, Does.Contain($"--take-over: {Sandbox.AppName} dev on this engine belonged to the checkout {Environment.MachineName}:{Sandbox.Folder};"));
        Assert.That(DockerCli.Inspect(Dev, "{{index .Config.Labels \"org.kaha.checkout\"}}").Trim(),
            Is.EqualTo($"{Environment.MachineName}:{Path.GetDirectoryName(second)}"), "the new release names the checkout it came from");
        Expect.OneErrorLine(Sandbox.Tool("--target=Deploy", "--env=dev"), $"belongs to the checkout {Path.GetDirectoryName(second)} on host");
    }

    [Test]
    public void A_lock_left_by_a_killed_run_is_taken_over_with_a_warning()
    {
        using (var killed = Sandbox.StartTool("--target=Deploy", "--env=dev"))
        {
            WaitForLock(killed);
            killed.Kill(); // SIGKILL: no teardown runs
        }

        Assert.That(DeployLocks.Exists(Dev), Is.True, "a killed run cannot give its lock back");

        var result = Sandbox.Tool("--target=Deploy", "--env=dev");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.All, Does.Contain("Taking over the dev lock left by").And.Contain("whose process is gone"));
        Assert.That(DeployLocks.Exists(Dev), Is.False, "the lock is released at the end of the run");
    }

    [Test]
    public void With_lock_wait_a_deploy_waits_for_the_holder_to_finish()
    {
        DeployLocks.HoldByThisProcess(Dev, "alice");
        var release = Task.Delay(TimeSpan.FromSeconds(3)).ContinueWith(_ => DeployLocks.Release(Dev));

        var result = Sandbox.Tool("--target=Deploy", "--env=dev", "--lock-wait=60");
        release.Wait();

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.All, Does.Contain("Environment 'dev' is locked by alice@").And.Contain("waiting up to 60 s"));
        Assert.That(Http.VersionAt(Sandbox.DevUrl), Is.Not.Empty);
    }

    [Test]
    public void Ctrl_C_ends_a_wait_for_the_lock_and_leaves_the_holders_lock_alone()
    {
        DeployLocks.HoldByThisProcess(Dev, "alice");
        using var waiting = Sandbox.StartToolInProcessGroup("--target=Deploy", "--env=dev", "--lock-wait=600");
        Assert.That(waiting.WaitForOutput("waiting up to 600 s", DeployTime), Is.True, waiting.Output);

        waiting.InterruptGroup();

        Assert.That(waiting.WaitForExit(TimeSpan.FromSeconds(20)), Is.True, "the wait ended at Ctrl-C:\n" + waiting.Output);
        Assert.That(waiting.ExitCode, Is.Not.EqualTo(0), waiting.Output);
        Assert.That(DeployLocks.HolderPid(Dev), Is.EqualTo(Environment.ProcessId), "alice's lock is still hers");
        Assert.That(DockerCli.State(Dev), Is.Null, "nothing was deployed");
    }

    [Test]
    public void The_lock_is_given_back_by_a_failed_run_and_by_a_Ctrl_C()
    {
        var failed = Sandbox.Tool("--target=Rollback", "--env=dev");
        Assert.That(failed.ExitCode, Is.Not.EqualTo(0), "nothing to roll back to: " + failed);
        Assert.That(DeployLocks.Exists(Dev), Is.False, "the lock is gone after a failed run");

        using var interrupted = Sandbox.StartToolInProcessGroup("--target=Deploy", "--env=dev");
        WaitForLock(interrupted);
        interrupted.InterruptGroup();

        Assert.That(interrupted.WaitForExit(DeployTime), Is.True, interrupted.Output);
        Assert.That(interrupted.ExitCode, Is.Not.EqualTo(0), interrupted.Output);
        Assert.That(DeployLocks.Exists(Dev), Is.False, "the lock is gone after a Ctrl-C'd run:\n" + interrupted.Output);
    }
}
