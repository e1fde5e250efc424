using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Redis;

/// <summary>
/// A backup nobody has restored is not a backup: this one is checked byte for byte against its sidecar, then loaded
/// into a throwaway Redis of its own, which must start and hold the keys the sidecar says.
/// </summary>
public sealed class BackupVerifier(ScratchRedis scratch, ICakeLog log)
{
    private const string Loaded = "/verify/backup.rdb";

    public async Task VerifyAsync(DeploySettings settings, string? from)
    {
        var backup = BackupFolder.Find(settings, from);
        var sidecar = BackupFolder.CheckIntact(backup);
        var what = $"Backup {backup.Name}";

        // Bound to the container's loopback with nothing saved: it serves no one and writes nothing back.
        await using var redis = await scratch.StartAsync(settings, "verify", [$"{backup.Path}:{Loaded}:ro"], network: null,
            ["redis-server", "--bind", "127.0.0.1", "--dir", "/verify", "--dbfilename", "backup.rdb", "--appendonly", "no", "--save", ""]);
        async Task<string> Cli(IReadOnlyList<string> command) => (await redis.RunAsync(["redis-cli", .. command])).Output;
        async Task<string?> Gone() => await redis.InspectAsync() is { Running: true }
            ? null
            : (await redis.LogsAsync(5)).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "the Redis loading it stopped";
        await RedisKeyspace.WaitUntilLoadedAsync(Cli, Gone, what);
        var keys = await RedisKeyspace.CountAsync(Cli);
        if (!sidecar.Matches(keys))
        {
            throw new RedisBackupException($"{what} loads, but with {keys} keys where its sidecar says {sidecar.KeysText}; do not rely on it, take a new one with --target=Backup --env={settings.Environment}.");
        }

        log.Information("Verified {0}: it loads into a fresh Redis with {1} keys, as its sidecar says (taken {2:yyyy-MM-dd HH:mm:ss}Z, SHA-256 matches).",
            backup.Name, keys, sidecar.Taken.UtcDateTime);
    }
}
