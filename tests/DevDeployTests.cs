using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>Acceptance 2: the dev deploy, its backup, and rollback back and forth, on the real engine.</summary>
[NonParallelizable]
public sealed class DevDeployTests : SandboxFixture
{
    protected override void Prepare() => Sandbox.WriteConfig();

    [Test]
    public void Deploy_backup_and_rollback_back_and_forth()
    {
        var first = Sandbox.Tool("--target=Deploy", "--env=dev");
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        var v1 = Sandbox.Git(Sandbox.Checkout, "rev-parse", "HEAD")[..12];
        Assert.That(Http.VersionAt(Sandbox.DevUrl), Is.EqualTo(v1));
        Assert.That(DockerCli.State($"{Sandbox.Prefix}_dev_redis"), Is.EqualTo("running"));
        Assert.That(Http.PostHit(Sandbox.DevUrl), Is.EqualTo(1), "the counter lives in the dev Redis");
        Assert.That(DockerCli.Inspect($"{Sandbox.Prefix}_dev_redis", "{{range .Mounts}}{{.Source}}:{{.Destination}}{{end}}"),
            Is.EqualTo(Path.Combine(Sandbox.Folder, "redis-data", "dev") + ":/data"));
        Assert.That(DockerCli.Inspect(Sandbox.DevContainer, "{{range .Mounts}}{{.Source}}:{{.Destination}}{{end}}"),
            Is.EqualTo(Sandbox.Checkout + ":/app"), "dev mounts the code folder into the container");
        Assert.That(StatusJson.Of(Sandbox, "dev"), Is.EqualTo(new StatusJson(v1, "running", null, null, "healthy")));

        var v2 = Sandbox.CommitInCheckout("second release", dir => File.AppendAllText(Path.Combine(dir, "README.md"), "\nsecond\n"))[..12];
        var second = Sandbox.Tool("--target=Deploy", "--env=dev");
        Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString());
        Assert.That(Http.VersionAt(Sandbox.DevUrl), Is.EqualTo(v2));
        Assert.That(DockerCli.Containers(Sandbox.Prefix), Does.Contain($"{Sandbox.Prefix}_dev_previous"));
        Assert.That(StatusJson.Of(Sandbox, "dev"), Is.EqualTo(new StatusJson(v2, "running", v1, "exited", "healthy")));
        Assert.That(RestartPolicies(), Is.EqualTo("unless-stopped no"), "an engine restart must not start the backup beside the live release");

        var rollback = Sandbox.Tool("--target=Rollback", "--env=dev");
        Assert.That(rollback.ExitCode, Is.EqualTo(0), rollback.ToString());
        Assert.That(rollback.StdOut, Does.Contain($"dev mounts the checkout {Sandbox.Checkout} (mountCheckout): the rollback brings back the previous image and settings; the code stays what is checked out."));
        Assert.That(Http.VersionAt(Sandbox.DevUrl), Is.EqualTo(v1));
        Assert.That(StatusJson.Of(Sandbox, "dev"), Is.EqualTo(new StatusJson(v1, "running", v2, "exited", "healthy")));
        Assert.That(RestartPolicies(), Is.EqualTo("unless-stopped no"), "the release rolled back to has dev's restart policy again");

        var rollForward = Sandbox.Tool("--target=Rollback", "--env=dev");
        Assert.That(rollForward.ExitCode, Is.EqualTo(0), rollForward.ToString());
        Assert.That(Http.VersionAt(Sandbox.DevUrl), Is.EqualTo(v2));
        Assert.That(StatusJson.Of(Sandbox, "dev"), Is.EqualTo(new StatusJson(v2, "running", v1, "exited", "healthy")));

        Assert.That(Http.Hits(Sandbox.DevUrl), Is.EqualTo(1), "Redis and its data outlive deploys and rollbacks");
    }

    [Test]
    public void Deploying_the_live_commit_again_keeps_the_release_before_it_as_the_one_to_roll_back_to()
    {
        Assert.That(Sandbox.Tool("--target=Deploy", "--env=dev").ExitCode, Is.EqualTo(0));
        var v1 = Sandbox.Git(Sandbox.Checkout, "rev-parse", "HEAD")[..12];
        var v2 = Sandbox.CommitInCheckout("second release", dir => File.AppendAllText(Path.Combine(dir, "README.md"), "\nsecond\n"))[..12];
        Assert.That(Sandbox.Tool("--target=Deploy", "--env=dev").ExitCode, Is.EqualTo(0));

        // dev mounts the checkout: deploying the same commit again restarts the app on it.
        var again = Sandbox.Tool("--target=Deploy", "--env=dev");

        Assert.That(again.ExitCode, Is.EqualTo(0), again.ToString());
        Assert.That(again.StdOut, Does.Contain(
            $"{Sandbox.DevContainer} replaced a container of the same release ({v2}): {Sandbox.DevContainer}_previous stays {v1}, the release a rollback brings back."));
        Assert.That(StatusJson.Of(Sandbox, "dev"), Is.EqualTo(new StatusJson(v2, "running", v1, "exited", "healthy")));
        Assert.That(DockerCli.Containers(Sandbox.Prefix), Does.Not.Contain($"{Sandbox.DevContainer}_older"));
        Assert.That(RestartPolicies(), Is.EqualTo("unless-stopped no"));

        var rollback = Sandbox.Tool("--target=Rollback", "--env=dev");
        Assert.That(rollback.ExitCode, Is.EqualTo(0), rollback.ToString());
        Assert.That(Http.VersionAt(Sandbox.DevUrl), Is.EqualTo(v1));
    }

    /// <summary>The restart policies of the live container and of NAME_previous.</summary>
    private string RestartPolicies() =>
        DockerCli.Inspect(Sandbox.DevContainer, "{{.HostConfig.RestartPolicy.Name}}") + " "
        + DockerCli.Inspect($"{Sandbox.Prefix}_dev_previous", "{{.HostConfig.RestartPolicy.Name}}");

    [Test]
    public void Npm_ci_runs_only_when_the_packages_or_the_installed_tree_changed()
    {
        var nodeModules = Path.Combine(Sandbox.Checkout, "node_modules");
        var first = Sandbox.Tool("--target=Deploy", "--env=dev");
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        Assert.That(first.StdOut, Does.Match(@"added \d+ packages").And.Not.Contain("npm ci skipped"));

        // npm ci starts by deleting node_modules: a file of ours in it tells whether it ran.
        var marker = Path.Combine(nodeModules, "kept-by-test");
        File.WriteAllText(marker, "");
        var v2 = Sandbox.CommitInCheckout("code only", dir => File.AppendAllText(Path.Combine(dir, "server.js"), "\n// v2\n"))[..12];
        var second = Sandbox.Tool("--target=Deploy", "--env=dev");
        Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString());
        Assert.That(second.StdOut, Does.Contain("npm ci skipped").And.Not.Match(@"added \d+ packages"));
        Assert.That(File.Exists(marker), Is.True, "node_modules was left as it was");
        Assert.That(Http.VersionAt(Sandbox.DevUrl), Is.EqualTo(v2));

        // npm changed the installed tree by hand (its own record of it changes): the deploy puts the locked tree back.
        File.AppendAllText(Path.Combine(nodeModules, ".package-lock.json"), "\n");
        var third = Sandbox.Tool("--target=Deploy", "--env=dev");
        Assert.That(third.ExitCode, Is.EqualTo(0), third.ToString());
        Assert.That(third.StdOut, Does.Match(@"added \d+ packages").And.Not.Contain("npm ci skipped"));
        Assert.That(File.Exists(marker), Is.False, "npm ci reinstalled node_modules");

        File.WriteAllText(marker, "");
        Sandbox.CommitInCheckout("lock file", dir => File.AppendAllText(Path.Combine(dir, "package-lock.json"), "\n"));
        var fourth = Sandbox.Tool("--target=Deploy", "--env=dev");
        Assert.That(fourth.ExitCode, Is.EqualTo(0), fourth.ToString());
        Assert.That(fourth.StdOut, Does.Match(@"added \d+ packages").And.Not.Contain("npm ci skipped"));
        Assert.That(File.Exists(marker), Is.False, "a changed package-lock.json is installed again");
    }

    [Test]
    public void A_RUN_step_of_the_image_build_gets_a_quarter_of_the_default_CPU_weight()
    {
        // The step writes down the CPU weight of the container it runs in: cgroup v1's cpu.shares, or cgroup v2's cpu.weight.
        Sandbox.CommitInCheckout("a RUN step", dir => File.AppendAllText(Path.Combine(dir, "Dockerfile"),
            "RUN cat /sys/fs/cgroup/cpu/cpu.shares > /build-cpu-weight 2>/dev/null || cat /sys/fs/cgroup/cpu.weight > /build-cpu-weight\n"));

        var result = Sandbox.Tool("--target=Deploy", "--env=dev");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var weight = Shell.Must("docker", "run", "--rm", "--entrypoint", "cat", $"{Sandbox.Image}:dev", "/build-cpu-weight").Trim();
        Assert.That(weight, Is.AnyOf("256", "10"), "cpu.shares 256 (Docker's default is 1024), or the same as a cgroup v2 cpu.weight");
    }

    [Test]
    public void Previous_container_can_still_be_started_by_hand_as_in_the_old_script()
    {
        Assert.That(Sandbox.Tool("--target=Deploy", "--env=dev").ExitCode, Is.EqualTo(0));
        Sandbox.CommitInCheckout("second", dir => File.AppendAllText(Path.Combine(dir, "README.md"), "\nx\n"));
        Assert.That(Sandbox.Tool("--target=Deploy", "--env=dev").ExitCode, Is.EqualTo(0));

        Shell.Must("docker", "stop", Sandbox.DevContainer);
        Shell.Must("docker", "start", $"{Sandbox.Prefix}_dev_previous");

        Assert.That(DockerCli.State($"{Sandbox.Prefix}_dev_previous"), Is.EqualTo("running"));
    }

    [Test]
    public void A_failed_health_check_quotes_the_apps_last_error_line()
    {
        // The app gets no REDIS_URL, so it looks for Redis on its own loopback and logs why it cannot use it.
        Sandbox.WriteConfig(adjust: config =>
        {
            config["environments"]!["dev"]!["redis"]!["envVar"] = "UNUSED_REDIS_URL";
            config["environments"]!["dev"]!["healthTimeoutSeconds"] = 5;
        });

        var result = Sandbox.Tool("--target=Deploy", "--env=dev");

        Expect.OneErrorLine(result, "did not answer", "(last answer: 503; its last error: \"", "redis: not available (ECONNREFUSED); retrying\"");
    }

    [Test]
    public void Rollback_without_a_previous_version_says_what_to_do_and_changes_nothing()
    {
        Assert.That(Sandbox.Tool("--target=Deploy", "--env=dev").ExitCode, Is.EqualTo(0));
        var before = DockerCli.Snapshot(Sandbox.Prefix);

        var result = Sandbox.Tool("--target=Rollback", "--env=dev");

        Assert.That(result.ExitCode, Is.Not.EqualTo(0));
        Assert.That(result.ErrorLines, Has.Count.EqualTo(1), result.ToString());
        Assert.That(result.ErrorLines[0], Does.Contain($"There is no {Sandbox.DevContainer}_previous to roll back to"));
        Assert.That(DockerCli.Snapshot(Sandbox.Prefix), Is.EqualTo(before));
    }

    [Test]
    public void Ctrl_c_in_a_terminal_while_the_app_tests_run_ends_with_the_line_that_says_what_serves()
    {
        var first = Sandbox.Tool("--target=Deploy", "--env=dev");
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        var live = Http.VersionAt(Sandbox.DevUrl);
        Sandbox.CommitInCheckout("a slow test", dir => File.WriteAllText(Path.Combine(dir, "test", "zz-slow.test.js"),
            "const test = require('node:test'); test('slow', () => new Promise(done => setTimeout(done, 60000)));\n"));
        var history = Path.Combine(Sandbox.StateFolder("dev"), "history.jsonl");

        ProcessResult result;
        string[] runsAtExit;
        // Task headers show from --verbosity=verbose up: they say when npm test has started.
        using (var ci = Sandbox.StartToolInProcessGroup("--target=CI", "--env=dev", "--verbosity=verbose"))
        {
            Assert.That(ci.WaitForOutput("\n AppTests", TimeSpan.FromMinutes(2)), Is.True, ci.Output);
            Thread.Sleep(2000);
            ci.InterruptGroup();
            Assert.That(ci.WaitForExit(TimeSpan.FromSeconds(60)), Is.True, ci.Output);
            runsAtExit = File.ReadAllLines(history);
            result = new ProcessResult(ci.ExitCode, ci.Output, "");
        }

        // npm got the Ctrl-C too and failed; the run still ends as an interrupted one, not with npm's error.
        Assert.That(result.ExitCode, Is.EqualTo(130), result.ToString());
        var errors = ProcessResult.Lines(result.StdOut).Where(l => l.StartsWith("Error: ", StringComparison.Ordinal)).ToList();
        Assert.That(errors, Has.Count.EqualTo(1), result.ToString());
        Assert.That(errors[0], Does.StartWith("Error: Interrupted by SIGINT").And.Contain($"{live} ").And.Contain("serves dev"), result.ToString());
        Assert.That(runsAtExit.Last(), Does.Contain("\"result\":\"interrupted\""));
        Assert.That(Http.VersionAt(Sandbox.DevUrl), Is.EqualTo(live), "nothing was deployed");
    }
}
