using System.Text.Json;
using KahaDeploy.Frosting;
using Spectre.Console;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Releases))]
[ReadOnly]
[TaskDescription("Lists the releases of --env that Rollback --to=SHA can go back to, newest first: commit, message, built, deployed, by whom, state (on a swarm: the images pushed to its registry); --json for scripts")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class Releases(ReleaseStrategies strategies, IAnsiConsole console) : AsyncFrostingTask<DeployContext>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public override async Task RunAsync(DeployContext context)
    {
        var settings = context.ReadOnlySettings;
        var strategy = strategies.For(settings);
        var releases = await strategy.Reader.ListAsync(settings);
        if (context.Json)
        {
            System.Console.Out.WriteLine(JsonSerializer.Serialize(new { environment = settings.Environment, releases }, Json));
            return;
        }

        // Each release on one line where there is room (a file, a wide terminal); else times on two lines, as History does,
        // and the message cut short: it helps choose, but the commit is what --to takes.
        var table = Table(releases, " ", int.MaxValue);
        console.Write(console.Fits(table) ? table : Table(releases, "\n", NarrowMessage));
        console.MarkupLine(Markup.Escape(releases.Count == 0
            ? $"{settings.Environment} keeps no release yet."
            : strategy.WhyNot(ReleaseStep.RollbackTo, settings) is null
                ? $"Go back to one with --target=Rollback --env={settings.Environment} --to=COMMIT."
                : $"--target=Rollback --env={settings.Environment} goes back to {settings.PreviousContainer}; for another commit, deploy it: --target=Deploy --env={settings.Environment} --sha=COMMIT."));
        if (RenameJournal.PendingWarning(settings) is { } pending)
        {
            console.MarkupLine($"[yellow]Warning: {Markup.Escape(pending)}[/]");
        }
    }

    private const int NarrowMessage = 24;

    private static Table Table(IEnumerable<RetainedReleases.RetainedRelease> releases, string breakWith, int messageWidth)
    {
        var table = new Table().AddColumns("Commit", "State", "Deployed (UTC)", "By", "Built (UTC)", "Message");
        foreach (var release in releases)
        {
            table.AddRow(
                Markup.Escape(release.Short),
                Markup.Escape(release.State),
                Markup.Escape(When(release.Deployed, breakWith)),
                Markup.Escape(release.DeployedBy ?? "-"),
                Markup.Escape(When(release.Built, breakWith)),
                Markup.Escape(release.Message.Length > messageWidth ? release.Message[..(messageWidth - 1)] + "…" : release.Message));
        }

        return table;
    }

    private static string When(DateTimeOffset? time, string breakWith) =>
        time is { } at ? $"{at.UtcDateTime:yyyy-MM-dd}{breakWith}{at.UtcDateTime:HH:mm}" : "-";
}
