using System.Text.Json.Nodes;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>Issue 10 §3: the releases Rollback can go back to are visible, and runs that change nothing say so and stay out of Slack.</summary>
[NonParallelizable]
public sealed class ReleasesTests() : SandboxFixture(withSlack: true)
{
    protected override void Prepare()
    {
        Sandbox.WriteConfig(Slack.WebhookUrl, ProxiedProd);
        Sandbox.StartBackingRedis();
    }

    [Test]
    public void After_four_deploys_Releases_lists_them_each_can_be_rolled_back_to_and_a_bad_to_lists_them_without_telling_slack()
    {
        var commits = new List<string> { Sandbox.Git(Sandbox.Author, "rev-parse", "HEAD") };
        Deploy();
        foreach (var message in new[] { "release two", "release three", "release four" })
        {
            commits.Add(Sandbox.PushChange(message));
            Deploy();
        }

        var releases = ReleasesJson();
        Assert.That(releases.Select(r => r["commit"]!.GetValue<string>()), Is.EqualTo(commits.AsEnumerable().Reverse()), "newest first");
        Assert.That(releases.Select(r => r["state"]!.GetValue<string>()), Is.EqualTo(new[] { "live", "standby", "stopped", "stopped" }));
        Assert.That(releases.Select(r => r["message"]!.GetValue<string>()), Is.EqualTo(new[] { "release four", "release three", "release two", "sample app" }));
        Assert.That(releases.Select(r => r["deployedBy"]?.GetValue<string>()), Has.All.Not.Empty);
        Assert.That(releases.Select(r => r["built"]?.GetValue<string>()), Has.All.Not.Empty);
        var table = Sandbox.Tool("--target=Releases", "--env=prod");
        Assert.That(table.ExitCode, Is.EqualTo(0), table.ToString());
        Assert.That(table.StdOut, Does.Contain(commits[3][..7]).And.Contain("live").And.Contain("standby").And.Contain("sample app"));
        Assert.That(table.StdOut, Does.Contain("Go back to one with --target=Rollback --env=prod --to=COMMIT."));

        var slackBefore = Slack.Messages.Count;
        var unknown = Sandbox.Tool("--target=Rollback", "--env=prod", "--to=deadbeef");
        Expect.OneErrorLine(unknown, "No retained release of commit deadbeef",
            $"{commits[3][..12]} live", $"{commits[2][..12]} standby", $"{commits[1][..12]} stopped", $"{commits[0][..12]} stopped");
        Assert.That(Slack.Messages, Has.Count.EqualTo(slackBefore), "a rollback refused before it changed anything is no failed rollback");
        Assert.That(LastRun()["result"]!.GetValue<string>(), Is.EqualTo("failed"), "it is in the history all the same");

        // Each release, the standby and the stopped ones, and back to the newest.
        foreach (var commit in new[] { commits[2], commits[0], commits[1], commits[3] })
        {
            var rollback = Sandbox.Tool("--target=Rollback", "--env=prod", $"--to={commit[..7]}");
            Assert.That(rollback.ExitCode, Is.EqualTo(0), rollback.ToString());
            Assert.That(Http.CommitAt(Sandbox.ProdUrl), Is.EqualTo(commit));
            Assert.That(ReleasesJson().Single(r => r["state"]!.GetValue<string>() == "live")["commit"]!.GetValue<string>(), Is.EqualTo(commit));
        }

        // A release whose container was removed by hand is still there as its image, and Rollback starts it again.
        var first = ReleasesJson().Single(r => r["commit"]!.GetValue<string>() == commits[0]);
        Assert.That(first["state"]!.GetValue<string>(), Is.EqualTo("stopped"));
        Shell.Must("docker", "rm", first["container"]!.GetValue<string>());
        Assert.That(ReleasesJson().Single(r => r["commit"]!.GetValue<string>() == commits[0])["state"]!.GetValue<string>(), Is.EqualTo("image only"));
        var fromImage = Sandbox.Tool("--target=Rollback", "--env=prod", $"--to={commits[0][..7]}");
        Assert.That(fromImage.ExitCode, Is.EqualTo(0), fromImage.ToString());
        Assert.That(Http.CommitAt(Sandbox.ProdUrl), Is.EqualTo(commits[0]));
    }

    [Test]
    public void Deploying_the_live_commit_again_changes_nothing_and_rolling_back_to_it_is_refused()
    {
        var first = Sandbox.Git(Sandbox.Author, "rev-parse", "HEAD");
        Deploy();
        var live = Sandbox.PushChange("release two");
        Deploy();
        var containers = DockerCli.Snapshot(Sandbox.Prefix);
        var slackBefore = Slack.Messages.Count;

        var again = Sandbox.Tool("--target=Deploy", "--env=prod");

        Assert.That(again.ExitCode, Is.EqualTo(0), again.ToString());
        Assert.That(again.StdOut, Does.Contain($"{live[..12]} is already live").And.Contain("--force deploys it again"));
        Assert.That(DockerCli.Snapshot(Sandbox.Prefix), Is.EqualTo(containers), "no container touched");
        Assert.That(Slack.Messages, Has.Count.EqualTo(slackBefore));
        Assert.That(LastRun()["result"]!.GetValue<string>(), Is.EqualTo("unchanged"));
        Assert.That(ReleasesJson(), Has.Count.EqualTo(2), "no new retention slot");

        var toLive = Sandbox.Tool("--target=Rollback", "--env=prod", $"--to={live[..8]}");
        Expect.OneErrorLine(toLive, $"{live[..12]}, the version already live in prod", $"{live[..12]} live", $"{first[..12]} standby");
        Assert.That(DockerCli.Snapshot(Sandbox.Prefix), Is.EqualTo(containers));
        Assert.That(Slack.Messages, Has.Count.EqualTo(slackBefore), "nothing happened, so there is nothing to report");

        // Refused by the lock: in the history, but no failed deploy for Slack.
        DeployLocks.HoldByThisProcess(Sandbox.ProdContainer, "alice");

        Expect.OneErrorLine(Sandbox.Tool("--target=Deploy", "--env=prod", "--force"), "locked by alice@");
        Assert.That(LastRun()["result"]!.GetValue<string>(), Is.EqualTo("failed"));
        Assert.That(Slack.Messages, Has.Count.EqualTo(slackBefore), "a deploy refused by the lock changed nothing");
        DeployLocks.Release(Sandbox.ProdContainer);

        var forced = Sandbox.Tool("--target=Deploy", "--env=prod", "--force");
        Assert.That(forced.ExitCode, Is.EqualTo(0), forced.ToString());
        Assert.That(forced.StdOut, Does.Not.Contain("is already live"));
        Assert.That(DockerCli.Snapshot(Sandbox.Prefix), Is.Not.EqualTo(containers), "--force deploys it again");

        // The same commit with a changed configuration is a new release.
        Sandbox.WriteConfig(Slack.WebhookUrl, config =>
        {
            ProxiedProd(config);
            config["environments"]!["prod"]!["env"]!["FEATURE_FLAG"] = "on";
        });
        var reconfigured = Sandbox.Tool("--target=Deploy", "--env=prod");
        Assert.That(reconfigured.ExitCode, Is.EqualTo(0), reconfigured.ToString());
        Assert.That(reconfigured.StdOut, Does.Contain("with other settings").And.Not.Contain("is already live"));
        Assert.That(DockerCli.Inspect(Sandbox.ProdContainer, "{{json .Config.Env}}"), Does.Contain("FEATURE_FLAG=on"));
    }

    [Test]
    public void Without_a_proxy_Releases_lists_live_and_previous_and_Rollback_to_the_same_version_refuses()
    {
        var commit = Sandbox.Git(Sandbox.Checkout, "rev-parse", "HEAD");
        for (var i = 0; i < 2; i++)
        {
            // dev mounts its code folder, so the same commit deploys again (it restarts on what the folder holds).
            var deploy = Sandbox.Tool("--target=Deploy", "--env=dev");
            Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());
        }

        var releases = ReleasesJson("dev");
        Assert.That(releases.Select(r => (r["commit"]!.GetValue<string>(), r["state"]!.GetValue<string>(), r["container"]!.GetValue<string>())),
            Is.EqualTo(new[] { (commit, "live", Sandbox.DevContainer), (commit, "stopped", $"{Sandbox.DevContainer}_previous") }));
        var table = Sandbox.Tool("--target=Releases", "--env=dev");
        Assert.That(table.StdOut, Does.Contain(
            $"--target=Rollback --env=dev goes back to {Sandbox.DevContainer}_previous; for another commit, deploy it: --target=Deploy --env=dev --sha=COMMIT."));
        Assert.That(table.StdOut, Does.Not.Contain("--to="), "Rollback refuses --to without a proxy");

        var before = DockerCli.Snapshot(Sandbox.Prefix);
        var rollback = Sandbox.Tool("--target=Rollback", "--env=dev");
        Expect.OneErrorLine(rollback, $"{Sandbox.DevContainer}_previous runs {commit[..12]}, the version already live in dev", $"{commit[..12]} live, {commit[..12]} stopped");
        Assert.That(DockerCli.Snapshot(Sandbox.Prefix), Is.EqualTo(before));
    }

    [Test]
    public void A_release_replaced_while_stopped_is_kept_out_of_service_and_a_rollback_brings_its_restart_policy_back()
    {
        var first = Sandbox.Git(Sandbox.Author, "rev-parse", "HEAD");
        Deploy();
        Shell.Must("docker", "stop", Sandbox.ProdContainer);
        Sandbox.PushChange("release two");

        var deploy = Sandbox.Tool("--target=Deploy", "--env=prod");

        Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());
        var previous = Sandbox.ProdContainer + "_previous";
        Assert.That(deploy.All, Does.Not.Contain("warm standby").And.Contain($"is now {previous}; it was stopped, so it is kept stopped for Rollback"));
        Assert.That(DockerCli.Inspect(previous, "{{.State.Status}} {{.HostConfig.RestartPolicy.Name}}"), Is.EqualTo("exited no"),
            "a stopped release out of service stays stopped after an engine restart");

        var rollback = Sandbox.Tool("--target=Rollback", "--env=prod");

        Assert.That(rollback.ExitCode, Is.EqualTo(0), rollback.ToString());
        Assert.That(Http.CommitAt(Sandbox.ProdUrl), Is.EqualTo(first));
        Assert.That(DockerCli.Inspect(Sandbox.ProdContainer, "{{.State.Status}} {{.HostConfig.RestartPolicy.Name}}"), Is.EqualTo("running always"),
            "the release back in service has prod's restart policy again");
        Assert.That(DockerCli.Inspect(previous, "{{.State.Status}} {{.HostConfig.RestartPolicy.Name}}"), Is.EqualTo("running always"),
            "the warm standby keeps a policy that brings it back until its window ends");
        var timer = int.Parse(File.ReadAllText(Path.Combine(Sandbox.StateFolder("prod"), "standby.pid")).Trim());
        using var waiting = System.Diagnostics.Process.GetProcessById(timer);
        Assert.That(waiting.WorkingSet64, Is.LessThan(10L << 20), "the timer that ends the window waits without the tool in memory (a waiting tool took 85 MB)");
    }

    private static void ProxiedProd(JsonObject config)
    {
        var prod = config["environments"]!["prod"]!;
        prod["healthTimeoutSeconds"] = 10;
        // A standby window longer than the test: the release replaced last stays a running standby.
        prod["proxy"] = new JsonObject { ["enabled"] = true, ["healthyInARow"] = 2, ["drainSeconds"] = 0, ["standbySeconds"] = 600, ["warmupRequests"] = 20 };
        prod["retain"] = 4;
    }

    private void Deploy()
    {
        var deploy = Sandbox.Tool("--target=Deploy", "--env=prod");
        Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());
    }

    /// <summary>Releases --json, run without any secret: it only reads.</summary>
    private List<JsonNode> ReleasesJson(string environment = "prod")
    {
        var result = Sandbox.ToolWith(new Dictionary<string, string?>(), "--target=Releases", $"--env={environment}", "--json");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        return JsonNode.Parse(result.StdOut)!["releases"]!.AsArray().Select(r => r!).ToList();
    }

    private JsonNode LastRun() =>
        JsonNode.Parse(File.ReadAllLines(Path.Combine(Sandbox.StateFolder("prod"), "history.jsonl")).Last())!;
}
