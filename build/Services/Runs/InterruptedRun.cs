namespace KahaDeploy.Services.Runs;

/// <summary>
/// The end of a run stopped by a signal: what it started before traffic could move is undone, and one line says which
/// release serves now and what to run next.
/// </summary>
public sealed class InterruptedRun(
    DockerConnector docker, AppContainers containers, ReleaseSwitch releases, RetainedReleases retained, Interruption interruption)
{
    public async Task<string> SettleAsync(DeployContext context)
    {
        // A run stopped before its first Docker step (CI's app tests, a git pull) has not asked the engine yet.
        await docker.ConnectAsync();
        var settings = context.Settings;
        var env = settings.Environment;
        var again = $"run --target={context.TargetName} --env={env} to do it again";
        if (settings.Proxy is null)
        {
            // Without a proxy the stop-rename-run section (BackupContainer to HealthCheck) always runs to its end.
            var live = await containers.LiveAsync(settings);
            return $"Interrupted by {interruption.Signal}: {Describe(live)} serves {env}; {again}.";
        }

        var routing = await retained.RoutingAsync(settings);
        var undone = "";
        if (context.Run.Candidate is { } candidate && routing.Route?.Slot != candidate.Slot)
        {
            await releases.AbandonAsync(candidate);
            undone = candidate.WasRunning ? "" : $" ({candidate.Container}, started by this run, was {(candidate.Container == settings.CandidateContainer ? "removed" : "stopped again")})";
        }

        var serving = routing.ProxyAnswers ? Describe(routing.Release) : $"nothing (the proxy {settings.Proxy.Container} does not answer)";
        return context.Run.Candidate is { } switched && routing.Route?.Slot == switched.Slot
            ? $"Interrupted by {interruption.Signal} after the switch: {serving} serves {env}, as this run intended; the steps after it were skipped; 'Status' shows it, --target=Rollback --env={env} goes back."
            : $"Interrupted by {interruption.Signal} before traffic moved: {serving} still serves {env}{undone}; {again}.";
    }

    private static string Describe(ContainerInfo? release) =>
        release is null ? "nothing" : $"{AppContainers.VersionOf(release)} ({release.Name})";
}
