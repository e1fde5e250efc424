using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace KahaDeploy.Tests.Support;

/// <summary>One request Slack received: its path, body (also as bytes), form fields and Authorization header.</summary>
public sealed record SlackRequest(string Path, string Body, byte[] Bytes, IReadOnlyDictionary<string, string> Form, string? Authorization);

/// <summary>
/// A real HTTP server on loopback that answers like Slack: the incoming webhook ("ok", or the documented errors queued
/// by a test), and the Web API's file upload (DESIGN.md §5): files.getUploadURLExternal hands out an upload_url on this
/// server, the bytes are POSTed there, files.completeUploadExternal shares the file. It records every request.
/// </summary>
public sealed class FakeSlack : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<(string? Path, int Status, string Body, int? RetryAfter)> _answers = new();
    private readonly ConcurrentDictionary<string, int> _uploads = new();
    private readonly CancellationTokenSource _stop = new();

    public FakeSlack()
    {
        var port = FreePort.OnLoopback();
        BaseUrl = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(BaseUrl);
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public string BaseUrl { get; }

    /// <summary>A webhook URL with a secret-looking path, as Slack hands them out.</summary>
    public string WebhookUrl => BaseUrl + "services/T000TEST/B000TEST/xoxsecretwebhooktoken42";

    /// <summary>Where this server answers Slack's Web API.</summary>
    public string ApiUrl => BaseUrl + "api/";

    /// <summary>The only bot token the Web API accepts.</summary>
    public string BotToken { get; } = "xoxb-kaha-test-" + Guid.NewGuid().ToString("N");

    public ConcurrentQueue<SlackRequest> Received { get; } = new();

    public IReadOnlyList<JsonObject> Messages =>
        Received.Where(r => r.Path.StartsWith("/services/", StringComparison.Ordinal)).Select(r => JsonNode.Parse(r.Body)!.AsObject()).ToList();

    /// <summary>The next request (to <paramref name="path"/> when given) gets this answer instead of the normal one.</summary>
    public void AnswerNext(int status, string body, int? retryAfterSeconds = null, string? path = null) =>
        _answers.Enqueue((path, status, body, retryAfterSeconds));

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            var bytes = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(bytes);
            var body = Encoding.UTF8.GetString(bytes.ToArray());
            var path = context.Request.Url!.AbsolutePath;
            var form = new Dictionary<string, string>();
            if (context.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal) == true)
            {
                var fields = System.Web.HttpUtility.ParseQueryString(body);
                foreach (var key in fields.AllKeys.OfType<string>())
                {
                    form[key] = fields[key]!;
                }
            }

            var request = new SlackRequest(path, body, bytes.ToArray(), form, context.Request.Headers["Authorization"]);
            Received.Enqueue(request);

            var (status, answer, retryAfter) = Queued(path) ?? Answer(request);
            context.Response.StatusCode = status;
            if (retryAfter is { } seconds)
            {
                context.Response.AddHeader("Retry-After", seconds.ToString());
            }

            var output = Encoding.UTF8.GetBytes(answer);
            await context.Response.OutputStream.WriteAsync(output);
            context.Response.Close();
        }
    }

    private (int, string, int?)? Queued(string path)
    {
        if (_answers.TryPeek(out var next) && (next.Path is null || next.Path == path) && _answers.TryDequeue(out next))
        {
            return (next.Status, next.Body, next.RetryAfter);
        }

        return null;
    }

    /// <summary>What Slack answers when all is well, and the errors it gives for a bad token or an unknown file.</summary>
    private (int, string, int?) Answer(SlackRequest request)
    {
        if (!request.Path.StartsWith("/api/", StringComparison.Ordinal))
        {
            if (request.Path.StartsWith("/upload/", StringComparison.Ordinal))
            {
                _uploads[request.Path["/upload/".Length..]] = request.Bytes.Length;
                return (200, $"OK - {request.Bytes.Length}", null);
            }

            return (200, "ok", null);
        }

        if (request.Authorization != $"Bearer {BotToken}")
        {
            return (200, """{"ok":false,"error":"invalid_auth"}""", null);
        }

        switch (request.Path)
        {
            case "/api/files.getUploadURLExternal" when request.Form.ContainsKey("filename") && int.TryParse(request.Form.GetValueOrDefault("length"), out _):
                var id = "F" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();
                return (200, new JsonObject { ["ok"] = true, ["upload_url"] = $"{BaseUrl}upload/{id}", ["file_id"] = id }.ToJsonString(), null);
            case "/api/files.completeUploadExternal" when request.Form.TryGetValue("files", out var files):
                var file = JsonNode.Parse(files)!.AsArray()[0]!;
                return _uploads.ContainsKey(file["id"]!.GetValue<string>())
                    ? (200, new JsonObject { ["ok"] = true, ["files"] = new JsonArray(file.DeepClone()) }.ToJsonString(), null)
                    : (200, """{"ok":false,"error":"file_not_found"}""", null);
            default:
                return (200, """{"ok":false,"error":"invalid_arguments"}""", null);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
    }
}
