using System.Text.Json;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Swarm;

/// <summary>
/// The app as the Swarm service NAME on the overlay network NAME: <c>swarm.replicas</c> tasks spread over the nodes, no
/// published port (each node's proxy publishes), a health check Swarm runs in each task, and an update config that
/// rolls the whole update back when a new task fails.
/// </summary>
public sealed class SwarmApp(DockerConnector docker, SwarmNodes nodes, ICakeLog log)
{
    // Each check starts a node process in the task. With checks every 1 s and 2 s to answer, Swarm replaced a serving task
    // right after a deploy on a node loaded far beyond its 2 cores (seen once in the tests; slow checks are the likely cause).
    // A generous timeout costs nothing while the app answers; a hung app is found unhealthy after about half a minute.
    private static readonly TimeSpan HealthInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan HealthRequestTimeout = TimeSpan.FromSeconds(8);
    private const int HealthRetries = 3;

    /// <summary>
    /// On the service: the release it replaced (commit, version, image). Swarm's own previous spec is lost when it rolls a
    /// failed update back, so Rollback reads these, and a Rollback sets them to the release it replaced: run again, it rolls forward.
    /// </summary>
    public const string PreviousCommitLabel = "org.kaha.previous.commit";
    public const string PreviousVersionLabel = "org.kaha.previous.version";
    public const string PreviousImageLabel = "org.kaha.previous.image";

    public Task<SwarmServiceInfo?> InspectAsync(DeploySettings settings) => docker.Engine.InspectServiceAsync(settings.Container);

    /// <summary>
    /// Makes the service run <paramref name="image"/> as <paramref name="version"/>: creates it, or changes its spec so that
    /// Swarm rolls its tasks over. Returns the service right after the change.
    /// </summary>
    public async Task<SwarmServiceInfo> ReleaseAsync(DeploySettings settings, ReleaseVersion version, string image, string performer)
    {
        var engine = docker.Engine;
        var swarm = settings.Swarm!;
        await engine.EnsureOverlayNetworkAsync(settings.Container, new Dictionary<string, string> { [ReleaseNames.AppLabel] = settings.AppName });
        var existing = await engine.InspectServiceAsync(settings.Container);
        var labels = AppContainers.ReleaseLabels(settings, version, performer);
        if (existing?.Labels.GetValueOrDefault(ReleaseNames.CommitLabel) is { } replaced && replaced != version.Commit)
        {
            labels[PreviousCommitLabel] = replaced;
            labels[PreviousVersionLabel] = existing.Labels.GetValueOrDefault(ReleaseNames.VersionLabel) ?? replaced;
            labels[PreviousImageLabel] = existing.Image;
        }
        else if (existing is not null)
        {
            // The same commit again (--force, or other settings): what it replaced is still the one before.
            foreach (var key in new[] { PreviousCommitLabel, PreviousVersionLabel, PreviousImageLabel })
            {
                if (existing.Labels.GetValueOrDefault(key) is { } value)
                {
                    labels[key] = value;
                }
            }
        }

        // Several replicas must be on several nodes, so that a node lost keeps the app served: spread is only Swarm's
        // preference, and a start-first update places the new task while the old ones still count (both landed on one node).
        // So, when there are as many ready nodes as replicas: at most one task a node, and each old task stops before its
        // replacement is placed (the other replicas serve meanwhile; each proxy retries a refused request on another task).
        // Otherwise (one replica, an update replacing all at once, a node down, constraints that may rule nodes out) a
        // replacement starts first, as no other task might serve meanwhile.
        var readyNodes = (await nodes.ListAsync(fresh: true)).Count(n => !n.Down && n.Availability == "active");
        var onePerNode = swarm.Replicas > 1 && swarm.UpdateParallelism < swarm.Replicas && swarm.Placement.Count == 0 && readyNodes >= swarm.Replicas;
        var spec = new SwarmServiceSpec(
            settings.Container,
            image,
            AppContainers.ReleaseEnvironment(settings, version),
            labels,
            settings.Container,
            swarm.Replicas,
            [],
            HealthCheck(settings),
            swarm.UpdateParallelism,
            StartFirst: !onePerNode,
            swarm.Placement,
            new Dictionary<string, string>(),
            MaxPerNode: onePerNode ? 1 : 0);
        if (existing is null)
        {
            await engine.CreateServiceAsync(spec, swarm.Login);
            log.Information("Created the service {0}: {1} task(s) of {2}.", settings.Container, swarm.Replicas, image);
            return (await engine.InspectServiceAsync(settings.Container))!;
        }

        var updated = await engine.UpdateServiceAsync(spec, swarm.Login);
        log.Information(onePerNode
                ? "Updated the service {0} to {1}: Swarm replaces {2} task(s) at a time, the other tasks serving meanwhile."
                : "Updated the service {0} to {1}: Swarm replaces {2} task(s) at a time, each new one healthy before its old one stops.",
            settings.Container, image, swarm.UpdateParallelism);
        return updated;
    }

    /// <summary>In exec form: the image needs node (the app's own runtime), not a shell.</summary>
    private static ServiceHealthCheck HealthCheck(DeploySettings settings)
    {
        var url = new Uri(new Uri($"http://127.0.0.1:{settings.AppPort}"), settings.HealthPath).ToString();
        var script = $"require('http').get({JsonSerializer.Serialize(url)},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))";
        return new ServiceHealthCheck(["node", "-e", script], HealthInterval, HealthRequestTimeout, HealthRetries, settings.HealthTimeout);
    }
}
