using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>Acceptance 6: known secret values never show up in what the tool prints, writes, posts or runs.</summary>
[NonParallelizable]
public sealed class SecretLeakTests
{
    [Test]
    public void Secrets_stay_out_of_output_files_slack_and_app_logs_through_deploy_failure_and_rollback()
    {
        using var slack = new FakeSlack();
        using var sandbox = new Sandbox();
        sandbox.WriteConfig(slack.WebhookUrl, config => config["environments"]!["prod"]!["healthTimeoutSeconds"] = 5);
        var outputs = new List<ProcessResult>
        {
            sandbox.Tool("--target=StartRedis", "--env=backing", "--verbosity=diagnostic"),
            sandbox.Tool("--target=Deploy", "--env=prod", "--verbosity=diagnostic"),
            sandbox.Tool("--target=Deploy", "--env=dev", "--verbosity=diagnostic"),
        };
        sandbox.PushChange("second");
        outputs.Add(sandbox.Tool("--target=Deploy", "--env=prod", "--verbosity=diagnostic"));
        sandbox.PushBrokenRelease();
        outputs.Add(sandbox.Tool("--target=Deploy", "--env=prod", "--verbosity=diagnostic"));
        outputs.Add(sandbox.Tool("--target=Rollback", "--env=prod", "--verbosity=diagnostic"));
        outputs.Add(sandbox.Tool("--target=Status", "--json"));

        Assert.That(outputs.Select(o => o.ExitCode), Is.EqualTo(new[] { 0, 0, 0, 0, 1, 0, 0 }), string.Join("\n", outputs));
        Assert.That(slack.Received, Has.Count.GreaterThanOrEqualTo(4), "Slack heard about every prod run");

        var places = new Dictionary<string, string>
        {
            ["console output"] = string.Join("\n", outputs.Select(o => o.All)),
            ["slack payloads"] = string.Join("\n", slack.Received.Select(r => r.Body)),
            ["app container logs"] = Shell.Run("docker", "logs", sandbox.ProdContainer).All + Shell.Run("docker", "logs", sandbox.DevContainer).All,
        };
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
