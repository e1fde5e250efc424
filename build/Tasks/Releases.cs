using System.Text.Json;
using KahaDeploy.Frosting;
using KahaDeploy.Services;
using Spectre.Console;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Releases))]
[TaskDescription("Lists the releases of --env that Rollback --to=SHA can go back to, newest first: commit, message, built, deployed, by whom, state; --json for scripts")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class Releases(RetainedReleases retained, IAnsiConsole console) : AsyncFrostingTask<DeployContext>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public override async Task RunAsync(DeployContext context)
    {
        var settings = context.ReadOnlySettings;
        var releases = await retained.ListAsync(settings);
        if (context.Json)
        {
            System.Console.Out.WriteLine(JsonSerializer.Serialize(new { environment = settings.Environment, releases }, Json));
            return;
        }

        // Times on two lines, as History does, so that the table fits 80 columns without cutting a commit id.
        var table = new Table().AddColumns("Commit", "State", "Deployed (UTC)", "By", "Built (UTC)", "Message");
        foreach (var release in releases)
        {
            table.AddRow(
                Markup.Escape(release.Short),
                Markup.Escape(release.State),
                Markup.Escape(When(release.Deployed)),
                Markup.Escape(release.DeployedBy ?? "-"),
                Markup.Escape(When(release.Built)),
                Markup.Escape(release.Message));
        }

        console.Write(table);
        console.MarkupLine(releases.Count == 0
            ? Markup.Escape($"{settings.Environment} keeps no release yet.")
            : Markup.Escape($"Go back to one with --target=Rollback --env={settings.Environment} --to=COMMIT."));
    }

    private static string When(DateTimeOffset? time) => time is { } at ? $"{at.UtcDateTime:yyyy-MM-dd}\n{at.UtcDateTime:HH:mm}" : "-";
}
