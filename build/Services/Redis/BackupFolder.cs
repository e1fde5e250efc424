using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace KahaDeploy.Services.Redis;

/// <summary>
/// An environment's backups folder: <c>UTC-TIME-ENV.rdb</c> files, each with its sidecar <c>.json</c>. Files appear
/// whole or not at all (written under a temporary name, then renamed), the folder is the owner's alone (0700), and
/// the names carry the times retention goes by.
/// </summary>
public static class BackupFolder
{
    private const string TimeFormat = "yyyyMMdd'T'HHmmss.fff'Z'";
    private const string TempPrefix = ".partial-";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public sealed record Backup(string Path, DateTimeOffset Taken, BackupSidecar? Sidecar)
    {
        public string Name => System.IO.Path.GetFileName(Path);

        public string SidecarPath => SidecarOf(Path);
    }

    public static string Create(DeploySettings settings)
    {
        DataHome.CreatePrivate(settings.Backups.Folder);
        return settings.Backups.Folder;
    }

    /// <summary>A name for a backup taken now, and the temporary name it is written under first.</summary>
    public static (string Final, string Temp) NewNames(DeploySettings settings, DateTimeOffset now)
    {
        var name = $"{now.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)}-{settings.Environment}.rdb";
        return (Path.Combine(settings.Backups.Folder, name), Path.Combine(settings.Backups.Folder, TempPrefix + name));
    }

    /// <summary>The environment's backups, newest first; a file whose name carries no time is not one of them.</summary>
    public static IReadOnlyList<Backup> List(DeploySettings settings)
    {
        if (!Directory.Exists(settings.Backups.Folder))
        {
            return [];
        }

        var suffix = $"-{settings.Environment}.rdb";
        return Directory.EnumerateFiles(settings.Backups.Folder, "*" + suffix)
            .Select(path => (Path: path, Stamp: Path.GetFileName(path)[..^suffix.Length]))
            .Where(file => DateTimeOffset.TryParseExact(file.Stamp, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
            .Select(file => new Backup(file.Path, DateTimeOffset.ParseExact(file.Stamp, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal), ReadSidecar(file.Path)))
            .OrderByDescending(backup => backup.Taken)
            .ToList();
    }

    /// <summary>--from: latest, a backup's file name in the folder, or a path to an RDB file that has its sidecar beside it.</summary>
    public static Backup Find(DeploySettings settings, string? from)
    {
        var backups = List(settings);
        if (from is null or "latest")
        {
            return backups.FirstOrDefault() ?? throw new RedisBackupException(
                $"{settings.Environment} has no backup in {settings.Backups.Folder} yet; take one with --target=Backup --env={settings.Environment}.");
        }

        var path = Path.GetFullPath(from.Contains('/') ? from : Path.Combine(settings.Backups.Folder, from));
        if (backups.FirstOrDefault(backup => backup.Path == path) is { } listed)
        {
            return listed;
        }

        if (!File.Exists(path))
        {
            var newest = backups.FirstOrDefault()?.Name ?? "none yet";
            throw new RedisBackupException($"--from={from}: no such backup; use --from=latest or a file that --target=Backups --env={settings.Environment} lists (the newest is {newest}).");
        }

        return new Backup(path, File.GetLastWriteTimeUtc(path), ReadSidecar(path));
    }

    /// <summary>
    /// The file as its sidecar describes it, byte for byte (SHA-256): a damaged or replaced file is found before anyone
    /// relies on it. Returns the sidecar.
    /// </summary>
    public static BackupSidecar CheckIntact(Backup backup)
    {
        var sidecar = backup.Sidecar ?? throw new RedisBackupException(
            $"{backup.Path} has no sidecar ({Path.GetFileName(backup.SidecarPath)}) saying what it holds; use a backup taken by --target=Backup.");
        var sha = Sha256Of(backup.Path);
        return sha == sidecar.Sha256
            ? sidecar
            : throw new RedisBackupException(
                $"{backup.Name} is damaged: its SHA-256 is {sha[..12]}…, its sidecar says {sidecar.Sha256[..12]}… (the file changed after it was taken); use an older backup (--target=Backups lists them).");
    }

    /// <summary>Sidecar first, then the RDB file renamed into place: a listed backup always has its sidecar.</summary>
    public static Backup Commit(string temp, string final, BackupSidecar sidecar)
    {
        var sidecarPath = SidecarOf(final);
        var sidecarTemp = Path.Combine(Path.GetDirectoryName(sidecarPath)!, TempPrefix + Path.GetFileName(sidecarPath));
        File.WriteAllText(sidecarTemp, JsonSerializer.Serialize(sidecar, Json));
        File.Move(sidecarTemp, sidecarPath, overwrite: true);
        File.Move(temp, final, overwrite: false);
        return new Backup(final, sidecar.Taken, sidecar);
    }

    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>
    /// Keeps the newest <see cref="BackupSettings.Keep"/>, and the newest of each UTC day for <see cref="BackupSettings.DailyDays"/>
    /// days (today included); removes the rest, sidecars with them. <paramref name="spare"/> is never removed (the backup a
    /// restore is about to load). Returns the names removed.
    /// </summary>
    public static IReadOnlyList<string> ApplyRetention(DeploySettings settings, DateTimeOffset now, string? spare = null)
    {
        var backups = List(settings);
        var firstDay = now.UtcDateTime.Date.AddDays(1 - settings.Backups.DailyDays);
        var daily = backups
            .Where(backup => backup.Taken.UtcDateTime >= firstDay)
            .GroupBy(backup => backup.Taken.UtcDateTime.Date)
            .Select(day => day.First().Path);
        var kept = backups.Take(settings.Backups.Keep).Select(backup => backup.Path).Concat(daily).ToHashSet();
        var removed = new List<string>();
        foreach (var backup in backups.Where(backup => !kept.Contains(backup.Path) && backup.Path != spare))
        {
            File.Delete(backup.SidecarPath);
            File.Delete(backup.Path);
            removed.Add(backup.Name);
        }

        // What a killed run left half-written; a day old, so no snapshot still being taken (a timer's, say) loses its file.
        foreach (var partial in Directory.EnumerateFiles(settings.Backups.Folder, $"{TempPrefix}*-{settings.Environment}.*")
                     .Where(partial => File.GetLastWriteTimeUtc(partial) < now.UtcDateTime.AddDays(-1)))
        {
            File.Delete(partial);
        }

        return removed;
    }

    private static string SidecarOf(string rdb) => Path.ChangeExtension(rdb, ".json");

    private static BackupSidecar? ReadSidecar(string rdb)
    {
        try
        {
            return File.Exists(SidecarOf(rdb)) ? JsonSerializer.Deserialize<BackupSidecar>(File.ReadAllText(SidecarOf(rdb)), Json) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
