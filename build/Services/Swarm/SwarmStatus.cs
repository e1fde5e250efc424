namespace KahaDeploy.Services.Swarm;

/// <summary>
/// What runs where on a swarm: the app service's release (and the one its last update replaced), how many of its tasks
/// run healthy (Swarm starts a task with a health check as running only once it passes), and per node its state and the
/// versions its tasks run, so a node that is down, or one still on the old version, shows.
/// </summary>
public sealed class SwarmStatus(DockerConnector docker)
{
    /// <summary>A node, its state (<c>ready</c>, <c>down</c>, ...) with the manager's reason, and the versions of the app tasks running on it.</summary>
    public sealed record NodeStatus(string Node, string State, string Message, IReadOnlyList<string> Versions, int Tasks);

    public sealed record ServiceStatus(
        StatusReader.ContainerStatus? Live, StatusReader.ContainerStatus? Previous, string Health, DateTimeOffset? DeployedAt, IReadOnlyList<NodeStatus> Nodes);

    public async Task<ServiceStatus> ReadAsync(DeploySettings settings)
    {
        var engine = docker.Engine;
        var nodes = await engine.ListNodesAsync();
        var service = await engine.InspectServiceAsync(settings.Container);
        var running = service is null
            ? []
            : (await engine.ListServiceTasksAsync(settings.Container)).Where(t => t.Running && t.DesiredState == "running").ToList();
        var perNode = nodes.Select(n =>
        {
            var tasks = running.Where(t => t.NodeId == n.Id).ToList();
            return new NodeStatus(n.DisplayName, n.State, n.Down ? DownNodes.Reason(n) : n.Message, tasks.Select(VersionOf).Distinct().Order(StringComparer.Ordinal).ToList(), tasks.Count);
        }).ToList();
        if (service is null)
        {
            return new ServiceStatus(null, null, "down", null, perNode);
        }

        var desired = service.Replicas ?? nodes.Count(n => !n.Down);
        var current = running.Count(t => t.Labels.GetValueOrDefault(ReleaseNames.CommitLabel) == service.Labels.GetValueOrDefault(ReleaseNames.CommitLabel));
        var health = current >= desired ? $"healthy ({current} of {desired} tasks)" : $"{current} of {desired} tasks healthy";
        var live = new StatusReader.ContainerStatus(
            service.Name,
            $"{running.Count}/{desired} running" + (service.UpdateState is { } update and not "completed" ? $", update {update}" : ""),
            service.Image,
            service.Labels.GetValueOrDefault(ReleaseNames.VersionLabel),
            service.Labels.GetValueOrDefault(ReleaseNames.CommitLabel),
            service.UpdatedAt,
            service.Labels.GetValueOrDefault(ReleaseNames.DeployedByLabel));
        // The release this one replaced, as the service's labels record it (Swarm's own previous spec is gone after its rollback).
        var previous = service.Labels.GetValueOrDefault(SwarmApp.PreviousCommitLabel) is not { } previousCommit
            ? null
            : new StatusReader.ContainerStatus(
                $"{service.Name} (replaced)",
                "replaced",
                service.Labels.GetValueOrDefault(SwarmApp.PreviousImageLabel) ?? "",
                service.Labels.GetValueOrDefault(SwarmApp.PreviousVersionLabel),
                previousCommit,
                null,
                null);
        var deployedAt = service.Labels.GetValueOrDefault(ReleaseNames.DeployedAtLabel) is { } text
                         && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var time) ? time : (DateTimeOffset?)null;
        return new ServiceStatus(live, previous, health, deployedAt, perNode);
    }

    private static string VersionOf(SwarmTaskInfo task) => task.Labels.GetValueOrDefault(ReleaseNames.VersionLabel) ?? task.Image;
}
