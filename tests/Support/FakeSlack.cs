using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace KahaDeploy.Tests.Support;

/// <summary>
/// A real HTTP server on loopback that answers like Slack's incoming webhook ("ok", or the documented errors
/// queued by a test) and records every message it received.
/// </summary>
public sealed class FakeSlack : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<(int Status, string Body, int? RetryAfter)> _answers = new();
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

    public ConcurrentQueue<(string Path, string Body)> Received { get; } = new();

    public IReadOnlyList<JsonObject> Messages =>
        Received.Where(r => r.Path.StartsWith("/services/", StringComparison.Ordinal)).Select(r => JsonNode.Parse(r.Body)!.AsObject()).ToList();

    public void AnswerNext(int status, string body, int? retryAfterSeconds = null) => _answers.Enqueue((status, body, retryAfterSeconds));

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

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            Received.Enqueue((context.Request.Url!.AbsolutePath, body));
            var (status, answer, retryAfter) = _answers.TryDequeue(out var queued) ? queued : (200, "ok", null);
            context.Response.StatusCode = status;
            if (retryAfter is { } seconds)
            {
                context.Response.AddHeader("Retry-After", seconds.ToString());
            }

            var bytes = Encoding.UTF8.GetBytes(answer);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
    }
}
