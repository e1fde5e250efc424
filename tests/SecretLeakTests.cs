using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Acceptance 6 (and issue 5's acceptance 4): known secret values never show up in what the tool prints, writes
/// (run logs, history), posts (Slack messages and uploaded logs) or runs.
/// </summary>
[NonParallelizable]
public sealed class SecretLeakTests
{
    [Test]
    public void Secrets_stay_out_of_output_files_slack_and_app_logs_through_deploy_failure_and_rollback()
    {
        using var slack = new FakeSlack();
        using var sandbox = new Sandbox();
        sandbox.WriteConfig(slack.WebhookUrl, config => config["environments"]!["prod"]!["healthTimeoutSeconds"] = 5, slackBot: slack);
        var outputs = new List<ProcessResult>
        {
            sandbox.Tool("--target=StartRedis", "--env=backing", "--verbosity=diagnostic"),
            sandbox.Tool("--target=Deploy", "--env=prod", "--verbosity=diagnostic"),
            sandbox.Tool("--target=Deploy", "--env=dev", "--verbosity=diagnostic"),
        };
        sandbox.PushChange("second");
        outputs.Add(sandbox.Tool("--target=Deploy", "--env=prod", "--verbosity=diagnostic"));
        // A careless release that prints its secrets and fails its health check: the tool shows the app's last lines
        // on the console, in the run's log and in the log it uploads to Slack, and must mask them everywhere.
        sandbox.CommitAndPush("broken", dir =>
        {
            var server = Path.Combine(dir, "server.js");
            File.WriteAllText(server, File.ReadAllText(server).Replace("process.env.FAIL_HEALTH === '1'", "true")
                + "\nconsole.log(`leaky: DB_PASSWORD=${process.env.DB_PASSWORD} REDIS_URL=${process.env.REDIS_URL}`);\n");
        });
        outputs.Add(sandbox.Tool("--target=Deploy", "--env=prod", "--verbosity=diagnostic"));
        outputs.Add(sandbox.Tool("--target=Rollback", "--env=prod", "--verbosity=diagnostic"));
        outputs.Add(sandbox.Tool("--target=Status", "--json"));
        outputs.Add(sandbox.Tool("--target=History", "--env=prod"));
        outputs.Add(sandbox.Tool("--target=Logs", "--env=prod", "--log-format=json"));

        Assert.That(outputs.Select(o => o.ExitCode), Is.EqualTo(new[] { 0, 0, 0, 0, 1, 0, 0, 0, 0 }), string.Join("\n", outputs));
        Assert.That(slack.Received.Select(r => r.Path), Has.Some.StartsWith("/upload/"), "the failed deploy's log was uploaded");
        Assert.That(slack.Messages, Has.Count.EqualTo(4), "Slack heard about every successful run, prod's and dev's");

        var prodLogs = Directory.GetFiles(Path.Combine(sandbox.StateFolder("prod"), "logs"));
        Assert.That(prodLogs, Has.Length.EqualTo(4), "a log per prod deploy and rollback");
        Assert.That(File.ReadAllLines(Path.Combine(sandbox.StateFolder("prod"), "history.jsonl")), Has.Length.EqualTo(4));
        var failedLog = File.ReadAllText(prodLogs.Order(StringComparer.Ordinal).ElementAt(2));
        Assert.That(failedLog, Does.Contain("leaky: DB_PASSWORD=*** REDIS_URL=***"), "the secrets reached the log, masked");

        var places = new Dictionary<string, string>
        {
            ["console output"] = string.Join("\n", outputs.Select(o => o.All)),
            ["slack payloads and uploads"] = string.Join("\n", slack.Received.Select(r => r.Body + "\n" + string.Join("\n", r.Form.Values))),
            ["app container logs"] = Shell.Run("docker", "logs", sandbox.ProdContainer).All + Shell.Run("docker", "logs", sandbox.DevContainer).All,
        };

        // Every file the tool keeps: run logs, history lines, run markers, locks (but the secrets files themselves).
        foreach (var file in Directory.EnumerateFiles(Path.Combine(sandbox.Folder, ".deploy"), "*", SearchOption.AllDirectories)
                     .Where(f => !Path.GetFileName(f).StartsWith("secrets.", StringComparison.Ordinal) && !f.EndsWith(".sock", StringComparison.Ordinal)))
        {
            places[file] = File.ReadAllText(file);
        }

        foreach (var (name, value) in sandbox.Secrets)
        {
            foreach (var (place, text) in places)
            {
                Assert.That(text, Does.Not.Contain(value!), $"{name} leaked into {place}");
            }
        }

        Assert.That(places["console output"], Does.Contain("***").Or.Not.Contain("redis://:"), "URLs with passwords are shown masked if at all");
    }
}
