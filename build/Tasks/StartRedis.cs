using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(StartRedis))]
[TaskDescription("Runs the environment's own Redis container (dev) with a host data folder and a password (on a swarm: a service on a named volume, pinned to one node); leaves a running one alone")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class StartRedis(ReleaseStrategies strategies) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) =>
        context.RunsWhen(nameof(StartRedis), context.Settings.LocalRedis is not null, $"{context.Settings.Environment} uses a Redis server elsewhere (redis.url).");

    public override Task RunAsync(DeployContext context) =>
        strategies.For(context.Settings).EnsureRedisAsync(context.Settings, context.Settings.LocalRedis!);
}
