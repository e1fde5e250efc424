using Docker.DotNet.Models;

namespace KahaDeploy.Services.Docker;

public sealed partial class DockerEngine
{
    /// <summary>The service's tasks (the current and the replaced, as long as Swarm keeps them), newest change first.</summary>
    public Task<IReadOnlyList<SwarmTaskInfo>> ListServiceTasksAsync(string service)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        return CallAsync<IReadOnlyList<SwarmTaskInfo>>($"list the tasks of service '{service}'", async () =>
        {
            var tasks = await _client.Tasks.ListAsync(new TasksListParameters { Filters = Filter(("service", service)) }).ConfigureAwait(false);
            return tasks.Select(EngineMapping.ToTaskInfo).OrderByDescending(t => t.Timestamp).ToList();
        });
    }
}
