using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Swarm;

/// <summary>
/// The environment's own Redis on a swarm: a service NAME_redis with one task, its data on the named volume
/// NAME_redis_data, pinned to the node that was the manager when it was created (a named volume lives on one node, so the
/// task must never move away from its data). Created when missing, then never updated or restarted by a deploy: the app's
/// tasks on every node reach it by name over the environment's overlay network.
/// </summary>
public sealed class SwarmRedis(DockerConnector docker, LocalBaseImages baseImages, SwarmImages images, ICakeLog log)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    public static string DataVolume(LocalRedisSettings redis) => redis.Container + "_data";

    public async Task EnsureRunningAsync(DeploySettings settings, LocalRedisSettings redis)
    {
        var engine = docker.Engine;
        var swarm = settings.Swarm!;
        // The app's overlay network (SwarmApp), made here first: Redis starts before the app's first release.
        await engine.EnsureOverlayNetworkAsync(settings.Container, new Dictionary<string, string> { [ReleaseNames.AppLabel] = settings.AppName });
        if (await engine.InspectServiceAsync(redis.Container) is not null)
        {
            log.Information("Redis service {0} exists; leaving it alone (its data is on volume {1}).", redis.Container, DataVolume(redis));
            return;
        }

        // Built on the manager from this host's redis-server when it cannot be pulled, then pushed, so its node can pull it.
        var image = await baseImages.EnsureAsync(redis.Image, settings.WorkFolder);
        var local = ImageReference.Parse(image);
        var repository = $"{swarm.Registry}/{local.Repository}";
        await images.PushAsync(settings, image, repository, local.TagOrLatest);

        var manager = (await engine.ListNodesAsync()).First(n => n.Leader);
        await engine.CreateServiceAsync(new SwarmServiceSpec(
            redis.Container,
            $"{repository}:{local.TagOrLatest}",
            new Dictionary<string, string>(),
            new Dictionary<string, string>
            {
                [ReleaseNames.AppLabel] = settings.AppName,
                [ReleaseNames.EnvironmentLabel] = settings.Environment,
                [ReleaseNames.RoleLabel] = "redis",
                [ReleaseNames.CheckoutLabel] = EnvironmentOwner.CheckoutOf(settings),
            },
            settings.Container,
            Replicas: 1,
            Ports: [],
            Health: null,
            UpdateParallelism: 1,
            StartFirst: false,
            Constraints: [$"node.id=={manager.Id}"],
            Volumes: new Dictionary<string, string> { ["/data"] = DataVolume(redis) },
            Command: ["redis-server", "--requirepass", redis.Password, "--appendonly", "yes", "--dir", "/data"]), swarm.Login);
        await WaitRunningAsync(engine, redis.Container);
        log.Information("Started the Redis service {0} on {1}, its data on volume {2} there.", redis.Container, manager.DisplayName, DataVolume(redis));
    }

    /// <summary>Waits for the first task to run: the app's first release would otherwise start against a Redis not there yet.</summary>
    private static async Task WaitRunningAsync(DockerEngine engine, string service)
    {
        var deadline = DateTimeOffset.UtcNow + StartTimeout;
        while (true)
        {
            var tasks = await engine.ListServiceTasksAsync(service);
            if (tasks.Any(t => t.Running))
            {
                return;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                var last = tasks.FirstOrDefault();
                throw new LocalRedisException(
                    $"the Redis service {service} did not start within {StartTimeout.TotalSeconds:N0} s ({last?.State ?? "no task"}{(last is { Error.Length: > 0 } ? ": " + last.Error : "")}); see 'docker service ps {service}' on the manager.");
            }

            await Task.Delay(250);
        }
    }
}
