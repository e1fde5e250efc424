using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>The Frosting-style host as a user meets it: targets, graph, descriptions, dry runs, exit codes.</summary>
public sealed class HostTests
{
    private static readonly string[] Targets =
    [
        "Clean", "GitPull", "NpmInstall", "BuildImage", "BackupContainer", "RunContainer", "HealthCheck", "NotifySlack",
        "Rollback", "Deploy", "CI", "Status", "StartRedis", "DockerPreflight", "Lock", "ReadVersion", "RestorePrevious", "AppTests",
        "History", "Logs", "Listen", "EnsureProxy", "SwitchTraffic", "Drain", "Prune", "Reconcile", "RecoverRenames",
    ];

    [Test]
    public void Tree_shows_the_whole_graph_with_deploy_in_order()
    {
        var result = Tool.Run("--tree");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        foreach (var target in Targets)
        {
            Assert.That(result.StdOut, Does.Contain(target));
        }

        var deploy = result.StdOut[result.StdOut.IndexOf("─Deploy", StringComparison.Ordinal)..];
        Assert.That(IndexOf(deploy, "GitPull"), Is.LessThan(IndexOf(deploy, "BuildImage")));
        Assert.That(IndexOf(deploy, "BackupContainer"), Is.LessThan(IndexOf(deploy, "RunContainer")));
        Assert.That(IndexOf(deploy, "RunContainer"), Is.LessThan(IndexOf(deploy, "HealthCheck")));
        Assert.That(IndexOf(deploy, "HealthCheck"), Is.LessThan(IndexOf(deploy, "NotifySlack")));
    }

    [Test]
    public void Description_lists_every_task_with_what_it_does()
    {
        var result = Tool.Run("--description");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        foreach (var target in Targets)
        {
            Assert.That(result.StdOut, Does.Contain(target));
        }

        Assert.That(result.StdOut, Does.Contain("Renames the live NAME to NAME_previous"));
    }

    [Test]
    public void Without_a_target_the_targets_are_listed()
    {
        var result = Tool.Run();

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.StdOut, Does.Contain("--target=NAME"));
        Assert.That(result.StdOut, Does.Contain("Rollback"));
        Assert.That(result.StdOut, Does.Contain("Incident button"));
    }

    [Test]
    public void Dry_runs_list_what_each_environment_would_run_without_docker_or_secrets()
    {
        // No Docker endpoint and no secrets: a dry run must need neither.
        var environment = new Dictionary<string, string?> { ["DOCKER_HOST"] = "unix:///nonexistent/docker.sock", ["PROD_DB_PASSWORD"] = null, ["SLACK_WEBHOOK_URL"] = null };
        var history = Path.Combine(Repo.Root, ".deploy", "prod", "history.jsonl");
        var historyBefore = File.Exists(history) ? File.ReadAllText(history) : null;
        var prod = Tool.Run(["--target=Deploy", "--env=prod", "--dryrun"], environment);
        var dev = Tool.Run(["--target=Deploy", "--env=dev", "--whatif"], environment);

        Assert.That(prod.ExitCode, Is.EqualTo(0), prod.ToString());
        Assert.That(dev.ExitCode, Is.EqualTo(0), dev.ToString());
        var prodSteps = Steps(prod);
        var devSteps = Steps(dev);
        Assert.That(prodSteps, Is.EqualTo(new[]
        {
            "DockerPreflight", "Lock", "BackupBeforeChange", "RecoverRenames", "Clean", "GitPull", "ReadVersion", "NpmInstall", "BuildImage", "EnsureProxy", "Reconcile",
            "RunContainer", "HealthCheck", "SwitchTraffic", "Drain", "Prune", "NotifySlack", "Deploy",
        }));
        Assert.That(devSteps, Is.EqualTo(new[]
        {
            "DockerPreflight", "Lock", "RecoverRenames", "Clean", "StartRedis", "ReadVersion", "NpmInstall", "BuildImage",
            "BackupContainer", "RunContainer", "HealthCheck", "RemoveOlderBackup", "Deploy",
        }));
        Assert.That(dev.All, Does.Contain("Skipping GitPull: environments.dev.gitPull is false"));
        Assert.That(dev.All, Does.Contain("Skipping BackupBeforeChange: backups.beforeDeploy is off for dev."), "backups before a deploy are prod's default");
        Assert.That(prod.All, Does.Contain("Skipping BackupContainer: behind the proxy the live release keeps serving until the switch"));
        // Issue 13: the dry run is the host's mode (Frosting passes no "dryrun" argument): its Setup resolved no secret and said so.
        Assert.That(prod.All, Does.Contain("A real run of Deploy would fail before touching anything"), prod.ToString());
        Assert.That(dev.StdOut, Does.Contain("This was a dry run."));
        Assert.That(File.Exists(Path.Combine(Repo.Root, ".deploy", "secrets.prod")), Is.False, "a dry run must not write secrets");
        Assert.That(File.Exists(history) ? File.ReadAllText(history) : null, Is.EqualTo(historyBefore), "a dry run changes nothing, so it is no run to record");
    }

    [Test]
    public void Exclusive_runs_only_the_target()
    {
        var result = Tool.Run("--target=Deploy", "--env=prod", "--dryrun", "--exclusive");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(Steps(result), Is.EqualTo(new[] { "Deploy" }));
    }

    [Test]
    public void An_unknown_target_fails_with_the_list_of_targets()
    {
        var result = Tool.Run("--target=Publish", "--env=dev");

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.ErrorLines, Has.Count.EqualTo(1), result.ToString());
        Assert.That(result.ErrorLines[0], Does.Contain("There is no target 'Publish'. Choose one of:").And.Contain("Deploy"));
    }

    [Test]
    public void Version_names_the_tool_and_the_commit_it_was_built_from()
    {
        var version = Tool.Run("--version");
        var info = Tool.Run("--info");

        Assert.That(version.ExitCode, Is.EqualTo(0), version.ToString());
        var head = Sandbox.Git(Repo.Root, "rev-parse", "HEAD")[..12];
        Assert.That(version.StdOut.Trim(), Does.Match($@"^kaha-deploy \d+\.\d+\.\d+ \(commit {head}\)$"));
        Assert.That(info.ExitCode, Is.EqualTo(0), info.ToString());
        Assert.That(info.StdOut, Does.Contain($"commit {head}"));
    }

    [TestCase("--help")]
    [TestCase("-h")]
    [TestCase("--target=Deploy", "--env=prod", "--help")]
    public void Help_lists_the_targets_people_run_then_the_steps_then_the_options_and_runs_nothing(params string[] arguments)
    {
        var result = Tool.Run(arguments);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var text = result.StdOut;
        int At(string what) => text.IndexOf(what, StringComparison.Ordinal);
        Assert.That(At("Targets"), Is.GreaterThanOrEqualTo(0), text);
        Assert.That(new[] { At("  Deploy "), At("  Rollback "), At("  Status "), At("  History "), At("  Logs "), At("  CI "), At("  Listen ") },
            Is.Ordered.And.All.GreaterThan(At("Targets")), "the targets people run come first, in that order");
        Assert.That(At("Steps"), Is.GreaterThan(At("  Listen ")));
        Assert.That(At("  BackupContainer "), Is.GreaterThan(At("Steps")), "the internal steps come after the targets");
        Assert.That(At("Options"), Is.GreaterThan(At("  BackupContainer ")));
        Assert.That(At("--to=COMMIT"), Is.GreaterThan(At("Options")));
        Assert.That(text, Does.Contain("rolls back to that retained release"));
        // A real Deploy of prod would have failed here: the test gives it none of prod's secrets.
        Assert.That(result.All, Does.Not.Contain("Error"), "help runs nothing");
    }

    [TestCase("kaha-deploy.dll")]
    [TestCase("Cake.Core.dll")]
    [TestCase("Spectre.Console.dll")]
    public void Build_sh_runs_the_tool_and_Cake_precompiled(string assembly)
    {
        Assert.That(Tool.Run("--version").ExitCode, Is.EqualTo(0));

        // A ReadyToRun image carries its native code in a header of its own; a plain IL assembly has none.
        using var pe = new System.Reflection.PortableExecutable.PEReader(File.OpenRead(Path.Combine(Repo.Root, "build", "bin", "tool", assembly)));
        Assert.That(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size, Is.GreaterThan(0), $"{assembly} is not ReadyToRun");
    }

    private static int IndexOf(string text, string task) => text.IndexOf(task, StringComparison.Ordinal);

    /// <summary>The numbered lines of a dry run: "1. Lock".</summary>
    private static List<string> Steps(ProcessResult result) =>
        ProcessResult.Lines(result.StdOut)
            .Select(line => System.Text.RegularExpressions.Regex.Match(line, @"^\d+\. (\w+)$"))
            .Where(match => match.Success)
            .Select(match => match.Groups[1].Value)
            .ToList();
}
