using Cake.Core.Diagnostics;
using KahaDeploy.Frosting;
using KahaDeploy.Services;

namespace KahaDeploy.Tasks;

[TaskName(nameof(SkipIfLive))]
[TaskDescription("Ends the deploy, changing nothing, when the commit to deploy is already live with the same settings (--force deploys it again)")]
[IsDependentOn(typeof(DockerPreflight))]
[IsDependentOn(typeof(ReadVersion))]
public sealed class SkipIfLive(RetainedReleases retained, AppContainers containers) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) =>
        context.RunsWhen(nameof(SkipIfLive), !context.Force, "--force deploys the release even when it is live.")
        && context.RunsWhen(nameof(SkipIfLive), !context.Settings.MountCheckout, $"{context.Settings.Environment} mounts the checkout: a deploy restarts the app on what it holds.")
        && context.RunsWhen(nameof(SkipIfLive), context.Version is { Dirty: false }, context.Version is null
            ? $"{context.Settings.Environment} pulls its image: the tag may name a new image."
            : "the checkout has uncommitted changes.");

    public override async Task RunAsync(DeployContext context)
    {
        var live = (await retained.ListAsync(context.Settings)).FirstOrDefault(r => r.State == RetainedReleases.Live);
        if (live?.Container is null || live.Commit != context.Version!.Commit || live.Version != context.Version.Tag)
        {
            return;
        }

        if ((await containers.InspectAsync(live.Container))?.Labels.GetValueOrDefault(AppContainers.SettingsLabel) != AppContainers.SettingsDigest(context.Settings))
        {
            context.Log.Information("{0} is live, but with other settings (cake-config.json or a secret changed): deploying it again.", live.Short);
            return;
        }

        context.Log.Information("{0} {1}: {2} is already live (deployed {3:yyyy-MM-dd HH:mm}Z by {4}); nothing changed. --force deploys it again.",
            context.Settings.AppName, context.Settings.Environment, live.Short, live.Deployed?.UtcDateTime, live.DeployedBy ?? "unknown");
        context.FinishEarly();
    }
}
