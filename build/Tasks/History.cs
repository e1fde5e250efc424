using System.Text.Json;
using KahaDeploy.Frosting;
using Spectre.Console;

namespace KahaDeploy.Tasks;

[TaskName(nameof(History))]
[ReadOnly]
[TaskDescription("Lists the last runs that changed --env (--last=N, default 20): when, what, who and how, version, result, duration; --json for scripts")]
public sealed class History(RunHistory history, IAnsiConsole console) : FrostingTask<DeployContext>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public override void Run(DeployContext context)
    {
        var settings = context.ReadOnlySettings;
        var runs = history.Read(settings.EnvironmentStateFolder).TakeLast(context.Last).ToList();
        if (context.Json)
        {
            System.Console.Out.WriteLine(JsonSerializer.Serialize(new { environment = settings.Environment, runs }, Json));
            return;
        }

        // Each run on one line where there is room (a file, a wide terminal); else its cells broken into lines by hand,
        // so that the table fits 80 columns without cutting a word.
        var table = Table(runs, " ");
        console.Write(console.Fits(table) ? table : Table(runs, "\n"));
        if (runs.Count == 0)
        {
            console.MarkupLine($"No run has changed {Markup.Escape(settings.Environment)} yet.");
        }
        else if (runs.LastOrDefault(r => r.Result is RunRecord.Failed or RunRecord.Interrupted) is { } failed)
        {
            console.MarkupLine(Markup.Escape($"The last failed run ({failed.Target}, {failed.Started.UtcDateTime:yyyy-MM-dd HH:mm}): {failed.Error}"));
            console.MarkupLine(Markup.Escape($"Its log: {Path.Combine(settings.EnvironmentStateFolder, failed.Log ?? "")}"));
        }
    }

    private static Table Table(IEnumerable<RunRecord> runs, string breakWith)
    {
        var table = new Table().AddColumns("Started (UTC)", "Target", "Version", "By", "Result", "Took");
        foreach (var run in runs)
        {
            table.AddRow(
                Markup.Escape($"{run.Started.UtcDateTime:yyyy-MM-dd}{breakWith}{run.Started.UtcDateTime:HH:mm:ss}"),
                Markup.Escape(run.Target),
                Markup.Escape(run.Version ?? "-"),
                Markup.Escape($"{run.Performer}{breakWith}({run.Trigger})"),
                run.Result switch
                {
                    RunRecord.Succeeded => "[green]succeeded[/]",
                    RunRecord.Unchanged => "unchanged",
                    RunRecord.FailedOver => "[yellow]failover[/]",
                    RunRecord.Running => "[blue]running[/]",
                    var other => $"[red]{Markup.Escape(other)}{(run.FailedTask is null ? "" : $" in{breakWith}{Markup.Escape(run.FailedTask)}")}[/]",
                },
                Markup.Escape(run.DurationSeconds is { } seconds ? $"{seconds:N1} s" : "-"));
        }

        return table;
    }
}
