using System.Text;
using System.Text.Json.Nodes;
using Cake.Core;
using Cake.Core.Diagnostics;
using KahaDeploy.Configuration;
using KahaDeploy.Output;
using KahaDeploy.Services.Slack;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Slack's documented failures never fail a deploy that succeeded, and what Slack gets is masked. Issue 5, acceptance 3:
/// a success is one compact message; a failure names the task and the error and brings the log, uploaded through
/// Slack's three-call file upload when a bot token is configured, else as its last lines.
/// </summary>
[NonParallelizable]
public sealed class SlackTests() : SandboxFixture(withSlack: true)
{
    private const string UploadUrlMethod = "/api/files.getUploadURLExternal";
    private const string CompleteMethod = "/api/files.completeUploadExternal";

    protected override void Prepare() => Sandbox.WriteConfig(Slack.WebhookUrl);

    [Test]
    public void Rate_limited_message_is_sent_again_after_retry_after()
    {
        Slack.AnswerNext(429, "rate_limited", retryAfterSeconds: 1);

        var result = Sandbox.Tool("--target=Deploy", "--env=dev");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(Slack.Messages, Has.Count.EqualTo(2), "the 429 is retried once Retry-After has passed");
        Assert.That(Slack.Messages[1]["text"]!.GetValue<string>(), Does.Contain("deploy to dev succeeded"));
        Assert.That(result.All, Does.Contain("Slack answered 429"));
    }

    [Test]
    public void A_revoked_webhook_is_reported_and_the_deploy_still_succeeds()
    {
        Slack.AnswerNext(404, "no_service");

        var result = Sandbox.Tool("--target=Deploy", "--env=dev");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(Slack.Messages, Has.Count.EqualTo(1), "a 404 is not retried");
        Assert.That(result.All, Does.Contain("Slack refused the message (404 no_service)"));
        Assert.That(Http.VersionAt(Sandbox.DevUrl), Is.Not.Empty);
    }

    [Test]
    public void Server_errors_are_retried_within_reason()
    {
        Slack.AnswerNext(500, "internal_error");
        Slack.AnswerNext(503, "unavailable");
        Slack.AnswerNext(503, "unavailable");

        var result = Sandbox.Tool("--target=Deploy", "--env=dev");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(Slack.Messages, Has.Count.EqualTo(3));
        Assert.That(result.All, Does.Contain("Slack did not take the message after 3 attempts"));
    }

    [Test]
    public void Report_has_block_kit_and_a_text_fallback_with_secrets_masked()
    {
        var masker = new SecretMasker();
        masker.Add("hunter2-secret");
        var notifier = new SlackNotifier(new SlackClient(new NullLog(), masker), masker, new NullLog());

        var payload = notifier.Render(new SlackNotifier.Report("kaha", "prod", "deploy", false, "abc123def456", "alice (cli)",
            TimeSpan.FromSeconds(12.5), "HealthCheck", "redis://:hunter2-secret@redis:6379 refused"));

        var json = payload.ToJsonString();
        Assert.That(json, Does.Not.Contain("hunter2-secret"));
        Assert.That(payload["text"]!.GetValue<string>(), Does.Contain("kaha deploy to prod FAILED").And.Contain("abc123def456").And.Contain("HealthCheck"));
        var blocks = payload["blocks"]!.AsArray();
        Assert.That(blocks[0]!["type"]!.GetValue<string>(), Is.EqualTo("header"));
        Assert.That(json, Does.Contain("*Failed task*\\nHealthCheck").And.Contain("alice (cli)").And.Contain("12.5 s"));
    }

    [Test]
    public void The_console_masks_every_resolved_secret()
    {
        var masker = new SecretMasker();
        masker.Add("s3cr3t-value");
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            var environment = new CakeEnvironment(new CakePlatform(), new CakeRuntime());
            var log = new CakeBuildLog(new MaskingConsole(environment, new ConsoleLayout(JsonLines: false, DataOnStdout: false), masker));
            log.Information("connecting with {0} to {1}", "s3cr3t-value", "redis");
        }
        finally
        {
            Console.SetOut(original);
        }

        var printed = string.Join("\n", ProcessResult.Lines(output.ToString()));
        Assert.That(printed, Does.Contain("connecting with *** to redis").And.Not.Contain("s3cr3t-value"));
    }

    [Test]
    public void A_success_is_one_message_with_a_link_to_the_commit_on_GitHub()
    {
        Sandbox.Git(Sandbox.Checkout, "remote", "set-url", "origin", "git@github.com:kaha-team/kaha.git");
        var commit = Sandbox.Git(Sandbox.Checkout, "rev-parse", "HEAD");

        var result = Sandbox.Tool("--target=Deploy", "--env=dev", "--performer=alice");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var message = Slack.Received.Single();
        var blocks = JsonNode.Parse(message.Body)!["blocks"]!.AsArray();
        Assert.That(blocks, Has.Count.EqualTo(1), "one compact section");
        Assert.That(blocks[0]!["text"]!["text"]!.GetValue<string>(), Does.Match(
            $@"deploy to dev succeeded\*: version <https://github\.com/kaha-team/kaha/commit/{commit}\|{commit[..12]}> · by alice \(cli\) · \d+\.\d s$"));
    }

    [Test]
    public void A_failed_deploy_uploads_its_log_in_three_calls_and_names_the_channel()
    {
        Sandbox.WriteConfig(Slack.WebhookUrl, slackBot: Slack);
        Assert.That(Sandbox.Tool("--target=Deploy", "--env=dev").ExitCode, Is.EqualTo(0));
        Slack.Received.Clear();

        var failed = FailDeploy(withBot: true);

        Assert.That(Slack.Received.Select(r => r.Path.StartsWith("/upload/", StringComparison.Ordinal) ? "/upload/ID" : r.Path),
            Is.EqualTo(new[] { UploadUrlMethod, "/upload/ID", CompleteMethod }), "exactly the three calls, in order, and no webhook message besides");
        var (ask, upload, complete) = (Slack.Received.ElementAt(0), Slack.Received.ElementAt(1), Slack.Received.ElementAt(2));
        var fileId = upload.Path["/upload/".Length..];
        Assert.That(ask.Authorization, Is.EqualTo($"Bearer {Slack.BotToken}"));
        Assert.That(complete.Authorization, Is.EqualTo($"Bearer {Slack.BotToken}"));

        var log = File.ReadAllBytes(LogOfLastRun());
        Assert.That(ask.Form["filename"], Is.EqualTo(Path.GetFileName(LogOfLastRun())));
        Assert.That(ask.Form["length"], Is.EqualTo(upload.Bytes.Length.ToString()));
        Assert.That(log.Take(upload.Bytes.Length), Is.EqualTo(upload.Bytes), "the bytes sent are the log file");
        var uploaded = Encoding.UTF8.GetString(upload.Bytes);
        Assert.That(uploaded, Does.Contain("Executing task: BuildImage").And.Contain("An error occurred when executing task 'HealthCheck'")
            .And.Contain("did not answer"), "the whole run, up to its error, was uploaded");
        var after = Encoding.UTF8.GetString(log[upload.Bytes.Length..]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(after, Has.All.Contain("Slack: told the channel (failure), with the log attached.").Or.Contain("Error: "),
            "the file only grew by the report's own lines after it was sent");

        Assert.That(complete.Form["channel_id"], Is.EqualTo(Sandbox.SlackChannel));
        Assert.That(JsonNode.Parse(complete.Form["files"])![0]!["id"]!.GetValue<string>(), Is.EqualTo(fileId));
        Assert.That(complete.Form["initial_comment"], Does.Contain("deploy to dev FAILED").And.Contain("HealthCheck failed").And.Contain("did not answer"));
        Assert.That(failed.All, Does.Contain("Slack: told the channel (failure), with the log attached."));
    }

    [Test]
    public void With_only_a_webhook_the_failure_message_carries_the_last_lines_of_the_log()
    {
        FailDeploy(withBot: false);

        var tail = LogTailIn(Slack.Messages.Single());
        Assert.That(tail.Split('\n'), Has.Length.EqualTo(SlackNotifier.TailLines));
        Assert.That(File.ReadAllText(LogOfLastRun()), Does.Contain(tail), "the lines are the log's, as they are in the file");
        Assert.That(tail, Does.Contain("An error occurred when executing task 'HealthCheck'"));
        Assert.That(Slack.Received.Select(r => r.Path), Has.None.StartsWith("/api/"));
    }

    [Test]
    public void A_failing_upload_never_hides_the_failure()
    {
        Sandbox.WriteConfig(Slack.WebhookUrl, slackBot: Slack);
        Slack.AnswerNext(200, """{"ok":false,"error":"not_in_channel"}""", path: UploadUrlMethod);

        var failed = FailDeploy(withBot: true);

        Assert.That(failed.All, Does.Contain("Slack refused files.getUploadURLExternal (not_in_channel)"));
        var message = Slack.Messages.Single();
        Assert.That(message["text"]!.GetValue<string>(), Does.Contain("deploy to dev FAILED").And.Contain("HealthCheck"));
        Assert.That(LogTailIn(message), Does.Contain("An error occurred when executing task 'HealthCheck'"));
    }

    [Test]
    public void GitHub_remotes_in_every_form_link_to_the_commit()
    {
        const string commit = "3f2c1ab0000000000000000000000000000000aa";
        var expected = new Uri($"https://github.com/kaha-team/kaha/commit/{commit}");

        Assert.That(SlackReport.GitHubCommitUrl("https://github.com/kaha-team/kaha.git", commit), Is.EqualTo(expected));
        Assert.That(SlackReport.GitHubCommitUrl("https://github.com/kaha-team/kaha", commit), Is.EqualTo(expected));
        Assert.That(SlackReport.GitHubCommitUrl("git@github.com:kaha-team/kaha.git", commit), Is.EqualTo(expected));
        Assert.That(SlackReport.GitHubCommitUrl("ssh://git@github.com/kaha-team/kaha.git", commit), Is.EqualTo(expected));
        Assert.That(SlackReport.GitHubCommitUrl("git@gitlab.com:kaha-team/kaha.git", commit), Is.Null);
        Assert.That(SlackReport.GitHubCommitUrl("/srv/git/kaha.git", commit), Is.Null);
    }

    /// <summary>A deploy to dev whose new container answers its health check with 500 (FAIL_HEALTH), so it fails in HealthCheck.</summary>
    private ProcessResult FailDeploy(bool withBot)
    {
        Sandbox.WriteConfig(Slack.WebhookUrl, slackBot: withBot ? Slack : null, adjust: config =>
        {
            config["environments"]!["dev"]!["env"] = new JsonObject { ["FAIL_HEALTH"] = "1" };
            config["environments"]!["dev"]!["healthTimeoutSeconds"] = 3;
        });
        var result = Sandbox.Tool("--target=Deploy", "--env=dev");
        Assert.That(result.ExitCode, Is.Not.EqualTo(0), result.ToString());
        Assert.That(result.ErrorLines.Last(), Does.Contain("did not answer"));
        return result;
    }

    private string LogOfLastRun() =>
        Directory.GetFiles(Path.Combine(Sandbox.StateFolder("dev"), "logs")).Order(StringComparer.Ordinal).Last();

    /// <summary>The code block under "Last lines of the log" in a failure message.</summary>
    private static string LogTailIn(JsonObject message)
    {
        var section = message["blocks"]!.AsArray().Select(b => b!["text"]?["text"]?.GetValue<string>())
            .Single(text => text?.StartsWith("*Last lines of the log*", StringComparison.Ordinal) == true)!;
        return section.Split("```")[1];
    }

    private sealed class NullLog : ICakeLog
    {
        public Verbosity Verbosity { get; set; }

        public void Write(Verbosity verbosity, LogLevel level, string format, params object[] args)
        {
        }
    }
}
