using System.Text.Json;

namespace KahaDeploy.Services.Webhooks;

/// <summary>
/// .deploy/listener/queue.json: the deploys accepted but not started. GitHub got its 202 and will not deliver again, so
/// they must outlive a stop or a crash of the listener: the file is rewritten (temp + rename, 0600: it holds callback
/// URLs) whenever they change, and what it holds runs when the listener starts again.
/// </summary>
public sealed class QueueFile(string file)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record Stored(
        string Environment, string? Sha, string? Image, string Trigger, string Performer, string Source, string Hook, string Delivery, Uri? Callback, bool AllowOlder);

    /// <summary>What the file holds, so a push that changes nothing in it (one more push of a waiting commit) writes nothing.</summary>
    private byte[] _written = [];

    public string Path => file;

    /// <summary>Called under the queue's lock, so the file follows the queue's own order of changes.</summary>
    public void Save(IEnumerable<DeployJob> waiting)
    {
        var jobs = waiting.Select(job => Distinct(job.Requests).Select(r => new Stored(
            r.Environment, r.Sha, r.Image, r.Trigger, r.Performer, r.Delivery.Source, r.Delivery.Hook, r.Delivery.Delivery, r.Callback, r.AllowOlder)).ToList()).ToList();
        var content = JsonSerializer.SerializeToUtf8Bytes(jobs, Json);
        if (content.AsSpan().SequenceEqual(_written))
        {
            return;
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        var temporary = file + ".tmp";
        using (var stream = new FileStream(temporary, Host.OwnerOnlyFile.ForWriting(FileMode.Create)))
        {
            stream.Write(content);
        }

        File.Move(temporary, file, overwrite: true);
        _written = content;
    }

    /// <summary>
    /// Pushes of the same commit or image (with the same callback) would run alike: the first of each is enough to run
    /// them again, and a flood of pushes folded into one deploy leaves the file small and, mostly, unchanged.
    /// </summary>
    private static IEnumerable<DeployRequest> Distinct(IReadOnlyList<DeployRequest> requests) =>
        requests.DistinctBy(request => (request.Sha, request.Image, request.Callback, request.AllowOlder));

    /// <summary>The waiting deploys the last run left, each as the requests it folded, oldest first.</summary>
    public IReadOnlyList<IReadOnlyList<DeployRequest>> Load(Action<string> warn)
    {
        if (!File.Exists(file))
        {
            return [];
        }

        try
        {
            return (JsonSerializer.Deserialize<List<List<Stored>>>(File.ReadAllBytes(file), Json) ?? [])
                .Where(job => job.Count > 0)
                .Select(job => (IReadOnlyList<DeployRequest>)job.Select(s => new DeployRequest(
                    s.Environment, s.Sha, s.Image, s.Trigger, s.Performer, new DeliveryKey(s.Source, s.Hook, s.Delivery), s.Callback, s.AllowOlder)).ToList())
                .ToList();
        }
        catch (JsonException)
        {
            warn($"{file} is not valid JSON; the deploys it held do not run (push again, or deploy by hand).");
            return [];
        }
    }
}
