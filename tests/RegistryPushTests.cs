using KahaDeploy.Configuration;
using KahaDeploy.Services.Docker;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Issue 15, item 2 (the engine's part): an image pushed through the Engine API with the registry's login reaches the
/// swarm's registry, whose nodes then pull it; a wrong password and an unreachable registry each end in one line that
/// says which. On the harness's real registry (Debian's docker-registry with htpasswd); explicit like the harness.
/// </summary>
[Explicit("builds a two-node swarm; run with --filter Category=Swarm")]
[Category("Swarm")]
[NonParallelizable]
public sealed class RegistryPushTests
{
    private TwoNodeSwarm _swarm = null!;
    private DockerEngine _engine = null!;
    private string _folder = null!;
    private string _repository = null!;

    [OneTimeSetUp]
    public void StartSwarm()
    {
        _swarm = new TwoNodeSwarm();
        _engine = new DockerEngine(new Uri(DockerEngine.DefaultEndpoint));
        _folder = Directory.CreateTempSubdirectory("kaha-push-").FullName;
        _repository = $"{_swarm.RegistryOnLoopback}/ksw-push-{Path.GetFileName(_folder)[^6..].ToLowerInvariant()}";
        DockerCli.BuildLabelledImage(_folder, "org.kaha.test=push", $"{_repository}:1");
    }

    [OneTimeTearDown]
    public void RemoveSwarm()
    {
        Shell.Run("docker", "rmi", $"{_repository}:1");
        Directory.Delete(_folder, recursive: true);
        _engine.Dispose();
        _swarm.Dispose();
    }

    [Test]
    public void A_push_with_the_login_reaches_the_registry_and_a_node_pulls_it()
    {
        var output = new List<string>();

        _engine.PushImageAsync(_repository, "1", new RegistryLogin(_swarm.RegistryUser, _swarm.RegistryPassword), output.Add, CancellationToken.None)
            .GetAwaiter().GetResult();

        Assert.That(output, Has.Some.Match("^1: digest: sha256:[0-9a-f]{64}"), string.Join('\n', output));
        var onNode = $"{_swarm.Registry}/{_repository[(_repository.IndexOf('/') + 1)..]}:1";
        Assert.That(Shell.Run("docker", "-H", _swarm.Worker.DockerHost, "--config", _swarm.CliConfig, "pull", onNode).ExitCode, Is.EqualTo(0),
            "the worker pulls what was pushed");
    }

    [Test]
    public void A_wrong_password_is_one_line_that_says_the_login_was_refused()
    {
        var wrong = "not-" + _swarm.RegistryPassword;

        var error = Assert.ThrowsAsync<RegistryPushException>(() =>
            _engine.PushImageAsync(_repository, "1", new RegistryLogin(_swarm.RegistryUser, wrong), _ => { }, CancellationToken.None))!;

        Assert.That(error.Message, Does.StartWith($"the registry {_swarm.RegistryOnLoopback} refused the login to push {_repository}:1 (")
            .And.EndWith("check the registry's user and password secrets.")
            .And.Not.Contain(wrong).And.Not.Contain("\n"));
    }

    [Test]
    public void An_unreachable_registry_is_one_line_that_says_so()
    {
        var nowhere = $"127.0.0.1:{FreePort.OnLoopback()}/ksw-push-nowhere";
        Shell.Must("docker", "tag", $"{_repository}:1", $"{nowhere}:1");
        try
        {
            var error = Assert.ThrowsAsync<RegistryPushException>(() =>
                _engine.PushImageAsync(nowhere, "1", null, _ => { }, CancellationToken.None))!;

            Assert.That(error.Message, Does.StartWith($"the registry {nowhere[..nowhere.IndexOf('/')]} cannot be reached to push {nowhere}:1 (")
                .And.Contain("connection refused").And.Not.Contain("\n"));
        }
        finally
        {
            Shell.Run("docker", "rmi", $"{nowhere}:1");
        }
    }
}
