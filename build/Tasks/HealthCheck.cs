using Cake.Core.Diagnostics;
using KahaDeploy.Frosting;
using KahaDeploy.Services;

namespace KahaDeploy.Tasks;

[TaskName(nameof(HealthCheck))]
[TaskDescription("Waits for the live container to answer the health path with 200; otherwise keeps it as NAME_failed, brings NAME_previous back and fails")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class HealthCheck(HealthProbe probe, AppContainers containers) : AsyncFrostingTask<DeployContext>
{
    public override async Task RunAsync(DeployContext context)
    {
        var settings = context.Settings;
        var url = new Uri(settings.AppUrl, settings.HealthPath);
        var result = await probe.WaitForHealthyAsync(url, settings.HealthTimeout, () => containers.IsUpAsync(settings));
        if (result.Healthy)
        {
            return;
        }

        context.Log.Warning("Last lines of {0}:\n{1}", settings.Container, await containers.LogsAsync(settings.Container, 20));
        var failure = $"{settings.Container} did not answer {url} with 200 within {settings.HealthTimeout.TotalSeconds:N0} s (last answer: {result.LastAnswer}); it is kept as {settings.FailedContainer}";
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
