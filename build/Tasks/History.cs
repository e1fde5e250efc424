using System.Text.Json;
using KahaDeploy.Frosting;
using KahaDeploy.Services;
using Spectre.Console;

namespace KahaDeploy.Tasks;

[TaskName(nameof(History))]
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

        var table = new Table().AddColumns("Started (UTC)", "Target", "By", "Version", "Result", "Duration", "Failed task / error");
        foreach (var run in runs)
        {
            table.AddRow(
                Markup.Escape($"{run.Started.UtcDateTime:yyyy-MM-dd HH:mm:ss}"),
                Markup.Escape(run.Target),
                Markup.Escape($"{run.Performer} ({run.Trigger})"),
                Markup.Escape(run.Version ?? "-"),
                run.Result switch
                {
                    RunRecord.Succeeded => "[green]succeeded[/]",
                    RunRecord.Running => "[blue]running[/]",
                    var other => $"[red]{Markup.Escape(other)}[/]",
                },
                Markup.Escape(run.DurationSeconds is { } seconds ? $"{seconds:N1} s" : "-"),
                Markup.Escape(run.FailedTask is null ? run.Error ?? "" : $"{run.FailedTask}: {run.Error}"));
        }

        console.Write(table);
        if (runs.Count == 0)
        {
            console.MarkupLine($"No run has changed {Markup.Escape(settings.Environment)} yet.");
        }
        else if (runs.LastOrDefault(r => r.Result is RunRecord.Failed or RunRecord.Interrupted) is { Log: { } log })
        {
            console.MarkupLine($"Log of the last failed run: {Markup.Escape(Path.Combine(settings.EnvironmentStateFolder, log))}");
        }
    }
}
