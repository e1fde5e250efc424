using System.Security.Cryptography;

namespace KahaDeploy.Services.Redis;

/// <summary>
/// A throwaway container from the local redis image (built from the host's redis-server when no registry answers): it
/// runs redis-cli against a Redis elsewhere, checks an RDB file, or loads one into a Redis of its own. Removed when disposed.
/// </summary>
public sealed class ScratchRedis(DockerConnector docker, LocalBaseImages baseImages)
{
    /// <summary>The image a Redis given by URL is snapshotted with: the same one a local Redis would run.</summary>
    private const string DefaultImage = "redis:7";

    /// <param name="binds">host-path:container-path[:ro] mounts.</param>
    /// <param name="network">the environment's network, to reach its Redis by name; null for the default bridge.</param>
    /// <param name="command">null: the container only waits, and its work is done with <see cref="Container.RunAsync"/>.</param>
    public async Task<Container> StartAsync(DeploySettings settings, string purpose, IReadOnlyList<string> binds, string? network, IReadOnlyList<string>? command = null)
    {
        // The local Redis's own image when it exists: the same version, and no pull to try.
        var image = settings.LocalRedis is { } local && await docker.Engine.InspectContainerAsync(local.Container) is { } running
            ? running.ImageId
            : await baseImages.EnsureAsync(settings.LocalRedis?.Image ?? DefaultImage, settings.WorkFolder);
        var name = $"{settings.Container}_{purpose}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
        if (network is not null)
        {
            await docker.Engine.EnsureNetworkAsync(network, new Dictionary<string, string> { [ReleaseNames.AppLabel] = settings.AppName });
        }

        await docker.Engine.CreateAndStartContainerAsync(new ContainerSpec(
            name,
            image,
            new Dictionary<string, string>(),
            [],
            binds,
            network,
            [],
            new Dictionary<string, string>
            {
                [ReleaseNames.AppLabel] = settings.AppName,
                [ReleaseNames.EnvironmentLabel] = settings.Environment,
                [ReleaseNames.RoleLabel] = purpose,
            },
            "no",
            command ?? ["sleep", "3600"]));
        return new Container(docker.Engine, name);
    }

    public sealed class Container(DockerEngine engine, string name) : IAsyncDisposable
    {
        private const string ExitMarker = "\nkaha-exit:";

        public string Name => name;

        /// <summary>Runs a command inside; returns its exit code and output. Secrets go in <paramref name="environment"/>, never in the command.</summary>
        public async Task<(int ExitCode, string Output)> RunAsync(IReadOnlyList<string> command, IReadOnlyDictionary<string, string>? environment = null)
        {
            // The engine's exec result carries no exit code: the shell appends it (the command's words pass as "$@", unquoted by nobody).
            var output = await engine.ExecAsync(name, ["sh", "-c", "\"$@\" 2>&1; printf '" + ExitMarker.Replace("\n", "\\n") + "%d' $?", "sh", .. command],
                environment ?? new Dictionary<string, string>());
            var at = output.LastIndexOf(ExitMarker, StringComparison.Ordinal);
            return at < 0 || !int.TryParse(output[(at + ExitMarker.Length)..].Trim(), out var code)
                ? (-1, output.Trim())
                : (code, output[..at].Trim());
        }

        public Task<ContainerInfo?> InspectAsync() => engine.InspectContainerAsync(name);

        public Task<string> LogsAsync(int tail) => engine.GetContainerLogsAsync(name, tail);

        public async ValueTask DisposeAsync() => await engine.RemoveContainerAsync(name);
    }
}
