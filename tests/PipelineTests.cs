using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>The steps around the deploy: CI target, Clean, fast-forward only pulls, engine discovery, secrets file mode.</summary>
[NonParallelizable]
public sealed class PipelineTests : SandboxFixture
{
    protected override void Prepare() => Sandbox.WriteConfig();

    [Test]
    public void CI_runs_the_app_tests_then_deploys()
    {
        var result = Sandbox.Tool("--target=CI", "--env=dev");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.All, Does.Contain("Running the app's tests: npm test").And.Match(@"# pass \d+"));
        Assert.That(Http.VersionAt(Sandbox.DevUrl), Is.Not.Empty);
    }

    [Test]
    public void CI_does_not_deploy_when_the_app_tests_fail()
    {
        Sandbox.CommitInCheckout("a failing test", dir =>
            File.WriteAllText(Path.Combine(dir, "test", "zz-fails.test.js"),
                "const test = require('node:test'); const assert = require('node:assert'); test('fails', () => assert.equal(1, 2));\n"));

        var result = Sandbox.Tool("--target=CI", "--env=dev");

        Assert.That(result.ExitCode, Is.Not.EqualTo(0), result.ToString());
        Assert.That(result.All, Does.Contain("An error occurred when executing task 'AppTests'"));
        Assert.That(DockerCli.Containers(Sandbox.Prefix), Does.Not.Contain(Sandbox.DevContainer), "nothing was deployed");
    }

    [Test]
    public void Clean_empties_the_work_folder_and_removes_only_this_apps_dangling_images()
    {
        var work = Path.Combine(Sandbox.Folder, ".deploy", "dev", "work");
        Directory.CreateDirectory(work);
        File.WriteAllText(Path.Combine(work, "leftover.tar"), "x");
        var dangling = BuildLabelledImage(Sandbox.AppName);
        var foreign = BuildLabelledImage("someone-else");
        try
        {
            var result = Sandbox.Tool("--target=Clean", "--env=dev");

            Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
            Assert.That(Directory.EnumerateFileSystemEntries(work), Is.Empty);
            Assert.That(Shell.Run("docker", "image", "inspect", dangling).ExitCode, Is.Not.EqualTo(0), "this app's dangling image is gone");
            Assert.That(Shell.Run("docker", "image", "inspect", foreign).ExitCode, Is.EqualTo(0), "another app's image is not ours to remove");
        }
        finally
        {
            Shell.Run("docker", "rmi", "-f", dangling);
            Shell.Run("docker", "rmi", "-f", foreign);
        }
    }

    [Test]
    public void A_force_pushed_origin_is_refused_as_not_a_fast_forward()
    {
        Sandbox.StartBackingRedis();
        Sandbox.PushChange("two");
        Assert.That(Sandbox.Tool("--target=Deploy", "--env=prod").ExitCode, Is.EqualTo(0));
        var before = DockerCli.Snapshot(Sandbox.Prefix);
        Sandbox.Git(Sandbox.Author, "reset", "--hard", "HEAD~1");
        Sandbox.CommitAndPushForce("rewritten history", dir => File.AppendAllText(Path.Combine(dir, "README.md"), "\nother\n"));

        var result = Sandbox.Tool("--target=Deploy", "--env=prod");

        Assert.That(result.ExitCode, Is.Not.EqualTo(0));
        Assert.That(result.ErrorLines, Has.Count.EqualTo(1), result.ToString());
        Assert.That(result.ErrorLines[0], Does.Contain("not a fast-forward").And.Contain("reset"));
        Assert.That(DockerCli.Snapshot(Sandbox.Prefix), Is.EqualTo(before));
    }

    [Test]
    public void No_engine_at_DOCKER_HOST_is_one_clear_line()
    {
        var environment = new Dictionary<string, string?>(Sandbox.Secrets) { ["DOCKER_HOST"] = "unix:///nonexistent/docker.sock" };

        var result = Sandbox.ToolWith(environment, "--target=Deploy", "--env=dev");

        Assert.That(result.ExitCode, Is.Not.EqualTo(0));
        Assert.That(result.ErrorLines, Has.Count.EqualTo(1), result.ToString());
        Assert.That(result.ErrorLines[0], Does.Contain("No Docker engine answers at unix:///nonexistent/docker.sock").And.Contain("DOCKER_HOST"));
    }

    [Test]
    public void A_secrets_file_others_can_read_is_warned_about()
    {
        var secrets = Path.Combine(Sandbox.Folder, ".deploy", "secrets.dev");
        Directory.CreateDirectory(Path.GetDirectoryName(secrets)!);
        File.WriteAllText(secrets, "DEV_REDIS_PASSWORD=from-the-file-123\n");
        File.SetUnixFileMode(secrets, (UnixFileMode)Convert.ToInt32("644", 8));
        var environment = new Dictionary<string, string?>(Sandbox.Secrets) { ["DEV_REDIS_PASSWORD"] = null };
        Tool.KnownSecrets.TryAdd("from-the-file-123", 0);

        var result = Sandbox.ToolWith(environment, "--target=Lock", "--env=dev");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.All, Does.Contain($"{secrets} can be read by other users; run: chmod 600 {secrets}"));
    }

    private string BuildLabelledImage(string app) =>
        DockerCli.BuildLabelledImage(Path.Combine(Sandbox.Folder, "img-" + app), $"org.kaha.app={app} org.kaha.test={Sandbox.Prefix}");
}
