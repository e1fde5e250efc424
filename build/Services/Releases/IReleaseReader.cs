namespace KahaDeploy.Services.Releases;

/// <summary>
/// What an environment shows in its release mode, without changing anything: the releases Rollback can go back to, what
/// runs now, and the app's own output. The environment's strategy exposes it (<see cref="IReleaseStrategy.Reader"/>), so
/// Status, Releases, Logs and the dashboard do not ask which mode it is in either.
/// </summary>
public interface IReleaseReader
{
    /// <summary>The releases Rollback can go back to, newest first.</summary>
    Task<IReadOnlyList<RetainedReleases.RetainedRelease>> ListAsync(DeploySettings settings);

    /// <summary>What runs now, as the engine (and a proxy) show it; <see cref="StatusReader"/> adds what the history says.</summary>
    Task<StatusReader.Observed> ObserveAsync(DeploySettings settings);

    /// <summary>Streams the app's own output, each line with the name of what wrote it.</summary>
    Task StreamLogsAsync(DeploySettings settings, LogQuery query, Action<string, ContainerLogLine> output);
}
