using Cake.Core;
using Cake.Core.Diagnostics;
using KahaDeploy.Configuration;
using KahaDeploy.Services;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>Slack's documented failures never fail a deploy that succeeded, and what Slack gets is masked.</summary>
[NonParallelizable]
public sealed class SlackTests
{
    private Sandbox _sandbox = null!;
    private FakeSlack _slack = null!;

    [SetUp]
    public void CreateSandbox()
    {
        _slack = new FakeSlack();
        _sandbox = new Sandbox();
        _sandbox.WriteConfig(_slack.WebhookUrl);
    }

    [TearDown]
    public void RemoveSandbox()
    {
        _sandbox.Dispose();
        _slack.Dispose();
    }

    [Test]
    public void Rate_limited_message_is_sent_again_after_retry_after()
    {
        _slack.AnswerNext(429, "rate_limited", retryAfterSeconds: 1);

        var result = _sandbox.Tool("--target=Deploy", "--env=dev");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(_slack.Messages, Has.Count.EqualTo(2), "the 429 is retried once Retry-After has passed");
        Assert.That(_slack.Messages[1]["text"]!.GetValue<string>(), Does.Contain("deploy to dev succeeded"));
        Assert.That(result.All, Does.Contain("Slack answered 429"));
    }

    [Test]
    public void A_revoked_webhook_is_reported_and_the_deploy_still_succeeds()
    {
        _slack.AnswerNext(404, "no_service");

        var result = _sandbox.Tool("--target=Deploy", "--env=dev");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(_slack.Messages, Has.Count.EqualTo(1), "a 404 is not retried");
        Assert.That(result.All, Does.Contain("Slack refused the message (404 no_service)"));
        Assert.That(Http.VersionAt(_sandbox.DevUrl), Is.Not.Empty);
    }

    [Test]
    public void Server_errors_are_retried_within_reason()
    {
        _slack.AnswerNext(500, "internal_error");
        _slack.AnswerNext(503, "unavailable");
        _slack.AnswerNext(503, "unavailable");

        var result = _sandbox.Tool("--target=Deploy", "--env=dev");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(_slack.Messages, Has.Count.EqualTo(3));
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

    private sealed class NullLog : ICakeLog
    {
        public Verbosity Verbosity { get; set; }

        public void Write(Verbosity verbosity, LogLevel level, string format, params object[] args)
        {
        }
    }
}
