using Cake.Core.Diagnostics;
using KahaDeploy.Configuration;

namespace KahaDeploy.Services;

/// <summary>
/// The dev environment's Redis: a container with a host data folder at /data and a password, started once and
/// then left alone, so its data outlives every deploy and rollback.
/// </summary>
public sealed class LocalRedis(DockerConnector docker, LocalBaseImages baseImages, ICakeLog log)
{
    public async Task EnsureRunningAsync(DeploySettings settings, LocalRedisSettings redis)
    {
        var engine = docker.Engine;
        await engine.EnsureNetworkAsync(settings.Network, new Dictionary<string, string> { [AppContainers.AppLabel] = settings.AppName });
        var existing = await engine.InspectContainerAsync(redis.Container);
        if (existing is { Running: true })
        {
            log.Information("Redis {0} is running; leaving it alone.", redis.Container);
            return;
        }

        if (existing is not null)
        {
            log.Information("Starting the stopped Redis {0} (its data is in {1}).", redis.Container, redis.DataFolder);
            await engine.StartContainerAsync(redis.Container);
            return;
        }

        Directory.CreateDirectory(redis.DataFolder);
        var image = await baseImages.EnsureAsync(redis.Image, settings.WorkFolder);
        await engine.CreateAndStartContainerAsync(new ContainerSpec(
            redis.Container,
            image,
            new Dictionary<string, string>(),
            [],
            [$"{redis.DataFolder}:/data"],
            settings.Network,
            ["redis"],
            new Dictionary<string, string>
            {
                [AppContainers.AppLabel] = settings.AppName,
                [AppContainers.EnvironmentLabel] = settings.Environment,
                [AppContainers.RoleLabel] = "redis",
            },
            "unless-stopped",
            ["redis-server", "--requirepass", redis.Password, "--appendonly", "yes", "--dir", "/data"]));
        log.Information("Started Redis {0} with its data in {1}.", redis.Container, redis.DataFolder);
    }
}
