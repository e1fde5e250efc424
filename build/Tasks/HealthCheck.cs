using Cake.Core.Diagnostics;
using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(HealthCheck))]
[TaskDescription("Waits for the new release to answer the health path with 200 (behind a proxy: N times in a row, before any traffic); otherwise keeps the old one serving and fails")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class HealthCheck(HealthProbe probe, AppContainers containers, ReleaseSwitch releases, AppErrorLine errorLine, Interruption interruption)
    : AsyncFrostingTask<DeployContext>
{
    public override Task RunAsync(DeployContext context) =>
        context.Run.Candidate is { } candidate ? GateCandidateAsync(context, candidate) : CheckLiveAsync(context);

    /// <summary>Behind a proxy: the new release is asked from inside the network before it takes any traffic.</summary>
    private async Task GateCandidateAsync(DeployContext context, Candidate candidate)
    {
        var settings = context.Settings;
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

    /// <summary>Without a proxy: the new release is already NAME; if it is not healthy the previous one comes back.</summary>
    private async Task CheckLiveAsync(DeployContext context)
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
}

public sealed class HealthCheckFailedException(string message) : Exception(message);
