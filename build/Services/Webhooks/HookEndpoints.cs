using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Cake.Core.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace KahaDeploy.Services.Webhooks;

/// <summary>
/// The HTTP side of the listener: the routes, the body limits, and one log line per decision naming the delivery.
/// Everything else (404 for an unknown path, 405 for a wrong method) is Kestrel's routing, with empty bodies.
/// </summary>
public sealed class HookEndpoints(
    ListenerSettings settings,
    GitHubHook? github,
    DockerHubHook? dockerHub,
    DeliveryStore deliveries,
    Func<Task<object>> status,
    Task stopping,
    ICakeLog log)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly RefusalLog _refusals = new();

    /// <summary>While the listener stops: long enough for it to be started again.</summary>
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(60);

    /// <summary>Answered to an authenticated hook while the listener stops: GitHub's Redeliver, later, then works.</summary>
    private static readonly HookAnswer Draining =
        new(StatusCodes.Status503ServiceUnavailable, $"the listener is stopping; deliver again in {RetryAfter.TotalSeconds:N0} s (GitHub: Redeliver)");

    private bool IsDraining => stopping.IsCompleted;

    public void Map(IEndpointRouteBuilder routes)
    {
        // 503 while stopping, so a load balancer or a health check takes the listener out before it goes.
        routes.MapGet("/healthz", (RequestDelegate)(http =>
        {
            http.Response.StatusCode = IsDraining ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
            return http.Response.WriteAsync(IsDraining ? "draining" : "ok");
        }));
        routes.MapGet("/status", StatusAsync);
        if (github is not null)
        {
            routes.MapPost("/hooks/github", GitHubAsync);
        }

        if (dockerHub is not null)
        {
            routes.MapPost("/hooks/dockerhub/{token}", DockerHubAsync);
        }
    }

    private Task GitHubAsync(HttpContext http)
    {
        var delivery = GitHubDelivery.From(name => http.Request.Headers[name].FirstOrDefault(), http.Request.ContentType);
        return DecideAsync(http, "github", delivery.Name, async client =>
            github!.Refuse(client) ?? (IsDraining ? Draining : await WithBodyAsync(http, body => github.HandleAsync(delivery, body))));
    }

    private Task DockerHubAsync(HttpContext http)
    {
        // Docker Hub sends no delivery id: this one names the delivery in the log and in /status.
        var delivery = "dh-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        return DecideAsync(http, "dockerhub", delivery, async _ =>
            dockerHub!.Refuse(http.Request.RouteValues["token"] as string)
            ?? (IsDraining ? Draining : await WithBodyAsync(http, body => Task.FromResult(dockerHub.Handle(delivery, http.Request.ContentType, body)))));
    }

    /// <summary>
    /// /status names commits, pushers and clients: it answers the loopback, or anyone with listener.statusToken as a
    /// bearer token; anyone else gets an empty 404, as for a path that does not exist.
    /// </summary>
    private async Task StatusAsync(HttpContext http)
    {
        var client = Client(http);
        if (client is not null && IPAddress.IsLoopback(client) || HasStatusToken(http))
        {
            await WriteJsonAsync(http, StatusCodes.Status200OK, await status());
            return;
        }

        if (_refusals.Note(client?.ToString()) is { } note)
        {
            log.Warning("{0}", $"status asked by {client?.ToString() ?? "?"}: 404, not the loopback and no valid listener.statusToken{note}");
        }

        http.Response.StatusCode = StatusCodes.Status404NotFound;
    }

    private bool HasStatusToken(HttpContext http)
    {
        const string Scheme = "Bearer ";
        var authorization = http.Request.Headers.Authorization.ToString();
        return settings.StatusToken is { } token
               && authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)
               && SecretToken.Matches(token, authorization[Scheme.Length..].Trim());
    }

    private IPAddress? Client(HttpContext http) =>
        ClientAddress.Resolve(http.Connection.RemoteIpAddress!, string.Join(',', http.Request.Headers["X-Forwarded-For"].ToArray()), settings.TrustedProxies);

    private async Task DecideAsync(HttpContext http, string source, string delivery, Func<IPAddress?, Task<HookAnswer>> decide)
    {
        var client = Client(http);
        HookAnswer answer;
        try
        {
            answer = await decide(client);
        }
        catch (Exception ex)
        {
            answer = new HookAnswer(StatusCodes.Status500InternalServerError, $"the listener failed: {ex.Message}", Silent: true);
        }

        // A stranger's junk is logged once a minute per address, with a count; every other decision each time.
        var note = answer is { Silent: true, Status: StatusCodes.Status403Forbidden or StatusCodes.Status404NotFound } ? _refusals.Note(client?.ToString()) : "";
        if (note is not null)
        {
            // The line holds payload text (a branch name may contain braces): it is an argument, never the format.
            var line = $"{source} delivery {delivery} from {client?.ToString() ?? "?"}: {answer.Status} {answer.Message}{note}";
            if (answer.Status >= 400)
            {
                log.Warning("{0}", line);
            }
            else
            {
                log.Information("{0}", line);
            }

            deliveries.Record(new DeliveryStore.Decision(DateTimeOffset.UtcNow, source, delivery, client?.ToString(), answer.Status, answer.Message, answer.Deploy));
        }
        if (http.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        if (answer.Status is StatusCodes.Status408RequestTimeout or StatusCodes.Status413PayloadTooLarge)
        {
            // Otherwise Kestrel would go on reading the body we refused.
            http.Response.Headers.Connection = "close";
        }

        if (answer.Status is StatusCodes.Status503ServiceUnavailable)
        {
            http.Response.Headers.RetryAfter = RetryAfter.TotalSeconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture);
        }

        if (answer.Silent)
        {
            http.Response.StatusCode = answer.Status;
            return;
        }

        await WriteJsonAsync(http, answer.Status, answer.Deploy is null ? new { message = answer.Message } : new { message = answer.Message, deploy = answer.Deploy });
    }

    /// <summary>Reads the body within listener.maxBodyBytes and listener.requestTimeoutSeconds, then decides on it.</summary>
    private async Task<HookAnswer> WithBodyAsync(HttpContext http, Func<byte[], Task<HookAnswer>> decide)
    {
        if (http.Request.ContentLength > settings.MaxBodyBytes)
        {
            return new HookAnswer(StatusCodes.Status413PayloadTooLarge, $"a body of {http.Request.ContentLength} bytes is over listener.maxBodyBytes ({settings.MaxBodyBytes}); not read");
        }

        // Kestrel would count a chunked body's framing against its limit, refusing a body under the cap: the body
        // itself is counted here instead.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } kestrelLimit)
        {
            kestrelLimit.MaxRequestBodySize = null;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        timeout.CancelAfter(settings.RequestTimeout);
        using var body = new MemoryStream();
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await http.Request.Body.ReadAsync(buffer, timeout.Token)) > 0)
            {
                if (body.Length + read > settings.MaxBodyBytes)
                {
                    return new HookAnswer(StatusCodes.Status413PayloadTooLarge, $"the body is over listener.maxBodyBytes ({settings.MaxBodyBytes}); not read further");
                }

                body.Write(buffer, 0, read);
            }
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's own limit: a body arriving too slowly (408), or malformed chunk framing (400).
            return new HookAnswer(ex.StatusCode, $"the body was refused: {ex.Message}");
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            return http.RequestAborted.IsCancellationRequested
                ? new HookAnswer(StatusCodes.Status400BadRequest, "the client closed the connection before the body was complete")
                : new HookAnswer(StatusCodes.Status408RequestTimeout, $"the body did not arrive within listener.requestTimeoutSeconds ({settings.RequestTimeout.TotalSeconds:N0} s)");
        }

        return await decide(body.ToArray());
    }

    private static Task WriteJsonAsync(HttpContext http, int status, object value)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=utf-8";
        return http.Response.WriteAsync(JsonSerializer.Serialize(value, Json));
    }
}
