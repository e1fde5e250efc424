using System.Text.Json.Nodes;
using KahaDeploy.Services.Releases;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Issue 11, item 5: the tool killed (SIGKILL) right after the engine did the k-th rename of a sequence, for every k, loses
/// no release; Status tells what serves meanwhile; the next run finishes (or reverts) the sequence from its journal, or
/// from the names alone when the journal is gone; Rollback afterwards goes to the right version. The kill point is exact:
/// <see cref="EngineRelay"/> freezes the tool as the engine answers its k-th rename, before the tool reads the answer.
/// </summary>
[NonParallelizable]
public sealed class RenameJournalTests : SandboxFixture
{
    [Test]
    public void A_kill_at_each_rename_of_a_prod_deploy_or_rollback_loses_no_release_and_the_url_answers_throughout()
    {
        Sandbox.WriteConfig(adjust: config =>
        {
            var prod = config["environments"]!["prod"]!;
            prod["healthTimeoutSeconds"] = 10;
            // A standby window longer than the test: the replaced release stays a running standby, so a rollback is one switch.
            prod["proxy"] = new JsonObject { ["enabled"] = true, ["healthyInARow"] = 2, ["drainSeconds"] = 0, ["standbySeconds"] = 600, ["warmupRequests"] = 0 };
            prod["retain"] = 10;
        });
        Sandbox.StartBackingRedis();
        Must("--target=Deploy", "--env=prod");
        Sandbox.PushChange("second release");
        Must("--target=Deploy", "--env=prod");
        var name = Sandbox.ProdContainer;
        var load = new LoadProbe(Sandbox.ProdUrl);

        // Deploy: after the switch, the old NAME_previous retires, NAME becomes NAME_previous, NAME_next becomes NAME.
        for (var k = 1; k <= 3; k++)
        {
            var before = Releases(name);
            var was = VersionOf(name);
            var pushed = Sandbox.PushChange($"deploy killed at rename {k}")[..12];
            var context = KillAtRename(k, "--target=Deploy", "--env=prod");

            var after = Releases(name);
            Assert.That(after.Keys, Is.SupersetOf(before.Keys), "no release was removed: " + context);
            Assert.That(after, Has.Count.EqualTo(before.Count + 1), context);
            Assert.That(Http.VersionAt(Sandbox.ProdUrl), Is.EqualTo(pushed), context);
            var status = Status("prod");
            Assert.That(status["live"]!["version"]!.GetValue<string>(), Is.EqualTo(pushed), "Status names what serves: " + context);
            Assert.That(status["health"]!.GetValue<string>(), Is.EqualTo("healthy"), context);
            Assert.That(Warnings(status), Has.Some.Contains("renaming after the switch of a run interrupted").And.Some.Contains("finishes it"), context);

            // The commit is live already, so the deploy changes nothing else: what it finished is the journal's work alone.
            var next = Must("--target=Deploy", "--env=prod");
            Assert.That(next.All, Does.Contain("Finished the renaming after the switch interrupted at"), next.ToString());
            Assert.That(Releases(name).Keys, Is.EquivalentTo(after.Keys), "the next run removed no release either");
            Assert.That(VersionOf(name), Is.EqualTo(pushed));
            Assert.That(VersionOf(name + "_previous"), Is.EqualTo(was));
            Assert.That(Warnings(Status("prod")), Is.Empty, "the names follow the route again");
        }

        // Rollback to the warm standby: NAME and NAME_previous swap places through NAME_swapping.
        for (var k = 1; k <= 3; k++)
        {
            var before = Releases(name);
            var live = VersionOf(name);
            var previous = VersionOf(name + "_previous");
            var context = KillAtRename(k, "--target=Rollback", "--env=prod");
            if (k == 2)
            {
                // The whole state folder lost: the engine's names alone must lead the next run.
                Directory.Delete(Sandbox.StateFolder("prod"), recursive: true);
            }

            Assert.That(Releases(name).Keys, Is.EquivalentTo(before.Keys), "no release was removed: " + context);
            Assert.That(Http.VersionAt(Sandbox.ProdUrl), Is.EqualTo(previous), context);
            Assert.That(Status("prod")["live"]!["version"]!.GetValue<string>(), Is.EqualTo(previous), "Status names what serves: " + context);

            // The next Rollback first finishes the killed one, then rolls back from there: to the release live before it.
            var next = Must("--target=Rollback", "--env=prod");
            Assert.That(next.All, Does.Contain(k == 2 ? "parked by an interrupted swap" : "Finished the renaming after the switch"), next.ToString());
            Assert.That(Releases(name).Keys, Is.EquivalentTo(before.Keys), "the next run removed no release either");
            Assert.That(Http.VersionAt(Sandbox.ProdUrl), Is.EqualTo(live));
            Assert.That(VersionOf(name), Is.EqualTo(live));
            Assert.That(VersionOf(name + "_previous"), Is.EqualTo(previous));
        }

        load.StopAsync().GetAwaiter().GetResult();
        Assert.That(load.Failures, Is.Empty, "the public URL answered throughout");
        Assert.That(load.Requests, Is.GreaterThan(0));
    }

    [Test]
    public void A_kill_at_each_rename_of_a_dev_backup_or_rollback_swap_loses_no_release_and_the_next_run_reverts_it()
    {
        Sandbox.WriteConfig();
        Must("--target=Deploy", "--env=dev");
        Sandbox.CommitInCheckout("second release", dir => File.AppendAllText(Path.Combine(dir, "README.md"), "\nsecond\n"));
        Must("--target=Deploy", "--env=dev");
        var name = Sandbox.DevContainer;

        // Deploy's backup: NAME_previous becomes NAME_older, the stopped NAME becomes NAME_previous.
        for (var k = 1; k <= 2; k++)
        {
            var before = Releases(name);
            var was = VersionOf(name);
            var committed = Sandbox.CommitInCheckout($"deploy killed at rename {k}", dir => File.AppendAllText(Path.Combine(dir, "README.md"), $"\nkilled {k}\n"))[..12];
            var context = KillAtRename(k, "--target=Deploy", "--env=dev");

            Assert.That(Releases(name).Keys, Is.EquivalentTo(before.Keys), "no release was removed: " + context);
            Assert.That(Warnings(Status("dev")), Has.Some.Contains("backup of the live release of a run interrupted").And.Some.Contains("reverts it"), context);

            var next = Must("--target=Deploy", "--env=dev");
            Assert.That(next.All, Does.Contain("Reverted the backup of the live release interrupted at"), next.ToString());
            Assert.That(Http.VersionAt(Sandbox.DevUrl), Is.EqualTo(committed));
            Assert.That(VersionOf(name + "_previous"), Is.EqualTo(was), "the release live before the killed deploy is the one to roll back to");
        }

        // Rollback's swap: NAME stops, NAME_previous and NAME trade names through NAME_swapping, the new NAME starts.
        for (var k = 1; k <= 3; k++)
        {
            var before = Releases(name);
            var live = VersionOf(name);
            var previous = VersionOf(name + "_previous");
            var context = KillAtRename(k, "--target=Rollback", "--env=dev");
            Assert.That(Releases(name).Keys, Is.EquivalentTo(before.Keys), "no release was removed: " + context);
            if (k == 2)
            {
                // The journal lost: NAME_swapping is the release that was live, never a leftover to remove.
                File.Delete(Path.Combine(Sandbox.StateFolder("dev"), RenameJournal.FileName));
            }
            else
            {
                Assert.That(Warnings(Status("dev")), Has.Some.Contains("rollback swap of a run interrupted").And.Some.Contains("reverts it"), context);
            }

            var next = Must("--target=Rollback", "--env=dev");
            Assert.That(next.All, Does.Contain(k == 2 ? "parked by an interrupted swap" : "Reverted the rollback swap interrupted at"), next.ToString());
            Assert.That(Releases(name).Keys, Is.EquivalentTo(before.Keys), "the next run removed no release either");
            Assert.That(Http.VersionAt(Sandbox.DevUrl), Is.EqualTo(previous), "the next rollback went to the release before the live one");
            Assert.That(VersionOf(name + "_previous"), Is.EqualTo(live));

            var back = Must("--target=Rollback", "--env=dev");
            Assert.That(Http.VersionAt(Sandbox.DevUrl), Is.EqualTo(live), "and the one after rolls forward again: " + back);
        }
    }

    /// <summary>Runs the tool through an <see cref="EngineRelay"/> that freezes it at the engine's k-th rename answer, then kills it.</summary>
    private string KillAtRename(int k, params string[] arguments)
    {
        Tool.Running? tool = null;
        using var relay = new EngineRelay(k, () => tool?.Id);
        var environment = new Dictionary<string, string?>(Sandbox.Secrets) { ["KAHA_DEPLOY_DATA_HOME"] = Sandbox.DataHome, ["DOCKER_HOST"] = relay.DockerHost };
        using (tool = Tool.Start(arguments.Append($"--config={Sandbox.ConfigFile}").Append("--verbosity=verbose"), environment))
        {
            var frozen = relay.WaitForFreeze(TimeSpan.FromMinutes(3), () => tool.WaitForExit(TimeSpan.Zero));
            Assert.That(frozen, Is.True, $"{string.Join(' ', arguments)} reached its rename {k}{(relay.FreezeError is { } error ? $" but the freeze did not hold ({error})" : "")}:\n{tool.Output}");
            tool.Kill();
            var env = arguments.First(a => a.StartsWith("--env=", StringComparison.Ordinal))["--env=".Length..];
            var journal = File.Exists(Path.Combine(Sandbox.StateFolder(env), RenameJournal.FileName)) ? "present" : "absent";
            var context = $"{string.Join(' ', arguments)} killed at rename {k} (rename journal {journal}):\n{tool.Output}";
            TestContext.Progress.WriteLine($"killed {string.Join(' ', arguments)} at rename {k}, journal {journal}: {string.Join(", ", Releases(env == "dev" ? Sandbox.DevContainer : Sandbox.ProdContainer).Values.Order())}");
            return context;
        }
    }

    private ProcessResult Must(params string[] arguments)
    {
        var result = Sandbox.Tool(arguments);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        return result;
    }

    /// <summary>The environment's release containers, id to name, as the engine lists them by their labels.</summary>
    private static Dictionary<string, string> Releases(string service) =>
        Shell.Must("docker", "ps", "-a", "--no-trunc", "--filter", $"label=org.kaha.service={service}", "--filter", "label=org.kaha.role=app", "--format", "{{.ID}} {{.Names}}")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => p[1]);

    private static string VersionOf(string container) => DockerCli.Inspect(container, "{{index .Config.Labels \"org.kaha.version\"}}").Trim();

    private JsonNode Status(string environment)
    {
        var status = Sandbox.Tool("--target=Status", $"--env={environment}", "--json");
        Assert.That(status.ExitCode, Is.EqualTo(0), status.ToString());
        return JsonNode.Parse(status.StdOut)!["environments"]![0]!;
    }

    private static List<string> Warnings(JsonNode status) => status["warnings"]!.AsArray().Select(w => w!.GetValue<string>()).ToList();
}
