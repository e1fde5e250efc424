using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Releases;

/// <summary>
/// Without a proxy, as deploy_kaha.sh released: the live NAME becomes NAME_previous, the new release runs under the live
/// name on the published ports, and a release that fails its health check is kept as NAME_failed while NAME_previous
/// comes back. The app is down from the backup until the new release answers.
/// </summary>
public sealed class InPlaceStrategy(
    AppContainers containers, RetainedReleases retained, HealthProbe probe, AppErrorLine errorLine, Interruption interruption, LocalRedis redis,
    ServerReader reader)
    : IReleaseStrategy
{
    /// <summary>Any environment: registered last, it releases those no other strategy serves.</summary>
    public bool Serves(DeploySettings settings) => true;

    public IReleaseReader Reader => reader;

    public string? WhyNot(ReleaseStep step, DeploySettings settings) => step switch
    {
        ReleaseStep.Backup or ReleaseStep.RemoveOlderBackup => null,
        ReleaseStep.Prune => $"{settings.Environment} keeps only NAME and NAME_previous.",
        ReleaseStep.Proxy => $"{settings.Environment} has no proxy: releases replace each other in place.",
        ReleaseStep.Nodes => ReleaseStrategies.OneServer(settings),
        ReleaseStep.RollbackTo => $"--to needs a proxy in front of {settings.Environment} (retained releases)",
        _ => $"{settings.Environment} has no proxy.",
    };

    public async Task PrepareAsync(DeployContext context)
    {
        // The app is down from here until HealthCheck has a release serving again: a signal waits for that.
        interruption.TrafficMoves();
        await containers.FollowManualRollbackAsync(context.Settings);
        context.Run.PreviousCommit = AppContainers.CommitOf(await containers.BackupLiveAsync(context.Settings));
    }

    public async Task StartAsync(DeployContext context)
    {
        try
        {
            await containers.RunReleaseAsync(context.Settings, context.Run.Version!, context.Run.Image!.Reference, context.Performer);
        }
        catch
        {
            await containers.RestorePreviousAsync(context.Settings);
            throw;
        }
    }

    public async Task ReadyRollbackAsync(DeployContext context)
    {
        var settings = context.Settings;
        if (context.RollbackTo is not null)
        {
            throw new RollbackImpossibleException($"{WhyNot(ReleaseStep.RollbackTo, settings)}; deploy that commit instead: --target=Deploy --sha={context.RollbackTo}.");
        }

        var previous = await containers.PreviousAsync(settings);
        await retained.RefuseLiveAsync(settings, await containers.LiveAsync(settings), AppContainers.CommitOf(previous), $"{settings.PreviousContainer} runs");
        context.Run.StartChanges();

        // As the backup: the swap and the health check that follows it run to their end.
        interruption.TrafficMoves();
        var (restored, replaced) = await containers.SwapWithPreviousAsync(settings);
        context.Run.Version = AppContainers.ReleaseOf(restored);
        context.Run.Image = new AppImage(restored.ImageReference, restored.ImageId);
        context.Run.PreviousCommit = AppContainers.CommitOf(replaced);
    }

    /// <summary>The new release is already NAME; if it is not healthy the previous one comes back.</summary>
    public async Task WaitHealthyAsync(DeployContext context)
    {
        var settings = context.Settings;
        var url = new Uri(settings.AppUrl, settings.HealthPath);
        var result = await probe.WaitForHealthyAsync(url, settings.HealthTimeout, () => containers.IsUpAsync(settings));
        if (result.Healthy)
        {
            interruption.TrafficSettled();
            return;
        }

        var logs = await containers.LogsAsync(settings.Container, 20);
        context.Log.Warning("Last lines of {0}:\n{1}", settings.Container, logs);
        var failure = $"{settings.Container} did not answer {url} with 200 within {settings.HealthTimeout.TotalSeconds:N0} s (last answer: {result.LastAnswer}{errorLine.Quote(logs)}); it is kept as {settings.FailedContainer}";
        if (!await containers.RestorePreviousAsync(settings))
        {
            throw new HealthCheckFailedException($"{failure}, and there was no previous version to bring back.");
        }

        var restored = await probe.WaitForHealthyAsync(url, settings.HealthTimeout, () => containers.IsUpAsync(settings));
        throw new HealthCheckFailedException(restored.Healthy
            ? $"{failure} and the previous version is serving again."
            : $"{failure}; the previous version was started again but is not healthy either ({restored.LastAnswer}): check 'docker logs {settings.Container}'.");
    }

    // The release serves on the published ports from its start: there is no route to switch, nothing to drain or reconcile
    // (WhyNot says so, and the tasks skip).
    public Task SwitchAsync(DeployContext context) => throw Inapplicable(ReleaseStep.Switch);

    public Task DrainAsync(DeployContext context) => throw Inapplicable(ReleaseStep.Drain);

    public Task ReconcileAsync(DeployContext context) => throw Inapplicable(ReleaseStep.Reconcile);

    public Task RemoveOlderBackupAsync(DeployContext context) => containers.RemoveOlderBackupAsync(context.Settings);

    // Only NAME and NAME_previous are kept, and RemoveOlderBackup removes the backup they replace.
    public Task PruneAsync(DeployContext context) => throw Inapplicable(ReleaseStep.Prune);

    public Task EnsureProxyAsync(DeploySettings settings) => throw Inapplicable(ReleaseStep.Proxy);

    public Task CheckNodesAsync(DeploySettings settings) => throw Inapplicable(ReleaseStep.Nodes);

    // Releases run from the image where it was built.
    public Task<AppImage> PublishImageAsync(DeploySettings settings, AppImage built, ReleaseVersion version) => Task.FromResult(built);

    public Task EnsureRedisAsync(DeploySettings settings, LocalRedisSettings local) => redis.EnsureRunningAsync(settings, local);

    private static InvalidOperationException Inapplicable(ReleaseStep step) => new($"{step} does not apply to a release in place.");
}
