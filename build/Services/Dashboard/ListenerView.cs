using System.Text;
using System.Text.Json;
using static KahaDeploy.Services.Dashboard.Html;

namespace KahaDeploy.Services.Dashboard;

/// <summary>
/// Under Listen, the push queue and the recent deliveries, from the very document GET /status answers (read once per
/// page): the running and waiting push deploy of each environment, and each delivery with its decision.
/// </summary>
public sealed class ListenerView(JsonElement status)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<ListenerView?> ReadAsync(Func<Task<object>>? listenerStatus) =>
        listenerStatus is null ? null : new ListenerView(JsonSerializer.SerializeToElement(await listenerStatus(), Json));

    public string Lane(string environment)
    {
        var lane = status.GetProperty("environments").EnumerateArray().FirstOrDefault(e => e.GetProperty("environment").GetString() == environment);
        if (lane.ValueKind != JsonValueKind.Object)
        {
            return "";
        }

        var body = new StringBuilder();
        foreach (var (key, label) in new[] { ("running", "push deploy running"), ("waiting", "push deploy waiting") })
        {
            if (lane.GetProperty(key) is { ValueKind: JsonValueKind.Object } job)
            {
                body.Append($"<p class=\"queue\">{Badge(key == "running" ? RunRecord.Running : "waiting")} {E(label)}: ")
                    .Append($"{E(Text(job, "sha") is { } sha ? sha[..Math.Min(12, sha.Length)] : Text(job, "image"))} by {E(Text(job, "performer"))} ({E(Text(job, "trigger"))}), ")
                    .Append($"{E(job.GetProperty("deliveryCount").GetInt32())} delivery(ies)</p>");
            }
        }

        return body.ToString();
    }

    public string Deliveries()
    {
        var body = new StringBuilder("<h2>Recent deliveries</h2><div class=\"scroll\"><table class=\"deliveries\"><thead><tr><th>At</th><th>From</th><th>Delivery</th><th>Answer</th><th>Decision</th></tr></thead><tbody>");
        foreach (var delivery in status.GetProperty("deliveries").EnumerateArray().Take(20))
        {
            body.Append($"<tr><td>{Time(delivery.GetProperty("at").GetDateTimeOffset())}</td><td>{E(Text(delivery, "source"))} {E(Text(delivery, "client"))}</td>")
                .Append($"<td><code>{E(Text(delivery, "delivery"))}</code></td><td>{E(delivery.GetProperty("status").GetInt32())}</td><td>{E(Text(delivery, "message"))}</td></tr>");
        }

        return body.Append("</tbody></table></div>").ToString();
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
