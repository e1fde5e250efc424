using System.Globalization;
using Docker.DotNet.Models;

namespace KahaDeploy.Services.Docker;

public sealed partial class DockerEngine
{
    /// <summary>
    /// Hands the output of every task of the service (on any node, as the manager gathers it) to <paramref name="output"/>
    /// line by line, each with its node and task: as <see cref="StreamContainerLogsAsync"/> does for one container.
    /// </summary>
    public Task StreamServiceLogsAsync(string service, LogQuery query, Action<ServiceLogLine> output)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(output);
        return CallAsync($"read the logs of service '{service}'", async () =>
        {
            using var stream = await _client.Swarm.GetServiceLogsAsync(service, false, new ServiceLogsParameters
            {
                ShowStdout = true,
                ShowStderr = true,
                Follow = query.Follow,
                Timestamps = true,
                // With details the engine puts the line's attributes (node, service and task ids) before its text.
                Details = true,
                Since = query.Since is { } since ? (since.ToUnixTimeMilliseconds() / 1000m).ToString("0.000", CultureInfo.InvariantCulture) : null,
                Tail = query.Tail < 0 ? "all" : query.Tail.ToString(CultureInfo.InvariantCulture),
            }).ConfigureAwait(false);
            await ReadLinesAsync(stream, line => output(WithOrigin(line))).ConfigureAwait(false);
        });
    }

    /// <summary>Takes <c>com.docker.swarm.node.id=N,com.docker.swarm.service.id=S,com.docker.swarm.task.id=T TEXT</c> apart.</summary>
    private static ServiceLogLine WithOrigin(ContainerLogLine line)
    {
        var space = line.Text.IndexOf(' ');
        var attributes = (space < 0 ? line.Text : line.Text[..space]).Split(',')
            .Select(pair => pair.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => Uri.UnescapeDataString(pair[1]), StringComparer.Ordinal);
        if (!attributes.TryGetValue("com.docker.swarm.task.id", out var task))
        {
            return new ServiceLogLine("", "", line);
        }

        return new ServiceLogLine(attributes.GetValueOrDefault("com.docker.swarm.node.id", ""), task, line with { Text = space < 0 ? "" : line.Text[(space + 1)..] });
    }
}
