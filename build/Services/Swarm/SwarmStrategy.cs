namespace KahaDeploy.Services.Swarm;

/// <summary>
/// On a Docker Swarm (issue 15): the app is the service NAME, and Swarm's own rolling update releases it: each new task
/// starts beside an old one, is health-checked by Swarm, and only then does the old one stop; a failing update is rolled
/// back by Swarm. Each node's proxy (NAME_proxy, a global service) sends requests to the healthy tasks Swarm's DNS lists,
/// so there is no route to switch and nothing to drain. Rollback is one more update, to the previous release's image.
/// </summary>
public sealed class SwarmStrategy(
    SwarmApp app, SwarmReleases releases, SwarmConverge converge, SwarmProxy proxy, SwarmImages images, SwarmRedis redis, DownNodes nodes, SwarmReader reader)
    : IReleaseStrategy
{
    /// <summary>The service right after this run changed it: what the health wait compares Swarm's update state with.</summary>
    private SwarmServiceInfo? _changed;

    public bool Serves(DeploySettings settings) => settings.Swarm is not null;

    public IReleaseReader Reader => reader;

    public string? WhyNot(ReleaseStep step, DeploySettings settings) => step switch
    {
        ReleaseStep.Proxy or ReleaseStep.Nodes => null,
        ReleaseStep.Backup => $"{settings.Environment} runs on a swarm: Swarm keeps the service's previous spec, nothing is set aside.",
        ReleaseStep.Switch => $"{settings.Environment} runs on a swarm: each node's proxy sends requests to the tasks Swarm lists as healthy.",
        ReleaseStep.Drain => $"{settings.Environment} runs on a swarm: Swarm stops an old task only once its replacement is healthy.",
        ReleaseStep.Reconcile => $"{settings.Environment} runs on a swarm: Swarm reconciles the service's tasks itself.",
        ReleaseStep.RemoveOlderBackup => $"{settings.Environment} runs on a swarm: there is no backup container.",
        ReleaseStep.Prune => $"{settings.Environment} runs on a swarm: its releases are images in {settings.Swarm!.Registry}.",
        _ => null,
    };

    public async Task StartAsync(DeployContext context)
    {
        var settings = context.Settings;
        context.Run.PreviousCommit = (await app.InspectAsync(settings))?.Labels.GetValueOrDefault(ReleaseNames.CommitLabel);
        _changed = await app.ReleaseAsync(settings, context.Run.Version!, context.Run.Image!.Reference, context.Performer);
    }

    public async Task ReadyRollbackAsync(DeployContext context)
    {
        var settings = context.Settings;
        var (live, target) = await releases.RollbackTargetAsync(settings, context.RollbackTo);
        context.Run.StartChanges();
        context.Run.Version = target.Version;
        context.Run.Image = new AppImage(target.Image, "");
        context.Run.PreviousCommit = live.Labels.GetValueOrDefault(ReleaseNames.CommitLabel);
        _changed = await app.ReleaseAsync(settings, target.Version, target.Image, context.Performer);
    }

    public Task WaitHealthyAsync(DeployContext context) =>
        converge.WaitAsync(context.Settings, _changed!, context.Run.Version!, context.Run.Image!.Reference);

    public Task EnsureProxyAsync(DeploySettings settings) => proxy.EnsureAsync(settings);

    public Task CheckNodesAsync(DeploySettings settings) => nodes.WarnAsync();

    // Before anything changes: a registry that refuses the image stops the deploy with the app untouched.
    public Task<AppImage> PublishImageAsync(DeploySettings settings, AppImage built, ReleaseVersion version) => images.PushAsync(settings, built, version);

    public Task EnsureRedisAsync(DeploySettings settings, LocalRedisSettings local) => redis.EnsureRunningAsync(settings, local);

    // WhyNot says why these steps do not apply, and the tasks skip them.
    public Task PrepareAsync(DeployContext context) => throw Inapplicable(ReleaseStep.Backup);

    public Task SwitchAsync(DeployContext context) => throw Inapplicable(ReleaseStep.Switch);

    public Task DrainAsync(DeployContext context) => throw Inapplicable(ReleaseStep.Drain);

    public Task ReconcileAsync(DeployContext context) => throw Inapplicable(ReleaseStep.Reconcile);

    public Task RemoveOlderBackupAsync(DeployContext context) => throw Inapplicable(ReleaseStep.RemoveOlderBackup);

    public Task PruneAsync(DeployContext context) => throw Inapplicable(ReleaseStep.Prune);

    private static InvalidOperationException Inapplicable(ReleaseStep step) => new($"{step} does not apply to a release on a swarm.");
}
