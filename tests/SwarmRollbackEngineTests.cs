using KahaDeploy.Services.Docker;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// The engine's side of a rollback on the swarm (<see cref="DockerEngine.RollbackServiceAsync"/>): Swarm's own rollback of
/// an update swaps spec and previous spec, so one decided before the tool's rolled back undoes it and the failed release
/// is the service's spec again. Rolling back once more would then be refused (Swarm is rolling back), and the tool sets
/// the spec it rolled back to instead. On the run's swarm (<see cref="SharedSwarm"/>), with a service of no task: only
/// the specs change, as the manager records them (<c>docker service rollback</c> swaps them as Swarm's rollback does).
/// </summary>
[Category("Swarm")]
[NonParallelizable]
public sealed class SwarmRollbackEngineTests
{
    private TwoNodeSwarm _swarm = null!;
    private DockerEngine _engine = null!;
    private string _name = null!;

    [OneTimeSetUp]
    public void Connect()
    {
        _swarm = SharedSwarm.Get();
        _engine = new DockerEngine(new Uri(_swarm.Manager.DockerHost));
        _name = "ksr" + Guid.NewGuid().ToString("N")[..6];
    }

    [OneTimeTearDown]
    public void Remove()
    {
        _engine.RemoveServiceAsync(_name).GetAwaiter().GetResult();
        Shell.Run("docker", "-H", _swarm.Manager.DockerHost, "network", "rm", _name);
        _engine.Dispose();
    }

    [Test]
    public void A_rollback_that_swarm_undoes_is_set_again_and_only_then()
    {
        var good = $"{_swarm.Registry}/{_name}:good";
        var failed = $"{_swarm.Registry}/{_name}:failed";
        _engine.EnsureOverlayNetworkAsync(_name, new Dictionary<string, string>()).GetAwaiter().GetResult();
        _engine.CreateServiceAsync(Spec(good), null).GetAwaiter().GetResult();
        _engine.UpdateServiceAsync(Spec(failed), null).GetAwaiter().GetResult();

        var snapshot = _engine.RollbackServiceAsync(_name, failed, null).GetAwaiter().GetResult();

        Assert.That(snapshot, Is.Not.Null, "the service ran the failed image: it is rolled back");
        Assert.That(ImageNow(), Is.EqualTo(good));
        Assert.That(_engine.RestoreServiceAsync(_name, failed, snapshot!, null).GetAwaiter().GetResult(), Is.False,
            "nothing to set again while the rollback holds");

        // What Swarm's own rollback of the failed update does when it comes second: spec and previous spec swap.
        Assert.That(Shell.Run("docker", "-H", _swarm.Manager.DockerHost, "service", "rollback", "--detach", _name).ExitCode, Is.EqualTo(0));
        Assert.That(ImageNow(), Is.EqualTo(failed), "Swarm's rollback put the failed image back");
        Assert.That(_engine.RollbackServiceAsync(_name, failed, null).GetAwaiter().GetResult(), Is.Null,
            "a rollback while Swarm rolls back would roll forward: it is refused");

        Assert.That(_engine.RestoreServiceAsync(_name, failed, snapshot!, null).GetAwaiter().GetResult(), Is.True);

        Assert.That(ImageNow(), Is.EqualTo(good), "the spec rolled back to is set again");
        Assert.That(_swarm.Manager.Docker("service", "inspect", "--format", "{{.Spec.Labels.release}}", _name), Is.EqualTo("good"),
            "all of it, labels too");
    }

    private SwarmServiceSpec Spec(string image) => new(
        _name, image, new Dictionary<string, string>(), new Dictionary<string, string> { ["release"] = image[(image.LastIndexOf(':') + 1)..] },
        _name, Replicas: 0, [], Health: null, UpdateParallelism: 1, StartFirst: true, [], new Dictionary<string, string>());

    private string ImageNow() => _swarm.Manager.Docker("service", "inspect", "--format", "{{.Spec.TaskTemplate.ContainerSpec.Image}}", _name);
}
