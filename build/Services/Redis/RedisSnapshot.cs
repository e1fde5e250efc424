using System.Diagnostics;
using System.Globalization;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Redis;

/// <summary>
/// Takes a consistent snapshot of an environment's Redis into its backups folder: the local container saves one
/// (BGSAVE) and its RDB file is copied; a Redis given by URL streams one over the replication protocol
/// (redis-cli --rdb) to a scratch container on the environment's network. Redis's own checker then reads the file
/// for the sidecar, and retention removes what is no longer kept.
/// </summary>
public sealed class RedisSnapshot(DockerConnector docker, ScratchRedis scratch, ICakeLog log)
{
    private static readonly TimeSpan SaveTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private const string Mounted = "/backups";

    /// <summary>Whether there is a Redis to back up: one given by URL always (unreachable, the backup says so), a local one once created.</summary>
    public async Task<bool> HasRedisAsync(DeploySettings settings) =>
        settings.LocalRedis is not { } local || await docker.Engine.InspectContainerAsync(local.Container) is not null;

    /// <param name="spare">a backup retention must not remove (the one a restore is about to load).</param>
    public async Task<BackupFolder.Backup> TakeAsync(DeploySettings settings, string? spare = null)
    {
        var endpoint = RedisEndpoint.For(settings);
        var folder = BackupFolder.Create(settings);
        var started = Stopwatch.StartNew();
        var now = DateTimeOffset.UtcNow;
        var (final, temp) = BackupFolder.NewNames(settings, now);
        try
        {
            await using var container = await scratch.StartAsync(settings, "backup", [$"{folder}:{Mounted}"], settings.LocalRedis is null ? settings.Network : null);
            var mountedTemp = $"{Mounted}/{Path.GetFileName(temp)}";
            if (settings.LocalRedis is { } local)
            {
                await SaveLocalAsync(local, temp);
            }
            else
            {
                await StreamRemoteAsync(container, endpoint, mountedTemp, settings);
            }

            var took = started.Elapsed;
            var (code, output) = await container.RunAsync(RdbCheck.Command(mountedTemp));
            var check = RdbCheck.Parse(code, output, $"The snapshot of {endpoint}");
            TryMakePrivate(temp);
            var sidecar = new BackupSidecar(
                Path.GetFileName(final), settings.Environment, now, new FileInfo(temp).Length, BackupFolder.Sha256Of(temp),
                check.RedisVersion, check.Keys, check.Expires, Math.Round(took.TotalSeconds, 3),
                settings.LocalRedis is null ? $"redis.url {endpoint}" : $"container {settings.LocalRedis.Container}");
            var backup = BackupFolder.Commit(temp, final, sidecar);
            log.Information("Backed up {0} {1}'s Redis ({2}) to {3}: {4}, {5:N0} bytes, Redis {6}, in {7} s.",
                settings.AppName, settings.Environment, endpoint, final, sidecar.KeysText, sidecar.SizeBytes, sidecar.RedisVersion,
                took.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture));
            var removed = BackupFolder.ApplyRetention(settings, now, spare);
            if (removed.Count > 0)
            {
                log.Information("Removed {0} older backup(s) that backups.keep ({1}) and backups.dailyDays ({2}) no longer keep: {3}.",
                    removed.Count, settings.Backups.Keep, settings.Backups.DailyDays, string.Join(", ", removed));
            }

            return backup;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>BGSAVE, then wait until Redis says it finished (LASTSAVE moved, no save in progress) and copy its file.</summary>
    private async Task SaveLocalAsync(LocalRedisSettings local, string temp)
    {
        var engine = docker.Engine;
        if (await engine.InspectContainerAsync(local.Container) is not { Running: true })
        {
            throw new RedisBackupException($"Redis {local.Container} is not running, so it cannot save a snapshot; start it (--target=StartRedis) and back up again.");
        }

        var auth = new Dictionary<string, string> { ["REDISCLI_AUTH"] = local.Password };
        var before = await engine.ExecAsync(local.Container, ["redis-cli", "LASTSAVE"], auth);
        // LASTSAVE counts whole seconds: a save that ends in the second of the last one would not move it, and the wait
        // below would never end. Starting in a later second, ours is sure to move it.
        if (long.TryParse(before.Trim(), CultureInfo.InvariantCulture, out var lastSecond))
        {
            while (DateTimeOffset.UtcNow.ToUnixTimeSeconds() <= lastSecond)
            {
                await Task.Delay(50);
            }
        }

        var deadline = DateTimeOffset.UtcNow + SaveTimeout;
        while (true)
        {
            var answer = await engine.ExecAsync(local.Container, ["redis-cli", "BGSAVE"], auth);
            if (answer.Contains("Background saving started", StringComparison.Ordinal))
            {
                break;
            }

            // A save or an AOF rewrite already running: this snapshot must start after it, so wait and ask again.
            if (!answer.Contains("in progress", StringComparison.Ordinal) || DateTimeOffset.UtcNow > deadline)
            {
                throw new RedisBackupException($"Redis {local.Container} refused to save a snapshot ({Line(answer)}); see 'docker logs {local.Container}'.");
            }

            await Task.Delay(200);
        }

        while (true)
        {
            var persistence = await engine.ExecAsync(local.Container, ["redis-cli", "INFO", "persistence"], auth);
            var last = await engine.ExecAsync(local.Container, ["redis-cli", "LASTSAVE"], auth);
            if (last.Trim() != before.Trim() && persistence.Contains("rdb_bgsave_in_progress:0", StringComparison.Ordinal))
            {
                if (!persistence.Contains("rdb_last_bgsave_status:ok", StringComparison.Ordinal))
                {
                    throw new RedisBackupException($"Redis {local.Container} failed to save its snapshot (rdb_last_bgsave_status is not ok); see 'docker logs {local.Container}' (a full disk?).");
                }

                break;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new RedisBackupException($"Redis {local.Container} did not finish its snapshot within {SaveTimeout.TotalMinutes:N0} minutes; see 'docker logs {local.Container}'.");
            }

            await Task.Delay(100);
        }

        // The file is replaced by rename on the next save: the copy reads the one just finished, whole.
        File.Copy(Path.Combine(local.DataFolder, "dump.rdb"), temp);
    }

    private static async Task StreamRemoteAsync(ScratchRedis.Container container, RedisEndpoint endpoint, string mountedTemp, DeploySettings settings)
    {
        var seconds = ((int)ConnectTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        var (_, pong) = await container.RunAsync(["timeout", seconds, "redis-cli", .. endpoint.CliArguments, "PING"], endpoint.Auth);
        if (!pong.Contains("PONG", StringComparison.Ordinal))
        {
            var reason = pong.Length == 0 ? $"no answer within {seconds} s" : Line(pong);
            throw new RedisBackupException($"Could not back up {settings.AppName} {settings.Environment}'s Redis at {endpoint}: {reason}.");
        }

        var (code, output) = await container.RunAsync(["redis-cli", .. endpoint.CliArguments, "--rdb", mountedTemp], endpoint.Auth);
        if (code != 0 || !output.Contains("Transfer finished with success", StringComparison.Ordinal))
        {
            throw new RedisBackupException($"Could not back up {settings.AppName} {settings.Environment}'s Redis at {endpoint}: the snapshot transfer failed ({Line(output)}).");
        }
    }

    private static void TryMakePrivate(string file)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        catch (UnauthorizedAccessException)
        {
            // Written by the scratch container's root for a tool run as another user: the 0700 folder still keeps others out.
        }
    }

    /// <summary>The last line of what a command printed, for a one-line error.</summary>
    private static string Line(string output) =>
        output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "no output";
}
