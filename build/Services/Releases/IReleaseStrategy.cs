namespace KahaDeploy.Services.Releases;

/// <summary>A step of a release that not every strategy has; the strategy says why not, and the task prints it when it skips.</summary>
public enum ReleaseStep
{
    /// <summary>Making way for the new release before it starts (BackupContainer).</summary>
    Backup,

    /// <summary>Moving traffic to the healthy new release (SwitchTraffic).</summary>
    Switch,

    /// <summary>Letting the replaced release finish its requests and keeping it as the standby (Drain).</summary>
    Drain,

    /// <summary>Putting right what an interrupted run or a failover left, before anything starts (Reconcile).</summary>
    Reconcile,

    /// <summary>Removing the backup the new release replaced, once it is healthy (RemoveOlderBackup).</summary>
    RemoveOlderBackup,

    /// <summary>Keeping the last releases for Rollback --to and removing older ones (Prune).</summary>
    Prune,

    /// <summary>The environment's own proxy container in front of its releases (EnsureProxy).</summary>
    Proxy,

    /// <summary>Saying which of the servers the environment runs on are down, before a release (CheckNodes).</summary>
    Nodes,

    /// <summary>Going back to any release the environment keeps, not only the previous one (Rollback --to, as Releases offers).</summary>
    RollbackTo,
}

/// <summary>
/// How an environment is released: the tasks of Deploy and Rollback say what happens in which order, a strategy says how
/// in its mode. One is chosen per environment from its settings (<see cref="ReleaseStrategies"/>), so no task asks which
/// mode it is in. A strategy reads and sets the run's state on the context (the candidate, the version, the commit replaced).
/// </summary>
public interface IReleaseStrategy
{
    /// <summary>Whether this strategy releases the environment these settings describe.</summary>
    bool Serves(DeploySettings settings);

    /// <summary>What the environment shows in this mode, for Status, Releases, Logs and the dashboard.</summary>
    IReleaseReader Reader { get; }

    /// <summary>Why <paramref name="step"/> does not apply in this mode, as the task's skip message says it; null when it does.</summary>
    string? WhyNot(ReleaseStep step, DeploySettings settings);

    /// <summary>Makes way for the new release (<see cref="ReleaseStep.Backup"/>).</summary>
    Task PrepareAsync(DeployContext context);

    /// <summary>Starts the release of <see cref="DeployContext.Version"/> from <see cref="DeployContext.Image"/>.</summary>
    Task StartAsync(DeployContext context);

    /// <summary>Rollback: readies NAME_previous (or the retained release of --to) to take over, and sets the version and image it runs.</summary>
    Task ReadyRollbackAsync(DeployContext context);

    /// <summary>
    /// Waits until the started or readied release is healthy. When it is not, puts back what served before and throws
    /// <see cref="HealthCheckFailedException"/> saying what serves now.
    /// </summary>
    Task WaitHealthyAsync(DeployContext context);

    /// <summary>Moves traffic to the healthy release (<see cref="ReleaseStep.Switch"/>).</summary>
    Task SwitchAsync(DeployContext context);

    /// <summary>Lets the replaced release finish and keeps it for Rollback (<see cref="ReleaseStep.Drain"/>).</summary>
    Task DrainAsync(DeployContext context);

    /// <summary>Makes the names agree with what serves after an interrupted run or a failover (<see cref="ReleaseStep.Reconcile"/>).</summary>
    Task ReconcileAsync(DeployContext context);

    /// <summary>Removes the backup the healthy new release replaced (<see cref="ReleaseStep.RemoveOlderBackup"/>).</summary>
    Task RemoveOlderBackupAsync(DeployContext context);

    /// <summary>Keeps the last releases and removes older ones (<see cref="ReleaseStep.Prune"/>).</summary>
    Task PruneAsync(DeployContext context);

    /// <summary>Starts the environment's proxy when missing and leaves a running one alone (<see cref="ReleaseStep.Proxy"/>).</summary>
    Task EnsureProxyAsync(DeploySettings settings);

    /// <summary>Says which nodes are down; the release runs on those that are up (<see cref="ReleaseStep.Nodes"/>).</summary>
    Task CheckNodesAsync(DeploySettings settings);

    /// <summary>Makes an image built here available where releases run, and returns the image they run.</summary>
    Task<AppImage> PublishImageAsync(DeploySettings settings, AppImage built, ReleaseVersion version);

    /// <summary>Starts the environment's own Redis when missing and leaves a running one alone.</summary>
    Task EnsureRedisAsync(DeploySettings settings, LocalRedisSettings redis);
}

public sealed class HealthCheckFailedException(string message) : Exception(message);
