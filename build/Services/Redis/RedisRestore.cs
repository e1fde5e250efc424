using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Redis;

/// <summary>
/// Puts a backup back into the environment's own Redis container. The app's writes stop first (its running releases are
/// stopped), the current data is backed up, Redis is stopped, the RDB replaces its files, and Redis must come back with
/// the backup's keys before the app is started again. A Redis given by URL is someone else's database: refused, with
/// the steps to do it by hand.
/// </summary>
public sealed class RedisRestore(DockerConnector docker, RedisSnapshot snapshot, ScratchRedis scratch, ICakeLog log)
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(30);

    public async Task RestoreAsync(DeployContext context, string? from)
    {
        var settings = context.Settings;
        var backup = BackupFolder.Find(settings, from);
        var sidecar = BackupFolder.CheckIntact(backup);
        if (settings.LocalRedis is not { } local)
        {
            throw new RedisBackupException(ManualSteps(settings, backup, sidecar));
        }

        log.Information("Restoring {0} {1}'s Redis {2} from {3} ({4}, taken {5:yyyy-MM-dd HH:mm:ss}Z); the current data is backed up first.",
            settings.AppName, settings.Environment, local.Container, backup.Name, sidecar.KeysText, sidecar.Taken.UtcDateTime);
        var before = await snapshot.TakeAsync(settings, spare: backup.Path);

        context.Run.StartChanges();
        var engine = docker.Engine;
        var stopped = new List<string>();
        try
        {
            // The app stops writing while its database is replaced: its running releases (live, and a standby) stop.
            foreach (var release in await engine.ListContainersAsync($"{ReleaseNames.AppLabel}={settings.AppName}"))
            {
                if (release.Running && release.Labels.GetValueOrDefault(ReleaseNames.EnvironmentLabel) == settings.Environment &&
                    release.Labels.GetValueOrDefault(ReleaseNames.RoleLabel) == "app")
                {
                    await engine.StopContainerAsync(release.Name, StopGrace);
                    stopped.Add(release.Name);
                }
            }

            await engine.StopContainerAsync(local.Container, StopGrace);
            ReplaceData(local, backup);
            await RebuildAppendOnlyFileAsync(settings, local, backup.Name, sidecar);
            await engine.StartContainerAsync(local.Container);
            var auth = new Dictionary<string, string> { ["REDISCLI_AUTH"] = local.Password };
            Task<string> Cli(IReadOnlyList<string> command) => engine.ExecAsync(local.Container, ["redis-cli", .. command], auth);
            await RedisKeyspace.WaitUntilLoadedAsync(Cli, async () => await engine.InspectContainerAsync(local.Container) is { Running: true } ? null : "it stopped", $"Redis {local.Container}");
            var keys = await RedisKeyspace.CountAsync(Cli);
            if (!sidecar.Matches(keys))
            {
                throw new RedisBackupException($"Redis {local.Container} came back with {keys} keys, where {backup.Name} holds {sidecar.KeysText}; the data from before is in {before.Path}.");
            }

            log.Information("Restored {0} {1}'s Redis from {2}: {3} keys, as the backup holds. The data from before the restore is in {4}.",
                settings.AppName, settings.Environment, backup.Name, keys, before.Name);
        }
        finally
        {
            // Whatever happened, Redis and the app run again: a failed restore says where the data from before is.
            if (await engine.InspectContainerAsync(local.Container) is { Running: false })
            {
                await engine.StartContainerAsync(local.Container);
            }

            foreach (var release in stopped)
            {
                await engine.StartContainerAsync(release);
            }
        }
    }

    /// <summary>Redis 7 loads its append-only files, not dump.rdb, when they exist: they go, and the backup becomes dump.rdb.</summary>
    private static void ReplaceData(LocalRedisSettings local, BackupFolder.Backup backup)
    {
        var dump = Path.Combine(local.DataFolder, "dump.rdb");
        var temp = Path.Combine(local.DataFolder, "dump.rdb.restoring");
        File.Copy(backup.Path, temp, overwrite: true);
        File.Move(temp, dump, overwrite: true);
        var appendOnly = Path.Combine(local.DataFolder, "appendonlydir");
        if (Directory.Exists(appendOnly))
        {
            Directory.Delete(appendOnly, recursive: true);
        }

        File.Delete(Path.Combine(local.DataFolder, "appendonly.aof"));
    }

    /// <summary>
    /// A Redis started with --appendonly yes and no append-only file starts empty, ignoring dump.rdb. So a scratch Redis on the
    /// data folder loads the RDB with the append-only file off, then turns it on, which writes it from the loaded data.
    /// </summary>
    private async Task RebuildAppendOnlyFileAsync(DeploySettings settings, LocalRedisSettings local, string name, BackupSidecar sidecar)
    {
        await using var loader = await scratch.StartAsync(settings, "restore", [$"{local.DataFolder}:/data"], network: null,
            ["redis-server", "--bind", "127.0.0.1", "--dir", "/data", "--appendonly", "no", "--save", ""]);
        async Task<string> Cli(IReadOnlyList<string> command) => (await loader.RunAsync(["redis-cli", .. command])).Output;
        await RedisKeyspace.WaitUntilLoadedAsync(Cli, async () => await loader.InspectAsync() is { Running: true } ? null : (await loader.LogsAsync(1)).Trim(), $"Backup {name}");
        var keys = await RedisKeyspace.CountAsync(Cli);
        if (!sidecar.Matches(keys))
        {
            throw new RedisBackupException($"Backup {name} loaded with {keys} keys where its sidecar says {sidecar.KeysText}.");
        }

        await Cli(["CONFIG", "SET", "appendonly", "yes"]);
        while (true)
        {
            var persistence = await Cli(["INFO", "persistence"]);
            if (persistence.Contains("aof_rewrite_in_progress:0", StringComparison.Ordinal) && persistence.Contains("aof_rewrite_scheduled:0", StringComparison.Ordinal))
            {
                if (!persistence.Contains("aof_last_bgrewrite_status:ok", StringComparison.Ordinal))
                {
                    throw new RedisBackupException($"Redis could not write the append-only file from {name} (aof_last_bgrewrite_status is not ok); see the free space in {local.DataFolder}.");
                }

                break;
            }

            await Task.Delay(100);
        }

        // SHUTDOWN flushes the append-only file; redis-cli then reports the connection it lost, which is the point.
        await Cli(["SHUTDOWN", "NOSAVE"]);
        log.Verbose("Wrote Redis's append-only file from {0}.", name);
    }

    /// <summary>One line with the exact steps: the tool does not overwrite a managed database.</summary>
    private static string ManualSteps(DeploySettings settings, BackupFolder.Backup backup, BackupSidecar sidecar) =>
        $"{settings.AppName} {settings.Environment} uses a Redis given by redis.url, which this tool does not overwrite; to restore it by hand: " +
        $"1) stop the app's writes ('docker stop {settings.Container}'); " +
        $"2) on the Redis server, find its files with 'redis-cli CONFIG GET dir' and 'CONFIG GET dbfilename', then stop Redis; " +
        $"3) move its appendonlydir (or appendonly.aof) aside and copy {backup.Path} over DIR/DBFILENAME (owned by the redis user); " +
        "4) start Redis with appendonly off ('redis-server ... --appendonly no'), then 'redis-cli CONFIG SET appendonly yes' and wait for 'INFO persistence' to show aof_rewrite_in_progress:0; " +
        $"5) check 'redis-cli INFO keyspace' shows {sidecar.Keys} keys, put appendonly yes back in its configuration and restart it; " +
        $"6) start the app ('docker start {settings.Container}'). For a managed Redis (ElastiCache, Memorystore, ...), import {backup.Name} with the provider's restore-from-RDB instead.";
}
