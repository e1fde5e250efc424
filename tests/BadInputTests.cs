using System.Text.Json;
using System.Text.Json.Nodes;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Acceptance 5: every mistake a tired person can make gets one "Error:" line naming the problem and the fix,
/// a non-zero exit, and leaves the running containers exactly as they were.
/// </summary>
[NonParallelizable]
public sealed class BadInputTests() : SandboxFixture(SandboxPer.Class)
{
    private string _goodConfig = null!;
    private string _before = null!;

    protected override void Prepare()
    {
        Sandbox.WriteConfig();
        _goodConfig = File.ReadAllText(Sandbox.ConfigFile);
        var deploy = Sandbox.Tool("--target=Deploy", "--env=dev");
        Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());
    }

    [SetUp]
    public void RememberContainers()
    {
        File.WriteAllText(Sandbox.ConfigFile, _goodConfig);
        _before = DockerCli.Snapshot(Sandbox.Prefix);
    }

    [TearDown]
    public void NothingChanged() =>
        Assert.That(DockerCli.Snapshot(Sandbox.Prefix), Is.EqualTo(_before), "a refused command must leave the containers untouched");

    [Test]
    public void Unknown_environment() =>
        Expect.OneErrorLine(Sandbox.Tool("--target=Deploy", "--env=qa"), "Unknown environment 'qa'", "dev, backing, prod");

    [Test]
    public void Missing_environment() =>
        Expect.OneErrorLine(Sandbox.Tool("--target=Deploy"), "--env is required", "--env=dev");

    [Test]
    public void Malformed_json_names_line_and_column()
    {
        var lines = _goodConfig.Split('\n').ToList();
        var line = lines.FindIndex(l => l.Contains("\"port\": 3000", StringComparison.Ordinal));
        lines[line] = lines[line].Replace("3000,", "3000,,");
        File.WriteAllText(Sandbox.ConfigFile, string.Join('\n', lines));

        Expect.OneErrorLine(Sandbox.Tool("--target=Deploy", "--env=dev"), $"cake-config.json:{line + 1}:", "invalid JSON", "fix the syntax");
    }

    [Test]
    public void Unknown_key_is_named_with_its_path() =>
        Expect.OneErrorLine(Edit(c => c["environments"]!["dev"]!["mountSorce"] = true), "environments.dev", "unknown key \"mountSorce\"");

    [Test]
    public void Missing_key_is_named() =>
        Expect.OneErrorLine(Edit(c => c["app"]!.AsObject().Remove("port")), "app", "missing key \"port\"");

    [Test]
    public void Wrong_type_is_named() =>
        Expect.OneErrorLine(Edit(c => c["app"]!["port"] = "three thousand"), "app.port", "wrong type of value", "a whole number");

    [Test]
    public void Bad_port_mapping() =>
        Expect.OneErrorLine(Edit(c => c["environments"]!["dev"]!["ports"] = new JsonArray("127.0.0.1:99999:3000")),
            "environments.dev.ports[0]", "is not a port mapping", "127.0.0.1:8080:3000");

    [Test]
    public void Mount_checkout_without_a_mounted_source_is_refused() =>
        Expect.OneErrorLine(Edit(c => c["environments"]!["dev"]!["mountSource"] = false),
            "environments.dev.mountCheckout is true but mountSource is not", "\"mountSource\": true", "remove mountCheckout");

    [Test]
    public void Bad_restart_policy() =>
        Expect.OneErrorLine(Edit(c => c["environments"]!["dev"]!["restart"] = "sometimes"), "environments.dev.restart", "unless-stopped");

    [Test]
    public void Unresolved_secret_names_the_variable_and_the_secrets_file()
    {
        var environment = new Dictionary<string, string?>(Sandbox.Secrets) { ["PROD_DB_PASSWORD"] = null };

        Expect.OneErrorLine(Sandbox.ToolWith(environment, "--target=Deploy", "--env=prod"),
            "environments.prod.env.DB_PASSWORD", "${PROD_DB_PASSWORD} is not set", "secrets.prod");
    }

    [Test]
    public void Every_missing_secret_is_named_in_one_line()
    {
        var environment = new Dictionary<string, string?>(Sandbox.Secrets) { ["PROD_DB_PASSWORD"] = null, ["PROD_REDIS_PASSWORD"] = null };

        Expect.OneErrorLine(Sandbox.ToolWith(environment, "--target=Deploy", "--env=prod"),
            "${PROD_DB_PASSWORD} (cake-config.json: environments.prod.env.DB_PASSWORD)",
            "${PROD_REDIS_PASSWORD} (cake-config.json: environments.prod.redis.url) are not set",
            "PROD_DB_PASSWORD=..., PROD_REDIS_PASSWORD=...", "secrets.prod");
    }

    [Test]
    public void A_dry_run_names_the_missing_secrets_a_real_run_would_fail_on()
    {
        var environment = new Dictionary<string, string?>(Sandbox.Secrets) { ["PROD_DB_PASSWORD"] = null, ["PROD_REDIS_PASSWORD"] = null };

        var dryRun = Sandbox.ToolWith(environment, "--target=Deploy", "--env=prod", "--dryrun");

        Assert.That(dryRun.ExitCode, Is.EqualTo(0), dryRun.ToString());
        var warning = ProcessResult.Lines(dryRun.All).Where(l => l.Contains("would fail", StringComparison.Ordinal)).ToList();
        Assert.That(warning, Has.Count.EqualTo(1), dryRun.ToString());
        Assert.That(warning[0], Does.Contain("A real run of Deploy would fail").And.Contain("${PROD_DB_PASSWORD}").And.Contain("${PROD_REDIS_PASSWORD}"));
        Assert.That(warning[0], Does.Not.Contain("PROD_DB_PASSWORD=prod").And.Not.Contain("***"), "names only, never a value");

        var complete = Sandbox.Tool("--target=Deploy", "--env=prod", "--dryrun");
        Assert.That(complete.ExitCode, Is.EqualTo(0), complete.ToString());
        Assert.That(complete.All, Does.Not.Contain("would fail"), "with every secret set a dry run predicts success");
    }

    [Test]
    public void A_lost_secrets_file_is_named_instead_of_a_failed_health_check_later()
    {
        // As on a fresh second checkout: dev may generate its Redis password, the one the running Redis was started with is gone.
        var config = JsonNode.Parse(_goodConfig)!.AsObject();
        config["environments"]!["dev"]!["generatedSecrets"] = new JsonArray("DEV_REDIS_PASSWORD");
        File.WriteAllText(Sandbox.ConfigFile, config.ToJsonString());
        var secretsFile = Path.Combine(Sandbox.Folder, ".deploy", "secrets.dev");
        var live = Http.VersionAt(Sandbox.DevUrl);

        var started = DateTimeOffset.UtcNow;
        var result = Sandbox.ToolWith(new Dictionary<string, string?>(Sandbox.Secrets) { ["DEV_REDIS_PASSWORD"] = null }, "--target=Deploy", "--env=dev");
        var generated = File.ReadAllText(secretsFile).Trim().Split('=', 2)[1];
        Tool.KnownSecrets.TryAdd(generated, 0);
        File.Delete(secretsFile);

        Expect.OneErrorLine(result, $"Redis {Sandbox.Prefix}_dev_redis does not accept the configured password", "secrets.dev",
            $"docker rm -f {Sandbox.Prefix}_dev_redis", "redis-data/dev is kept");
        Assert.That(DateTimeOffset.UtcNow - started, Is.LessThan(TimeSpan.FromSeconds(20)), "it stops at once, not after the health check's timeout");
        Assert.That(result.All, Does.Not.Contain("healthz").And.Not.Contain(generated));
        Assert.That(Http.VersionAt(Sandbox.DevUrl), Is.EqualTo(live), "the live app keeps serving");
    }

    [Test]
    public void A_user_outside_the_docker_group_is_told_so_while_the_engine_runs()
    {
        // Status is read-only: it needs no secrets, so none are given, and the only thing this user lacks is the socket.
        string[] arguments = ["--target=Status", "--env=dev", $"--config={Sandbox.ConfigFile}"];
        var environment = new Dictionary<string, string?> { ["DOCKER_HOST"] = null, ["HOME"] = Path.GetTempPath() };
        Assert.That(Tool.Run(arguments, environment).ExitCode, Is.EqualTo(0), "as root the engine answers");

        var asNobody = Shell.Run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Path.Combine(Repo.Root, "build.sh"), .. arguments],
            Repo.Root, environment);
        Tool.Record(asNobody.All);

        Expect.OneErrorLine(asNobody, "permission denied on /var/run/docker.sock: run as root or join the docker group");
        Assert.That(asNobody.All, Does.Not.Contain("No Docker engine answers"));
    }

    [Test]
    public void Bad_sha_argument() =>
        Expect.OneErrorLine(Sandbox.Tool("--target=Deploy", "--env=prod", "--sha=not-a-commit"), "--sha=not-a-commit is not a commit id");

    // Issue 12 §1: .NET's "$" also matches before a final newline; a value must be refused whole, whatever trails it.
    [Test]
    public void A_value_with_a_trailing_newline_return_tab_or_space_is_refused_before_anything_runs(
        [Values("sha", "image", "performer")] string option,
        [Values("\n", "\r", "\t", " ")] string trailing)
    {
        var (value, refusal) = option switch
        {
            "sha" => (Sandbox.Git(Sandbox.Checkout, "rev-parse", "HEAD"), "is not a commit id"),
            "image" => ("kaha/app:v2", "is not an image reference with a tag"),
            _ => ("alice", "is not a name"),
        };
        var history = Path.Combine(Sandbox.StateFolder("dev"), "history.jsonl");
        var historyBefore = File.ReadAllText(history);

        var result = Sandbox.Tool("--target=Deploy", "--env=dev", $"--{option}={value}{trailing}");

        Expect.OneErrorLine(result, $"--{option}={value}", refusal);
        Assert.That(result.ExitCode, Is.EqualTo(2), "a command-line mistake exits 2");
        Assert.That(File.ReadAllText(history), Is.EqualTo(historyBefore), "a refused command line is no run");
    }

    [Test]
    public void Bad_lock_wait_argument() =>
        Expect.OneErrorLine(Sandbox.Tool("--target=Deploy", "--env=dev", "--lock-wait=soon"), "--lock-wait=soon is not a number of seconds");

    [Test]
    public void Bad_image_argument() =>
        Expect.OneErrorLine(Sandbox.Tool("--target=Deploy", "--env=dev", "--image=kaha app"), "--image=kaha app is not an image reference with a tag");

    [Test]
    public void Image_argument_for_an_environment_that_builds() =>
        Expect.OneErrorLine(Sandbox.Tool("--target=Deploy", "--env=dev", "--image=kaha/app:v2"),
            "--image=kaha/app:v2 needs an environment that pulls its image", "environments.dev.pullImage");

    [Test]
    public void Bad_log_format() =>
        Expect.OneErrorLine(Sandbox.Tool("--target=Deploy", "--env=dev", "--log-format=xml"), "--log-format=xml is not a log format", "--log-format=json");

    [Test]
    public void Bad_trigger() =>
        Expect.OneErrorLine(Sandbox.Tool("--target=Deploy", "--env=dev", "--trigger=push"), "--trigger=push is not a trigger", "cli, ci, github, dockerhub");

    [Test]
    public void Bad_history_and_logs_arguments()
    {
        Expect.OneErrorLine(Sandbox.Tool("--target=History", "--env=dev", "--last=0"), "--last=0 is not a number of runs", "--last=20");
        Expect.OneErrorLine(Sandbox.Tool("--target=Logs", "--env=dev", "--tail=-3"), "--tail=-3 is not a number of lines");
        Expect.OneErrorLine(Sandbox.Tool("--target=Logs", "--env=dev", "--since=yesterday"), "--since=yesterday is neither a duration nor a time", "--since=10m");
    }

    [Test]
    public void Logs_of_an_environment_never_deployed() =>
        Expect.OneErrorLine(Sandbox.Tool("--target=Logs", "--env=prod"), $"There is no {Sandbox.ProdContainer} in prod", "--target=Deploy --env=prod");

    [Test]
    public void Bad_keep_logs() =>
        Expect.OneErrorLine(Edit(c => c["environments"]!["dev"]!["keepLogs"] = 0), "environments.dev.keepLogs 0 is out of range", "1 to 10000");

    [Test]
    public void Bad_warmup_requests() =>
        Expect.OneErrorLine(Edit(c => c["environments"]!["dev"]!["proxy"] = new JsonObject { ["enabled"] = true, ["warmupRequests"] = -1 }),
            "environments.dev.proxy.warmupRequests -1 is out of range", "0 (none) to 10000");

    [Test]
    public void Slack_bot_token_without_a_channel() =>
        Expect.OneErrorLine(Edit(c => c["environments"]!["dev"]!["slack"] = new JsonObject { ["webhookUrl"] = "http://127.0.0.1:9/hook", ["botToken"] = "xoxb-1" }),
            "environments.dev.slack", "set both botToken and channel");

    [Test]
    public void Slack_channel_name_instead_of_its_id() =>
        Expect.OneErrorLine(Edit(c => c["environments"]!["dev"]!["slack"] = new JsonObject
            {
                ["webhookUrl"] = "http://127.0.0.1:9/hook", ["botToken"] = "xoxb-1", ["channel"] = "#deploys",
            }),
            "environments.dev.slack.channel \"#deploys\" is not a channel id", "C0123ABCD");

    [Test]
    public void Dirty_checkout_is_refused_before_anything_is_built()
    {
        var readme = Path.Combine(Sandbox.Checkout, "README.md");
        var original = File.ReadAllText(readme);
        File.AppendAllText(readme, "\nhot fix on the server\n");
        try
        {
            var result = Sandbox.Tool("--target=Deploy", "--env=prod");

            Expect.OneErrorLine(result, "has uncommitted changes (README.md)", "git stash");
            Assert.That(result.All, Does.Not.Contain("Building"));
        }
        finally
        {
            File.WriteAllText(readme, original);
        }
    }

    [Test]
    public void Held_lock_names_its_holder_and_the_way_out()
    {
        DeployLocks.HoldByThisProcess(Sandbox.DevContainer, "alice");
        try
        {
            Expect.OneErrorLine(Sandbox.Tool("--target=Deploy", "--env=dev"),
                "Environment 'dev' is locked by alice@", "Deploy since", "--lock-wait=SECONDS");
            Assert.That(DeployLocks.Exists(Sandbox.DevContainer), Is.True, "someone else's lock is never removed");
        }
        finally
        {
            DeployLocks.Release(Sandbox.DevContainer);
        }
    }

    [Test]
    public void Rollback_is_locked_too()
    {
        DeployLocks.HoldByThisProcess(Sandbox.DevContainer, "bob");
        try
        {
            Expect.OneErrorLine(Sandbox.Tool("--target=Rollback", "--env=dev"), "is locked by bob@");
        }
        finally
        {
            DeployLocks.Release(Sandbox.DevContainer);
        }
    }

    // Issue 10 §1: a typo never deploys. Each would once have deployed, rolled back to the wrong release, or said
    // something beside the point; now it is refused before anything runs.
    [TestCase("--target=Deploy|--env=dev|--dry-rn", "unknown option --dry-rn; did you mean --dry-run?")]
    [TestCase("--target=Rollback|--env=dev|--too=abc1234", "unknown option --too; did you mean --to?")]
    [TestCase("--target=Deploy|--evn=dev", "unknown option --evn; did you mean --env?")]
    [TestCase("--target=Deploy|--env=dev|--to=abc1234", "--to does nothing for Deploy; it is read by Rollback")]
    [TestCase("--target=Deplyo|--env=dev", "There is no target 'Deplyo'; did you mean Deploy?")]
    [TestCase("--target=Rollbak|--env=dev", "There is no target 'Rollbak'; did you mean Rollback?")]
    [TestCase("--target=Deploy|--env=dev|--lock_wait=5", "unknown option --lock_wait; did you mean --lock-wait?")]
    [TestCase("--target=Deploy|--env=dev|--verbosty=verbose", "unknown option --verbosty; did you mean --verbosity?")]
    [TestCase("--target=Deploy|--env=dev|--env=prod", "--env is given more than once (dev, prod); give it once")]
    [TestCase("--target=Deploy|--env=dev|--json", "--json does nothing for Deploy; it is read by Status")]
    [TestCase("--target=Deploy|--env=dev|--xyzzy", "unknown option --xyzzy; ./build.sh --help lists the options")]
    public void A_misspelt_option_or_target_is_refused_before_anything_runs(string arguments, string expected)
    {
        var history = Path.Combine(Sandbox.StateFolder("dev"), "history.jsonl");
        var historyBefore = File.ReadAllText(history);

        var result = Sandbox.Tool(arguments.Split('|'));

        Expect.OneErrorLine(result, expected);
        Assert.That(result.ExitCode, Is.EqualTo(2), "a command-line mistake exits 2");
        Assert.That(File.ReadAllText(history), Is.EqualTo(historyBefore), "a refused command line is no run");
    }

    [Test]
    public void Dry_run_spelt_with_a_hyphen_is_a_dry_run()
    {
        var history = Path.Combine(Sandbox.StateFolder("dev"), "history.jsonl");
        var historyBefore = File.ReadAllText(history);

        var result = Sandbox.Tool("--target=deploy", "--env=dev", "--dry-run");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.StdOut, Does.Contain("Performing dry run"));
        Assert.That(result.StdOut, Does.Contain("Targets are: Deploy"), "the target as registered, in Frosting's words");
        Assert.That(File.ReadAllText(history), Is.EqualTo(historyBefore));
    }

    private ProcessResult Edit(Action<JsonObject> change)
    {
        var config = JsonNode.Parse(_goodConfig)!.AsObject();
        change(config);
        File.WriteAllText(Sandbox.ConfigFile, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return Sandbox.Tool("--target=Deploy", "--env=dev");
    }
}
