using KahaProxy.Contract;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace KahaProxy;

/// <summary>
/// Discovery mode's forwarding, with YARP's forwarder and no route: each request goes to the next discovered address
/// (round robin). One that failed before any byte of an answer came back is sent once more, to another address: a task
/// that stops resets its connections, and one just gone still has an address until the next resolution.
/// </summary>
public sealed class DiscoveryForwarder(DnsDiscovery discovery, IHttpForwarder forwarder)
{
    // The client the routed mode forwards with (short connect timeout, YARP's defaults: no proxy, no redirects, no cookies).
    private readonly HttpMessageInvoker _client = new ReleaseHttpClientFactory().CreateClient(new ForwarderHttpClientContext { NewConfig = HttpClientConfig.Empty });
    private int _turn = -1;

    /// <summary>The admin API's discovery endpoints, and every other path forwarded.</summary>
    public static void Map(WebApplication app, RouteGroupBuilder admin)
    {
        admin.MapGet(ProxyAdminApi.DiscoveryPath, (DnsDiscovery discovery) => Results.Json(discovery.Current));
        admin.MapPut(ProxyAdminApi.DiscoveryPath, async (DiscoveryTarget change, DnsDiscovery discovery) =>
            DnsDiscovery.IsTarget(change.Target)
                ? Results.Json(await discovery.ChangeAsync(change.Target))
                : Results.BadRequest(new { error = "target must be HOST:PORT, e.g. tasks.kaha_prod:3000" }));
        app.Map("{**catch-all}", (HttpContext context, DiscoveryForwarder forwarder) => forwarder.ForwardAsync(context));
    }

    public async Task ForwardAsync(HttpContext context)
    {
        var addresses = discovery.Current.Addresses;
        if (addresses.Count == 0)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync($"No upstream: {discovery.Current.Target} resolves to no address (no task is up).");
            return;
        }

        var turn = (uint)Interlocked.Increment(ref _turn);
        var first = addresses[(int)(turn % (uint)addresses.Count)];
        var error = await forwarder.SendAsync(context, "http://" + first, _client);
        if (error is ForwarderError.Request or ForwarderError.RequestTimedOut
            && !context.Response.HasStarted
            && MaySendAgain(context)
            && discovery.Current.Addresses is { Count: > 0 } now
            && Enumerable.Range(1, now.Count).Select(i => now[(int)((turn + i) % (uint)now.Count)]).FirstOrDefault(a => a != first) is { } second)
        {
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.Clear();
            await forwarder.SendAsync(context, "http://" + second, _client);
        }
    }

    /// <summary>
    /// A request that never got a connection never reached an app (and its body was not read): any may go again. Once
    /// connected, an app may have acted on it before the reset, so only a safe method (GET, HEAD, OPTIONS) goes again.
    /// </summary>
    private static bool MaySendAgain(HttpContext context) =>
        context.Features.Get<IForwarderErrorFeature>()?.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }
        || HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method);
}
