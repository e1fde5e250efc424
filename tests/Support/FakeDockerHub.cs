using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace KahaDeploy.Tests.Support;

/// <summary>
/// Docker Hub's side of a repository webhook (DESIGN.md §5): sends a push delivery in its documented format, and takes
/// the callback POSTed to callback_url on 127.0.0.1, recording it with the host it was addressed to.
/// </summary>
public sealed class FakeDockerHub : IDisposable
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(15) };

    private readonly LoopbackServer _server;

    public FakeDockerHub() => _server = new LoopbackServer(ReceiveAsync);

    public ConcurrentQueue<(string Host, string Path, JsonObject Body)> Callbacks { get; } = new();

    /// <summary>The port callbacks reach this server on.</summary>
    public int Port => _server.Port;

    /// <summary>A push of REPOSITORY:TAG; the callback URL names <paramref name="callbackHost"/>, which reaches this server either way.</summary>
    public HookResponse Push(Uri listener, string token, string repository, string tag, string callbackHost = "127.0.0.1", string pusher = "bob") =>
        Send(listener, token, Payload(repository, tag, CallbackUrl(repository, callbackHost), pusher));

    /// <summary>A callback_url as Docker Hub writes it (a path unique to the delivery), on this server unless told otherwise.</summary>
    public string CallbackUrl(string repository, string host = "127.0.0.1", string scheme = "http", int? port = null) =>
        $"{scheme}://{host}:{port ?? Port}/u/{repository}/hook/{Guid.NewGuid():N}/";

    /// <summary>A push delivery; a null <paramref name="tag"/> or <paramref name="callbackUrl"/> leaves that field out.</summary>
    public static byte[] Payload(string repository, string? tag, string? callbackUrl, string pusher = "bob")
    {
        var pushData = new JsonObject { ["pushed_at"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["pusher"] = pusher };
        if (tag is not null)
        {
            pushData["tag"] = tag;
        }

        var payload = new JsonObject
        {
            ["push_data"] = pushData,
            ["repository"] = new JsonObject
            {
                ["repo_name"] = repository,
                ["name"] = repository.Split('/')[1],
                ["namespace"] = repository.Split('/')[0],
                ["status"] = "Active",
            },
        };
        if (callbackUrl is not null)
        {
            payload["callback_url"] = callbackUrl;
        }

        return Encoding.UTF8.GetBytes(payload.ToJsonString());
    }

    public static HookResponse Send(Uri listener, string token, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = Client.PostAsync(new Uri(listener, $"hooks/dockerhub/{token}"), content).GetAwaiter().GetResult();
        return new HookResponse((int)response.StatusCode, response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
    }

    private async Task ReceiveAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        Callbacks.Enqueue((http.Request.Host.Host, http.Request.Path.Value ?? "", JsonNode.Parse(body)!.AsObject()));
        http.Response.StatusCode = 200;
    }

    public void Dispose() => _server.Dispose();
}
