namespace KahaDeploy.Services.Swarm;

/// <summary>
/// The app's output on a swarm: every task's lines, on whichever node it runs or ran, each line saying where it came
/// from (<c>node HOST (ID) task SLOT: TEXT</c>), since a failing task is usually on one node only.
/// </summary>
public sealed class SwarmLogs(DockerConnector docker)
{
    public async Task StreamAsync(DeploySettings settings, LogQuery query, Action<string, ContainerLogLine> output)
    {
        var engine = docker.Engine;
        var service = settings.Container;
        if (await engine.InspectServiceAsync(service) is null)
        {
            throw new ContainerMissingException(
                $"There is no service {service} in {settings.Environment}, so it has no output; deploy it first (--target=Deploy --env={settings.Environment}).");
        }

        var nodes = (await engine.ListNodesAsync()).ToDictionary(n => n.Id, StringComparer.Ordinal);
        var slots = (await engine.ListServiceTasksAsync(service)).ToDictionary(t => t.Id, t => t.Slot, StringComparer.Ordinal);
        await engine.StreamServiceLogsAsync(service, query, line =>
        {
            var node = nodes.TryGetValue(line.NodeId, out var known) ? known.DisplayName : $"node {line.NodeId}";
            // A task started after the logs were opened (--follow across a deploy) is named by its id.
            var task = slots.TryGetValue(line.TaskId, out var slot) ? $"task {slot}" : $"task {line.TaskId[..Math.Min(12, line.TaskId.Length)]}";
            output(service, line.Line with { Text = $"{node} {task}: {line.Line.Text}" });
        });
    }
}
