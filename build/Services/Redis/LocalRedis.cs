using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Redis;

/// <summary>
/// The dev environment's Redis: a container with a host data folder at /data and a password, started once and
/// then left alone, so its data outlives every deploy and rollback.
/// </summary>
public sealed class LocalRedis(DockerConnector docker, LocalBaseImages baseImages, ICakeLog log)
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);

    public async Task EnsureRunningAsync(DeploySettings settings, LocalRedisSettings redis)
    {
        var engine = docker.Engine;
        await engine.EnsureNetworkAsync(settings.Network, new Dictionary<string, string> { [ReleaseNames.AppLabel] = settings.AppName });
        var existing = await engine.InspectContainerAsync(redis.Container);
        if (redis.MoveFrom is { } oldFolder)
        {
            existing = await MoveOutOfCheckoutAsync(engine, redis, existing, oldFolder);
        }

        DataHome.CreatePrivate(redis.DataFolder);
        if (existing is { Running: true })
        {
            log.Information("Redis {0} is running; leaving it alone.", redis.Container);
            await RequirePasswordAsync(engine, settings, redis);
            return;
        }

        if (existing is not null)
        {
            log.Information("Starting the stopped Redis {0} (its data is in {1}).", redis.Container, redis.DataFolder);
            await engine.StartContainerAsync(redis.Container);
            await RequirePasswordAsync(engine, settings, redis);
            return;
        }

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
                [ReleaseNames.AppLabel] = settings.AppName,
                [ReleaseNames.EnvironmentLabel] = settings.Environment,
                [ReleaseNames.RoleLabel] = "redis",
                [ReleaseNames.CheckoutLabel] = EnvironmentOwner.CheckoutOf(settings),
            },
            "unless-stopped",
            ["redis-server", "--requirepass", redis.Password, "--appendonly", "yes", "--dir", "/data"]));
        log.Information("Started Redis {0} with its data in {1}.", redis.Container, redis.DataFolder);
    }

    /// <summary>
    /// The old default kept the data in the checkout (.deploy/ENV/redis-data), where 'git clean -xfd' or 'rm -rf .deploy'
    /// deletes it under the running Redis. Moved once: Redis is stopped for it, the copy is verified before the old folder
    /// goes, and the container (which mounts the old folder) is recreated on the new one. Data already in the new place is
    /// never overwritten.
    /// </summary>
    /// <returns>The Redis container still to start or keep, or null when it must be created.</returns>
    private async Task<ContainerInfo?> MoveOutOfCheckoutAsync(DockerEngine engine, LocalRedisSettings redis, ContainerInfo? existing, string oldFolder)
    {
        var mountsOld = existing?.Mounts.GetValueOrDefault("/data") == oldFolder;
        if (!Directory.Exists(oldFolder) && existing is { Running: true } && mountsOld)
        {
            // Deleted under the running Redis (what this move prevents from now on): its keys are only in its memory.
            log.Warning("Redis {0} still runs on {1}, which was deleted: its keys are only in its memory, so it is left alone. " +
                        "Copy them out (redis-cli --rdb) into {2}, then 'docker rm -f {0}' and deploy again to start it there.", redis.Container, oldFolder, redis.DataFolder);
            return existing;
        }

        if (Directory.Exists(oldFolder))
        {
            if (!DataFolderMove.IsEmpty(redis.DataFolder))
            {
                log.Warning("Both {0} (the old place, in the checkout) and {1} hold Redis data; neither is touched and Redis {2} keeps using {3}. " +
                            "Remove the one you no longer need.", oldFolder, redis.DataFolder, redis.Container, mountsOld ? oldFolder : redis.DataFolder);
                return existing;
            }

            var stopped = existing is { Running: true } && mountsOld;
            if (stopped)
            {
                await engine.StopContainerAsync(redis.Container, AnswerTimeout);
            }

            int files;
            try
            {
                files = DataFolderMove.Move(oldFolder, redis.DataFolder);
            }
            catch when (stopped)
            {
                // The old folder is still whole: Redis serves from it again, and the next run tries the move again.
                await engine.StartContainerAsync(redis.Container);
                throw;
            }

            log.Information("Moved the Redis data ({0} files) from {1} out of the checkout to {2}; this happens once.", files, oldFolder, redis.DataFolder);
        }

        if (existing is not null && mountsOld)
        {
            await engine.RemoveContainerAsync(redis.Container);
            log.Information("Removed the Redis container {0} that mounted {1}; it is created again on {2}.", redis.Container, oldFolder, redis.DataFolder);
            return null;
        }

        return existing;
    }

    /// <summary>
    /// A Redis kept from an earlier run still has the password it was started with. When the configured one differs (the
    /// secrets file was lost and a new password generated), the app would only fail its health check much later, with the
    /// cause buried in its log: stop here, before anything of the app is touched. The password travels in the exec's
    /// environment (REDISCLI_AUTH), never on a command line.
    /// </summary>
    private static async Task RequirePasswordAsync(DockerEngine engine, DeploySettings settings, LocalRedisSettings redis)
    {
        var deadline = DateTimeOffset.UtcNow + AnswerTimeout;
        while (true)
        {
            var answer = await engine.ExecAsync(redis.Container, ["redis-cli", "ping"], new Dictionary<string, string> { ["REDISCLI_AUTH"] = redis.Password });
            if (answer.Contains("PONG", StringComparison.Ordinal))
            {
                return;
            }

            if (answer.Contains("WRONGPASS", StringComparison.Ordinal) || answer.Contains("invalid password", StringComparison.Ordinal) ||
                answer.Contains("NOAUTH", StringComparison.Ordinal))
            {
                throw new LocalRedisException(
                    $"Redis {redis.Container} does not accept the configured password (WRONGPASS): it was started with another one, so the app could not use it. " +
                    $"Put that password back in {settings.SecretsFile} (or the environment), or recreate Redis with the new one: 'docker rm -f {redis.Container}' and deploy again (its data in {redis.DataFolder} is kept).");
            }

            // Just started, it may still be loading its data or not listening yet.
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new LocalRedisException(
                    $"Redis {redis.Container} did not answer a PING within {AnswerTimeout.TotalSeconds:N0} s ({answer.ReplaceLineEndings(" ").Trim()}); see 'docker logs {redis.Container}'.");
            }

            await Task.Delay(250);
        }
    }
}

public sealed class LocalRedisException(string message) : Exception(message);
