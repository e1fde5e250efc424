using System.Globalization;
using System.Text.Json;
using KahaDeploy.Frosting;
using Spectre.Console;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Backups))]
[ReadOnly]
[TaskDescription("Lists --env's Redis backups, newest first: when, size, keys, Redis version; --json for scripts")]
public sealed class Backups(IAnsiConsole console) : FrostingTask<DeployContext>
{
    public override void Run(DeployContext context)
    {
        var settings = context.ReadOnlySettings;
        var backups = BackupFolder.List(settings);
        if (context.Json)
        {
            var listed = backups.Select(backup => new { file = backup.Path, taken = backup.Taken, sidecar = backup.Sidecar });
            System.Console.Out.WriteLine(JsonSerializer.Serialize(new { environment = settings.Environment, folder = settings.Backups.Folder, backups = listed }, BackupFolder.Json));
            return;
        }

        var table = new Table().AddColumns("Backup", "Taken (UTC)", "Size", "Keys", "Redis", "Took");
        foreach (var backup in backups)
        {
            var sidecar = backup.Sidecar;
            table.AddRow(
                Markup.Escape(backup.Name),
                Markup.Escape($"{backup.Taken.UtcDateTime:yyyy-MM-dd HH:mm:ss}"),
                Markup.Escape(sidecar is null ? "-" : Size(sidecar.SizeBytes)),
                Markup.Escape(sidecar?.Keys.ToString(CultureInfo.InvariantCulture) ?? "no sidecar"),
                Markup.Escape(sidecar?.RedisVersion ?? "-"),
                Markup.Escape(sidecar is null ? "-" : $"{sidecar.DurationSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s"));
        }

        console.Write(table);
        console.MarkupLine(Markup.Escape(backups.Count == 0
            ? $"{settings.Environment} has no backup in {settings.Backups.Folder} yet; take one with --target=Backup --env={settings.Environment}."
            : $"{backups.Count} backup(s) in {settings.Backups.Folder}; put one back with --target=Restore --env={settings.Environment} --from=NAME (or latest)."));
    }

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{(bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture)} KiB",
        _ => $"{(bytes / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture)} MiB",
    };
}
