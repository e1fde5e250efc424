using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Releases;

/// <summary>
/// Behind the environment's proxy, with no downtime: the new release starts beside the live one as NAME_next, is
/// health-gated from inside the network, the route switches to it, the replaced release drains and stays as a warm
/// NAME_previous. Names follow the route (see <see cref="ReleaseSwitch"/>), so Reconcile puts right whatever a killed run left.
/// </summary>
public sealed class ProxiedStrategy(
    AppContainers containers, ReleaseSwitch releases, StandbyTimer standby, FailoverReport failovers, AppErrorLine errorLine, Interruption interruption,
    ProxyContainer proxy, LocalRedis redis, ServerReader reader)
    : IReleaseStrategy
{
    public bool Serves(DeploySettings settings) => settings.Proxy is not null;

    public IReleaseReader Reader => reader;

    public string? WhyNot(ReleaseStep step, DeploySettings settings) => step switch
    {
        ReleaseStep.Backup => "behind the proxy the live release keeps serving until the switch.",
        ReleaseStep.RemoveOlderBackup => "behind the proxy, Prune keeps the last versions.",
        ReleaseStep.Nodes => ReleaseStrategies.OneServer(settings),
        _ => null,
    };

    // The live release keeps its name and its traffic until the switch, and Drain renames it afterwards; Prune keeps the
    // last releases instead of one older backup (WhyNot says so).
    public Task PrepareAsync(DeployContext context) => throw Inapplicable(ReleaseStep.Backup);

    public Task RemoveOlderBackupAsync(DeployContext context) => throw Inapplicable(ReleaseStep.RemoveOlderBackup);

    public async Task StartAsync(DeployContext context)
    {
        context.Run.PreviousCommit = AppContainers.CommitOf(await containers.LiveAsync(context.Settings));
        context.Run.Candidate = await releases.StartCandidateAsync(context.Settings, context.Run.Version!, context.Run.Image!.Reference, context.Performer);
    }

    /// <summary>Nothing changes until HealthCheck and SwitchTraffic: here the target is only made ready.</summary>
    public async Task ReadyRollbackAsync(DeployContext context)
    {
        var live = await containers.LiveAsync(context.Settings);
        var release = await releases.RollbackTargetAsync(context.Settings, live, context.RollbackTo);
        context.Run.StartChanges();
        (context.Run.Candidate, var target) = await releases.ReadyRollbackAsync(context.Settings, release, context.Performer);
        context.Run.Version = AppContainers.ReleaseOf(target);
        context.Run.Image = new AppImage(target.ImageReference, target.ImageId);
        context.Run.PreviousCommit = live is null ? null : AppContainers.CommitOf(live);
    }

    /// <summary>The new release is asked from inside the network before it takes any traffic.</summary>
    public async Task WaitHealthyAsync(DeployContext context)
    {
        var settings = context.Settings;
        var candidate = context.Run.Candidate!;
        // A standby that has been answering all along needs one answer; anything just started must prove itself.
        var inARow = candidate.WasRunning ? 1 : settings.Proxy!.HealthyInARow;
        var result = await releases.GateAsync(settings, candidate, inARow);
        if (result.Healthy)
        {
            return;
        }

        var logs = await containers.LogsAsync(candidate.Container, 20);
        context.Log.Warning("Last lines of {0}:\n{1}", candidate.Container, logs);
        await releases.AbandonAsync(candidate);
        throw new HealthCheckFailedException(
            $"{candidate.Container} did not answer {settings.HealthPath} with 200 {inARow} time(s) in a row within {settings.HealthTimeout.TotalSeconds:N0} s (last answer: {result.LastAnswer}{errorLine.Quote(logs)}); traffic stayed on the live release.");
    }

    public Task SwitchAsync(DeployContext context)
    {
        // From the switch until Drain has renamed the releases, a signal waits: the names must end up following the route.
        interruption.TrafficMoves();
        return releases.SwitchAsync(context.Settings, context.Run.Candidate!);
    }

    public async Task DrainAsync(DeployContext context)
    {
        var settings = context.Settings;
        await releases.PromoteAsync(settings, settings.Proxy!.Drain);
        interruption.TrafficSettled();
        if (await releases.StandbySlotAsync(settings) is { } slot)
        {
            context.Run.StandbyUntil = standby.Schedule(settings, slot, settings.Proxy!.Standby);
        }
    }

    public async Task ReconcileAsync(DeployContext context)
    {
        await failovers.RecordAsync(context.Settings);
        await releases.ReconcileAsync(context.Settings);
    }

    public Task PruneAsync(DeployContext context) => releases.PruneAsync(context.Settings);

    public Task EnsureProxyAsync(DeploySettings settings) => proxy.EnsureRunningAsync(settings, settings.Proxy!);

    public Task CheckNodesAsync(DeploySettings settings) => throw Inapplicable(ReleaseStep.Nodes);

    // Releases run from the image where it was built.
    public Task<AppImage> PublishImageAsync(DeploySettings settings, AppImage built, ReleaseVersion version) => Task.FromResult(built);

    public Task EnsureRedisAsync(DeploySettings settings, LocalRedisSettings local) => redis.EnsureRunningAsync(settings, local);

    private static InvalidOperationException Inapplicable(ReleaseStep step) => new($"{step} does not apply to a release behind the proxy.");
}
