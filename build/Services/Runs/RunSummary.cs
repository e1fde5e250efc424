using System.Globalization;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Runs;

/// <summary>
/// The one line a successful Deploy, Rollback or CI ends with: what is live where, how long it took, and what became of
/// the release it replaced, read back from the engine so it says what happened, not what was meant to.
/// </summary>
public sealed class RunSummary(AppContainers containers, SwarmApp swarmApp, ICakeLog log)
{
    public async Task WriteAsync(DeployContext context)
    {
        var settings = context.Settings;
        if (settings.Swarm is not null)
        {
            await WriteSwarmAsync(context);
            return;
        }

        var live = StatusReader.Describe(await containers.LiveAsync(settings));
        var previous = StatusReader.Describe(await containers.PreviousAsync(settings));
        var took = (DateTimeOffset.UtcNow - context.Run.StartedAt).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        var verb = context.TargetName.Equals(nameof(Tasks.Rollback), StringComparison.OrdinalIgnoreCase) ? "rolled back" : "deployed";
        var what = live is null ? $"nothing runs as {settings.Container}" : $"{live.Version ?? live.Image} is live at {settings.AppUrl}";
        var line = $"{settings.AppName} {settings.Environment}: {what} ({verb} in {took} s; {Previous(previous, context.Run.StandbyUntil)})";
        log.Information(line.Replace("{", "{{").Replace("}", "}}"));
    }

    /// <summary>On a swarm the release is the service, and the one it replaced is an image in the registry.</summary>
    private async Task WriteSwarmAsync(DeployContext context)
    {
        var settings = context.Settings;
        var service = await swarmApp.InspectAsync(settings);
        var took = (DateTimeOffset.UtcNow - context.Run.StartedAt).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        var verb = context.TargetName.Equals(nameof(Tasks.Rollback), StringComparison.OrdinalIgnoreCase) ? "rolled back" : "deployed";
        var what = service?.Labels.GetValueOrDefault(ReleaseNames.VersionLabel) is { } version
            ? $"{version} is live on the swarm as {settings.Container} ({service.Replicas} task(s))"
            : $"no service {settings.Container} runs on the swarm";
        var previous = service?.Labels.GetValueOrDefault(SwarmApp.PreviousVersionLabel) is { } replaced
            ? $"previous {replaced} stays in the registry for Rollback"
            : "no previous release";
        log.Information($"{settings.AppName} {settings.Environment}: {what} ({verb} in {took} s; {previous})".Replace("{", "{{").Replace("}", "}}"));
    }

    private static string Previous(StatusReader.ContainerStatus? previous, DateTimeOffset? standbyUntil) => previous switch
    {
        null => "no previous release is kept",
        { State: "running" } when standbyUntil is { } until =>
            $"previous {previous.Version} is a warm standby until {until.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture)} UTC",
        { State: "running" } => $"previous {previous.Version} still runs as {previous.Name}, out of rotation",
        { State: "exited" or "created" } => $"previous {previous.Version} is kept stopped as {previous.Name}",
        _ => $"previous {previous.Version} is {previous.State} as {previous.Name}",
    };
}
