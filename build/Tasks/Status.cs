using System.Text.Json;
using KahaDeploy.Frosting;
using KahaDeploy.Services;
using Spectre.Console;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Status))]
[TaskDescription("Shows per environment (or only --env) the live and previous container, image, version, state, health and URL; --json for scripts")]
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
            AddRow(table, status.Environment, status.Live, status.Health, status.Url);
            AddRow(table, "", status.Previous, "", "");
        }

        console.Write(table);
    }

    private static void AddRow(Table table, string environment, StatusReader.ContainerStatus? container, string health, string url) =>
        table.AddRow(
            Markup.Escape(environment),
            Markup.Escape(container?.Name ?? "-"),
            Markup.Escape(container?.Version ?? "-"),
            Markup.Escape(container?.State ?? "absent"),
            Markup.Escape(health),
            Markup.Escape(container?.StartedAt?.ToString("yyyy-MM-dd HH:mm") ?? ""),
            Markup.Escape(container?.DeployedBy ?? ""),
            Markup.Escape(url));
}
