using System.Text.Json;
using KahaDeploy.Frosting;
using KahaDeploy.Services;
using Spectre.Console;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Status))]
[TaskDescription("Shows per environment (or only --env) the live and previous container, version, state, health, URL, since when and by whom it is live, and a newer failed run; --json for scripts")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class Status(StatusReader reader, IAnsiConsole console) : AsyncFrostingTask<DeployContext>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public override async Task RunAsync(DeployContext context)
    {
        var statuses = new List<StatusReader.EnvironmentStatus>();
        foreach (var settings in context.SettingsForStatus())
        {
            statuses.Add(await reader.ReadAsync(settings));
        }

        if (context.Json)
        {
            System.Console.Out.WriteLine(JsonSerializer.Serialize(new { environments = statuses }, Json));
            return;
        }

        var table = new Table().AddColumns("Env", "Container", "Version", "State", "Health", "Since", "By", "URL");
        foreach (var status in statuses)
        {
            AddRow(table, status.Environment, status.Live, status.Health, status.LiveSince, status.LiveBy, status.Url);
            AddRow(table, "", status.Previous, "", status.Previous?.StartedAt, status.Previous?.DeployedBy, "");
        }

        console.Write(table);
        foreach (var warning in statuses.SelectMany(s => s.Warnings))
        {
            console.MarkupLine($"[yellow]Warning: {Markup.Escape(warning)}[/]");
        }

        foreach (var status in statuses.Where(s => s.LastFailedRun is not null))
        {
            var run = status.LastFailedRun!;
            console.MarkupLine(Markup.Escape(
                $"{status.Environment}: the last {run.Target} ({run.Started.UtcDateTime:yyyy-MM-dd HH:mm}Z by {run.Performer}, version {run.Version ?? "unknown"}) {run.Result}"
                + (run.FailedTask is null ? "" : $" in {run.FailedTask}") + $": {run.Error}"));
        }
    }

    private static void AddRow(Table table, string environment, StatusReader.ContainerStatus? container, string health, DateTimeOffset? since, string? by, string url) =>
        table.AddRow(
            Markup.Escape(environment),
            Markup.Escape(container?.Name ?? "-"),
            Markup.Escape(container?.Version ?? "-"),
            Markup.Escape(container?.State ?? "absent"),
            Markup.Escape(health),
            Markup.Escape(since?.UtcDateTime.ToString("yyyy-MM-dd HH:mm") ?? ""),
            Markup.Escape(by ?? ""),
            Markup.Escape(url));
}
