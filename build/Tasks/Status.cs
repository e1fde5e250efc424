using System.Text.Json;
using KahaDeploy.Frosting;
using Spectre.Console;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Status))]
[ReadOnly]
[TaskDescription("Shows per environment (or only --env) the live and previous container, version, state, health, URL, since when and by whom it is live, and a newer failed run, where a local Redis keeps its data; on a swarm, each node's state and the versions it runs; --json for scripts")]
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

        // Every cell on one line: the whole table where the terminal is wide enough (a file is), else the columns
        // that tell what runs, with each environment's address and deployer under it.
        var wide = WideTable(statuses);
        if (console.Fits(wide))
        {
            console.Write(wide);
        }
        else
        {
            console.Write(NarrowTable(statuses));
            foreach (var status in statuses)
            {
                console.MarkupLine(Markup.Escape($"{status.Environment}: {status.Url}" + (status.LiveBy is null ? "" : $", deployed by {status.LiveBy}")));
            }
        }

        foreach (var status in statuses.Where(s => s.Nodes is not null))
        {
            foreach (var node in status.Nodes!)
            {
                console.MarkupLine(node.State == "ready"
                    ? Markup.Escape($"{status.Environment}: {node.Node} ready, " + (node.Tasks == 0 ? "no task" : $"{node.Tasks} task(s) of {string.Join(", ", node.Versions)}"))
                    : $"[yellow]{Markup.Escape($"{status.Environment}: {node.Node} is {node.State}: {node.Message}")}[/]");
            }
        }

        foreach (var status in statuses.Where(s => s.RedisData is not null))
        {
            console.MarkupLine(Markup.Escape($"{status.Environment}: Redis data in {status.RedisData}"));
        }

        foreach (var status in statuses.Where(s => s.Failover is not null))
        {
            console.MarkupLine($"[yellow]{Markup.Escape(status.Failover!.Line(status.Environment))}[/]");
        }

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

    private static Table WideTable(IEnumerable<StatusReader.EnvironmentStatus> statuses)
    {
        var table = new Table().AddColumns("Env", "Container", "Version", "State", "Health", "Since (UTC)", "By", "URL");
        foreach (var status in statuses)
        {
            table.AddRow(Cells(status.Environment, status.Live, status.Health, status.LiveSince, "yyyy-MM-dd HH:mm")
                .Append(status.LiveBy ?? "").Append(status.Url).Select(Markup.Escape).ToArray());
            table.AddRow(Cells("", status.Previous, "", status.Previous?.StartedAt, "yyyy-MM-dd HH:mm")
                .Append(status.Previous?.DeployedBy ?? "").Append("").Select(Markup.Escape).ToArray());
        }

        return table;
    }

    private static Table NarrowTable(IEnumerable<StatusReader.EnvironmentStatus> statuses)
    {
        var table = new Table().AddColumns("Env", "Container", "Version", "State", "Health", "Since (UTC)");
        foreach (var status in statuses)
        {
            table.AddRow(Cells(status.Environment, status.Live, status.Health, status.LiveSince, "MM-dd HH:mm").Select(Markup.Escape).ToArray());
            table.AddRow(Cells("", status.Previous, "", status.Previous?.StartedAt, "MM-dd HH:mm").Select(Markup.Escape).ToArray());
        }

        return table;
    }

    private static IEnumerable<string> Cells(string environment, StatusReader.ContainerStatus? container, string health, DateTimeOffset? since, string dateFormat) =>
    [
        environment,
        container?.Name ?? "-",
        container?.Version ?? "-",
        container?.State ?? "absent",
        health,
        since?.UtcDateTime.ToString(dateFormat, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    ];
}
