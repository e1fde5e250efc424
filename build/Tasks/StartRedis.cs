using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(StartRedis))]
[TaskDescription("Runs the environment's own Redis container (dev) with a host data folder and a password; leaves a running one alone")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class StartRedis(LocalRedis redis) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) =>
        context.RunsWhen(nameof(StartRedis), context.Settings.LocalRedis is not null, $"{context.Settings.Environment} uses a Redis server elsewhere (redis.url).");

    public override Task RunAsync(DeployContext context) => redis.EnsureRunningAsync(context.Settings, context.Settings.LocalRedis!);
}
