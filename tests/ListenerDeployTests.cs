using System.Diagnostics;
using System.Text.Json.Nodes;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Issue 4, acceptance 2, end to end on the real engine: signed pushes to the running listener deploy prod from a bare
/// origin through child deploys, one at a time, coalesced, under the same lock as a deploy from the command line.
/// </summary>
[NonParallelizable]
public sealed class ListenerDeployTests : ListenerFixture
{
    [Test]
    public void A_signed_push_deploys_its_commit_tells_slack_and_a_replay_is_a_duplicate()
    {
        var pushed = Sandbox.CommitAndPush("release two", dir => File.AppendAllText(Path.Combine(dir, "README.md"), "\ntwo\n"));

        var answer = GitHub.Push(pushed, pusher: "alice");

        Assert.That(answer.Status, Is.EqualTo(202), answer.ToString());
        Assert.That(answer.Message, Is.EqualTo($"accepted: deploy {answer.Deploy} of {pushed[..12]} to prod started"));
        var priority = ProcessPriority.Find(TimeSpan.FromSeconds(30), "--target=Deploy", $"--config={Sandbox.ConfigFile}");
        Assert.That(priority, Is.Not.Null, "the deploy process was not seen running");
        Assert.That(priority!.Nice, Is.EqualTo(10), "the deploy runs below the listener and the live release");
        Assert.That(priority.SessionGroupNice ?? 10, Is.EqualTo(10), "and so does its session's scheduling group");
        var deploys = Listener.WaitForDeploys(1, DeployTime);
        Assert.That(deploys.Single()["state"]!.GetValue<string>(), Is.EqualTo("succeeded"), deploys.Single().ToJsonString());
        Assert.That(Http.CommitAt(Sandbox.ProdUrl), Is.EqualTo(pushed), "the pushed commit serves in prod");
        Assert.That(Slack.Messages.Single()["text"]!.GetValue<string>(),
            Does.Contain("deploy to prod succeeded").And.Contain(pushed[..12]).And.Contain("alice (github)"));
        Assert.That(LiveVersion("prod"), Is.EqualTo(pushed[..12]), "/status shows the live version");

        var replay = GitHub.Push(pushed, delivery: answer.Delivery);

        Assert.That(replay.Status, Is.EqualTo(200), replay.ToString());
        Assert.That(replay.Message, Is.EqualTo($"duplicate: deploy {answer.Deploy} already did this delivery"));
        Assert.That(Listener.WaitForDeploys(1, DeployTime), Has.Count.EqualTo(1), "the replay started no deploy");
        Assert.That(Listener.Output, Does.Contain($"github delivery {answer.Delivery} from 127.0.0.1: 202 accepted: deploy {answer.Deploy}")
            .And.Contain($"github delivery {answer.Delivery} from 127.0.0.1: 200 duplicate"));
    }

    [Test]
    public void A_burst_of_ten_pushes_runs_at_most_two_deploys_and_ends_on_the_newest()
    {
        var commits = Enumerable.Range(1, 10)
            .Select(i => Sandbox.CommitAndPush($"change {i}", dir => File.AppendAllText(Path.Combine(dir, "README.md"), $"\nchange {i}\n")))
            .ToList();

        var answers = commits.Select(sha => GitHub.Push(sha)).ToList();

        Assert.That(answers.Select(a => a.Status), Is.All.EqualTo(202), string.Join("\n", answers));
        var deploys = Listener.WaitForDeploys(1, DeployTime);
        Assert.That(deploys, Has.Count.LessThanOrEqualTo(2), string.Join("\n", deploys.Select(d => d.ToJsonString())));
        Assert.That(deploys.Select(d => d["state"]!.GetValue<string>()), Is.All.EqualTo("succeeded"));
        Assert.That(deploys[^1]["sha"]!.GetValue<string>(), Is.EqualTo(commits[^1]), "the last deploy is of the newest commit");
        Assert.That(Http.CommitAt(Sandbox.ProdUrl), Is.EqualTo(commits[^1]));
        Assert.That(answers.Skip(1).Select(a => a.Deploy).Distinct().Count(), Is.EqualTo(1), "pushes that came while a deploy ran folded into one");
    }

    [Test]
    public void A_CLI_deploy_during_a_webhook_deploy_waits_for_the_lock()
    {
        var pushed = Sandbox.CommitAndPush("release two", dir => File.AppendAllText(Path.Combine(dir, "README.md"), "\ntwo\n"));
        Assert.That(GitHub.Push(pushed).Status, Is.EqualTo(202));
        var holder = WaitForLockHolder();

        // The same commit the webhook deploys: without --force the second deploy would find it live and change nothing.
        var cli = Sandbox.Tool("--target=Deploy", "--env=prod", "--lock-wait=300", "--force");

        Assert.That(cli.ExitCode, Is.EqualTo(0), cli.ToString());
        Assert.That(cli.All, Does.Contain("Environment 'prod' is locked by").And.Contain($"pid {holder}").And.Contain("waiting up to 300 s"));
        var webhook = Listener.WaitForDeploys(1, DeployTime).Single();
        Assert.That(webhook["state"]!.GetValue<string>(), Is.EqualTo("succeeded"), "the webhook deploy was not disturbed");
        Assert.That(Slack.Messages.Select(m => m["text"]!.GetValue<string>()),
            Has.Exactly(1).Contains("(github)").And.Exactly(1).Contains("(cli)"), "both deploys ran, one after the other");
    }

    [Test]
    public void A_delivery_whose_deploy_failed_runs_again_when_redelivered_and_the_listener_survives_the_failure()
    {
        // GitHub tells about a commit origin does not have yet: the deploy fails at GitPull.
        File.AppendAllText(Path.Combine(Sandbox.Author, "README.md"), "\nnot pushed yet\n");
        Sandbox.Git(Sandbox.Author, "commit", "--quiet", "-am", "not pushed yet");
        var commit = Sandbox.Git(Sandbox.Author, "rev-parse", "HEAD");

        var first = GitHub.Push(commit);
        var failed = Listener.WaitForDeploys(1, DeployTime).Single();

        Assert.That(first.Status, Is.EqualTo(202), first.ToString());
        Assert.That(failed["state"]!.GetValue<string>(), Is.EqualTo("failed"));
        Assert.That(failed["result"]!.GetValue<string>(), Does.Contain($"Commit {commit} is not in"));
        Assert.That(Slack.Messages.Single()["text"]!.GetValue<string>(), Does.Contain("FAILED").And.Contain("GitPull"));

        Sandbox.Git(Sandbox.Author, "push", "--quiet", "origin", "master");
        var again = GitHub.Push(commit, delivery: first.Delivery);
        var deploys = Listener.WaitForDeploys(2, DeployTime);

        Assert.That(again.Status, Is.EqualTo(202), again.ToString());
        Assert.That(again.Deploy, Is.Not.EqualTo(first.Deploy));
        Assert.That(deploys[^1]["state"]!.GetValue<string>(), Is.EqualTo("succeeded"), deploys[^1].ToJsonString());
        Assert.That(Http.CommitAt(Sandbox.ProdUrl), Is.EqualTo(commit));
    }

    [Test]
    public void SIGTERM_lets_the_running_deploy_finish_then_the_listener_exits()
    {
        var pushed = Sandbox.CommitAndPush("release two", dir => File.AppendAllText(Path.Combine(dir, "README.md"), "\ntwo\n"));
        Assert.That(GitHub.Push(pushed).Status, Is.EqualTo(202));
        WaitForLockHolder();

        var exitCode = Listener.Stop(DeployTime);

        Assert.That(exitCode, Is.EqualTo(0), Listener.Output);
        Assert.That(Listener.Output, Does.Contain("Stopping: no new deliveries are taken.").And.Contain("Waiting up to 120 s for deploy"));
        Assert.That(Listener.Output, Does.Contain($"of {pushed[..12]} to prod succeeded"));
        Assert.That(Http.CommitAt(Sandbox.ProdUrl), Is.EqualTo(pushed));
        Assert.That(DeployLocks.Exists(Sandbox.ProdContainer), Is.False, "the deploy released its lock");
    }

    [Test]
    public void A_deploy_still_running_when_the_grace_runs_out_is_cut_and_the_next_deploy_takes_over_its_lock()
    {
        Listener.Dispose();
        GitHub.Dispose();
        WriteConfig(listener => listener["shutdownGraceSeconds"] = 1);
        Start();
        var pushed = Sandbox.CommitAndPush("release two", dir => File.AppendAllText(Path.Combine(dir, "README.md"), "\ntwo\n"));
        Assert.That(GitHub.Push(pushed).Status, Is.EqualTo(202));
        var deploy = WaitForLockHolder();

        var exitCode = Listener.Stop(TimeSpan.FromSeconds(30));

        Assert.That(exitCode, Is.EqualTo(0), Listener.Output);
        Assert.That(Listener.Output, Does.Contain("to prod was cut after").And.Contain("--target=Status --env=prod"));
        Assert.That(IsRunning(deploy), Is.False, "the cut deploy's process is gone");
        var next = Sandbox.Tool("--target=Deploy", "--env=prod");
        Assert.That(next.ExitCode, Is.EqualTo(0), next.ToString());
        Assert.That(next.All, Does.Contain("Taking over the prod lock"));
        Assert.That(Http.CommitAt(Sandbox.ProdUrl), Is.EqualTo(pushed));
    }

    /// <summary>Issue 12 §5: a flood folds into one waiting deploy; /status shows its count and the last twenty, not all of them.</summary>
    [Test]
    public void A_flood_of_pushes_folds_into_one_deploy_whose_status_lists_at_most_twenty_deliveries()
    {
        var pushed = Sandbox.CommitAndPush("release flood", dir => File.AppendAllText(Path.Combine(dir, "README.md"), "\nflood\n"));

        var answers = Enumerable.Range(0, 60).Select(_ => GitHub.Push(pushed)).ToList();

        Assert.That(answers.Select(a => a.Status), Is.All.EqualTo(202), string.Join("\n", answers));
        var folded = Listener.WaitForDeploys(1, DeployTime).Single(d => d["id"]!.GetValue<string>() == answers[^1].Deploy);
        var foldedAnswers = answers.Where(a => a.Deploy == answers[^1].Deploy).ToList();
        Assert.That(foldedAnswers, Has.Count.GreaterThan(20), "the pushes came faster than a deploy");
        Assert.That(folded["deliveryCount"]!.GetValue<int>(), Is.EqualTo(foldedAnswers.Count), folded.ToJsonString());
        Assert.That(folded["deliveries"]!.AsArray().Select(d => d!.GetValue<string>()),
            Is.EqualTo(foldedAnswers.TakeLast(20).Select(a => a.Delivery)), "the last twenty, in order");
    }

    /// <summary>The pid of the webhook deploy once it holds the prod lock.</summary>
    private int WaitForLockHolder()
    {
        int? pid = null;
        Listener.WaitUntil(() => (pid = LockHolder()) is not null, TimeSpan.FromSeconds(30), "the webhook deploy to take the prod lock");
        return pid!.Value;
    }

    private int? LockHolder() => DeployLocks.HolderPid(Sandbox.ProdContainer);

    private string? LiveVersion(string environment) =>
        Listener.Status()["environments"]!.AsArray().Single(e => e!["environment"]!.GetValue<string>() == environment)!["live"]?["version"]?.GetValue<string>();

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
