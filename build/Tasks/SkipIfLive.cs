using Cake.Core.Diagnostics;
using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(SkipIfLive))]
[TaskDescription("Ends the deploy, changing nothing, when the commit to deploy is already live with the same settings (--force deploys it again), or, for a push deploy, older than the live one")]
[IsDependentOn(typeof(DockerPreflight))]
[IsDependentOn(typeof(ReadVersion))]
public sealed class SkipIfLive(RetainedReleases retained, AppContainers containers, GitRepository git) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) =>
        context.RunsWhen(nameof(SkipIfLive), !context.Force, "--force deploys the release even when it is live.")
        && context.RunsWhen(nameof(SkipIfLive), !context.Settings.MountCheckout, $"{context.Settings.Environment} mounts the checkout: a deploy restarts the app on what it holds.")
        && context.RunsWhen(nameof(SkipIfLive), context.Run.Version is { Dirty: false }, context.Run.Version is null
            ? $"{context.Settings.Environment} pulls its image: the tag may name a new image."
            : "the checkout has uncommitted changes.");

    public override async Task RunAsync(DeployContext context)
    {
        var live = (await retained.ListAsync(context.Settings)).FirstOrDefault(r => r.State == RetainedReleases.Live);
        var commit = context.Run.Version!.Commit;
        if (context.OnlyForward && live is not null && live.Commit != commit && git.IsAncestor(context.Settings.AppFolder, commit, live.Commit))
        {
            // GitPull fetched just before: the ancestry is origin's. The listener reads this line (DeployRunner.IgnoredPrefix).
            context.Log.Information("{0}{1}; nothing changed (a push deploy only moves forward; deploy it by hand with --sha={2}).",
                Services.Webhooks.DeployRunner.IgnoredPrefix, Services.Webhooks.ForwardCheck.Older(commit, live.Commit), commit[..7]);
            context.Run.FinishEarly();
            return;
        }

        if (live?.Container is null || live.Commit != context.Run.Version!.Commit || live.Version != context.Run.Version.Tag)
        {
            return;
        }

        if ((await containers.InspectAsync(live.Container))?.Labels.GetValueOrDefault(ReleaseNames.SettingsLabel) != AppContainers.SettingsDigest(context.Settings))
        {
            context.Log.Information("{0} is live, but with other settings (cake-config.json or a secret changed): deploying it again.", live.Short);
            return;
        }

        context.Log.Information("{0} {1}: {2} is already live (deployed {3:yyyy-MM-dd HH:mm}Z by {4}); nothing changed. --force deploys it again.",
            context.Settings.AppName, context.Settings.Environment, live.Short, live.Deployed?.UtcDateTime, live.DeployedBy ?? "unknown");
        context.Run.FinishEarly();
    }
}
