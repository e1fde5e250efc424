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
        var result = await probe.WaitForHealthyAsync(url, settings.HealthTimeout,
            async () => (await containers.LiveAsync(settings))?.Running == true);
        if (!result.Healthy)
        {
            var logs = await containers.LogsAsync(settings.Container, 20);
            context.Log.Warning($"Last lines of {settings.Container}:\n{logs}");
            throw new HealthCheckFailedException(
                $"{settings.Container} did not answer {url} with 200 within {settings.HealthTimeout.TotalSeconds:N0} s (last answer: {result.LastAnswer}); the previous version was kept. See 'docker logs {settings.FailedContainer}'.");
        }
    }

    public override void OnError(Exception exception, DeployContext context) =>
        containers.RestorePreviousAsync(context.Settings).GetAwaiter().GetResult();
}

public sealed class HealthCheckFailedException(string message) : Exception(message);
