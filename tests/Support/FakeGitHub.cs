using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace KahaDeploy.Tests.Support;

/// <summary>What a hook answered: the status, and the "message" of its JSON body ("" when the body was empty).</summary>
public sealed record HookResponse(int Status, string Body, string Delivery = "")
{
    public string Message => Body.Length == 0 ? "" : JsonNode.Parse(Body)!["message"]!.GetValue<string>();

    public string? Deploy => Body.Length == 0 ? null : JsonNode.Parse(Body)!["deploy"]?.GetValue<string>();

    public override string ToString() => $"{Status} {Body}";
}

/// <summary>
/// Sends webhook deliveries to the listener the way GitHub does (DESIGN.md §5): X-GitHub-Event, X-GitHub-Delivery,
/// X-GitHub-Hook-ID and X-Hub-Signature-256 over the exact bytes sent, with a push payload as GitHub writes it.
/// It can send from another loopback address (127.0.0.2, ...), so the listener sees a different peer.
/// </summary>
public sealed class FakeGitHub(Uri listener, string secret, string repository = FakeGitHub.Repository) : IDisposable
{
    public const string Repository = "kaha-team/kaha";
    public const string HookId = "424242";

    private readonly Dictionary<IPAddress, HttpClient> _clients = [];

    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    public static byte[] PushPayload(string sha, string @ref = "refs/heads/master", bool deleted = false, string pusher = "alice", string repository = Repository) =>
        Encoding.UTF8.GetBytes(new JsonObject
        {
            ["ref"] = @ref,
            ["before"] = new string('0', 40),
            ["after"] = sha,
            ["created"] = false,
            ["deleted"] = deleted,
            ["forced"] = false,
            ["head_commit"] = deleted ? null : new JsonObject { ["id"] = sha, ["message"] = "a change" },
            ["pusher"] = new JsonObject { ["name"] = pusher, ["email"] = $"{pusher}@example.invalid" },
            ["repository"] = new JsonObject { ["full_name"] = repository, ["name"] = repository.Split('/')[1] },
        }.ToJsonString());

    /// <summary>A signed push of <paramref name="sha"/> to master; a fresh delivery id unless one is given (a redelivery).</summary>
    public HookResponse Push(string sha, string? delivery = null, string pusher = "alice") =>
        Send("push", PushPayload(sha, pusher: pusher, repository: repository), delivery: delivery);

    /// <summary>One delivery. <paramref name="signature"/> defaults to the right one; pass "" to send none.</summary>
    public HookResponse Send(
        string @event,
        byte[] body,
        string? signature = null,
        string contentType = "application/json",
        string? delivery = null,
        IPAddress? from = null,
        string? forwardedFor = null,
        string hookId = HookId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(listener, "hooks/github")) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Add("User-Agent", "GitHub-Hookshot/test");
        request.Headers.Add("X-GitHub-Event", @event);
        delivery ??= Guid.NewGuid().ToString();
        request.Headers.Add("X-GitHub-Delivery", delivery);
        request.Headers.Add("X-GitHub-Hook-ID", hookId);
        signature ??= Sign(secret, body);
        if (signature.Length > 0)
        {
            request.Headers.Add("X-Hub-Signature-256", signature);
        }

        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        using var response = ClientFrom(from ?? IPAddress.Loopback).Send(request);
        return new HookResponse((int)response.StatusCode, response.Content.ReadAsStringAsync().GetAwaiter().GetResult(), delivery);
    }

    /// <summary>A client whose connections come from <paramref name="local"/>: Linux routes all of 127.0.0.0/8 to the loopback.</summary>
    private HttpClient ClientFrom(IPAddress local)
    {
        lock (_clients)
        {
            if (!_clients.TryGetValue(local, out var client))
            {
                var handler = new SocketsHttpHandler
                {
                    ConnectCallback = async (context, cancellation) =>
                    {
                        var socket = new Socket(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                        socket.Bind(new IPEndPoint(local, 0));
                        await socket.ConnectAsync(context.DnsEndPoint, cancellation);
                        return new NetworkStream(socket, ownsSocket: true);
                    },
                };
                _clients[local] = client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(15) };
            }

            return client;
        }
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }
}
