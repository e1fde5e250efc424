using Docker.DotNet.Models;

namespace KahaDeploy.Services.Docker;

public sealed partial class DockerEngine
{
    /// <summary>
    /// Runs <paramref name="command"/> inside the running container and returns what it printed (stdout, then stderr).
    /// Values in <paramref name="environment"/> reach the command without appearing on any command line.
    /// </summary>
    public Task<string> ExecAsync(string container, IReadOnlyList<string> command, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(container);
        ArgumentOutOfRangeException.ThrowIfZero(command.Count);
        return CallAsync($"run {command[0]} in container '{container}'", async () =>
        {
            var exec = await _client.Exec.CreateContainerExecAsync(container, new ContainerExecCreateParameters
            {
                AttachStdout = true,
                AttachStderr = true,
                Cmd = command.ToList(),
                Env = environment.Select(variable => $"{variable.Key}={variable.Value}").ToList(),
            }).ConfigureAwait(false);
            using var stream = await _client.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters()).ConfigureAwait(false);
            var (stdout, stderr) = await stream.ReadOutputToEndAsync(CancellationToken.None).ConfigureAwait(false);
            return stdout + stderr;
        });
    }
}
