using System.Net.Sockets;
using KahaProxy;
using KahaProxy.Contract;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

// kaha-proxy: the per-environment front door. Traffic goes to one upstream (a network alias per release slot);
// the deploy tool changes it through an admin API on a unix socket, never on a public port. YARP's in-memory
// config applies to new requests and leaves open connections alone, so a switch fails no request.
// Discovery mode (KAHA_PROXY_DISCOVER=HOST:PORT, a proxy on every node of a swarm): no route; traffic goes to the
// addresses HOST resolves to (a service's healthy tasks), see DnsDiscovery and DiscoveryForwarder.
var settings = ProxyStartupSettings.FromEnvironment();
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("KahaProxy", LogLevel.Information);
builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);

var routes = new RouteStore(settings.StateFile);
builder.Services.AddSingleton(routes);
builder.Services.AddReverseProxy().LoadFromMemory(routes.Routes(), routes.Clusters());
builder.Services.AddSingleton<IForwarderHttpClientFactory, ReleaseHttpClientFactory>();
builder.Services.AddSingleton<FailoverMonitor>();
builder.Services.AddHostedService(services => services.GetRequiredService<FailoverMonitor>());
builder.Services.AddHttpClient("probe", c => c.Timeout = TimeSpan.FromSeconds(2));
if (settings.Discover is { } discover)
{
    builder.Services.AddSingleton(services => new DnsDiscovery(discover, services.GetRequiredService<ILogger<DnsDiscovery>>()));
    builder.Services.AddHostedService(services => services.GetRequiredService<DnsDiscovery>());
    builder.Services.AddSingleton<DiscoveryForwarder>();
}

builder.WebHost.ConfigureKestrel(kestrel =>
{
    foreach (var port in settings.PublicPorts)
    {
        kestrel.ListenAnyIP(port);
    }

    if (File.Exists(settings.AdminSocket))
    {
        File.Delete(settings.AdminSocket);
    }

    kestrel.ListenUnixSocket(settings.AdminSocket);
});

var app = builder.Build();
routes.Attach(app.Services.GetRequiredService<InMemoryConfigProvider>());

// The admin API answers only on the unix socket (a connection without an IP address): on a public port it does not exist.
var admin = app.MapGroup("").AddEndpointFilter(async (context, next) =>
    context.HttpContext.Connection.LocalIpAddress is null ? await next(context) : Results.NotFound());
admin.MapGet(ProxyAdminApi.RoutePath, (RouteStore store) => Results.Json(store.Current));
admin.MapGet(ProxyAdminApi.FailoverPath, (RouteStore store) => Results.Json(store.LastFailover));
admin.MapPut(ProxyAdminApi.RoutePath, (RouteStore store, UpstreamRoute route, ILogger<RouteStore> log) =>
{
    if (settings.Discover is not null)
    {
        return Results.Conflict(new { error = $"this proxy discovers where traffic goes ({ProxyAdminApi.DiscoverVariable}); change the name with PUT {ProxyAdminApi.DiscoveryPath}" });
    }

    if (!IsHttpUrl(route.Destination, out _))
    {
        return Results.BadRequest(new { error = "destination must be an http:// URL" });
    }

    store.Switch(route);
    log.LogInformation("traffic now goes to {Destination} (slot {Slot})", route.Destination, route.Slot);
    return Results.Json(store.Current);
});

// Asked from inside the network, so the tool can health-check a release before any traffic reaches it.
admin.MapPost(ProxyAdminApi.ProbePath, async (ProbeRequest probe, IHttpClientFactory clients) =>
{
    if (!IsHttpUrl(probe.Url, out var uri))
    {
        return Results.BadRequest(new { error = "url must be an http:// URL" });
    }

    try
    {
        using var response = await clients.CreateClient("probe").GetAsync(uri);
        var body = await response.Content.ReadAsStringAsync();
        return Results.Json(new ProbeResult((int)response.StatusCode, body.Length > 200 ? body[..200] : body));
    }
    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or SocketException)
    {
        return Results.Json(new ProbeResult(0, ex is TaskCanceledException ? "timeout" : ex.Message));
    }
});

// Sent before a switch: the new release's code paths get hot, and the connections traffic will use get opened, while
// the old release still serves. Through the forwarder's own client when a route exists, so those connections stay pooled.
admin.MapPost(ProxyAdminApi.WarmPath, async (WarmRequest warm, IProxyStateLookup state, IHttpClientFactory clients) =>
{
    if (!IsHttpUrl(warm.Url, out var uri))
    {
        return Results.BadRequest(new { error = "url must be an http:// URL" });
    }

    if (warm.Requests is < 1 or > 10_000 || warm.Concurrency is < 1 or > 256)
    {
        return Results.BadRequest(new { error = "requests must be 1 to 10000 and concurrency 1 to 256" });
    }

    HttpMessageInvoker client = state.TryGetCluster(RouteStore.ClusterId, out var cluster) && cluster.Model.HttpClient is { } forwarder
        ? forwarder
        : clients.CreateClient("probe");
    var ok = 0;
    await Parallel.ForAsync(0, warm.Requests, new ParallelOptions { MaxDegreeOfParallelism = warm.Concurrency }, async (_, cancellation) =>
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            using var response = await client.SendAsync(request, timeout.Token);
            await response.Content.CopyToAsync(Stream.Null, timeout.Token);
            if (response.StatusCode == System.Net.HttpStatusCode.OK)
            {
                Interlocked.Increment(ref ok);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or SocketException)
        {
            // Counted as not OK.
        }
    });
    return Results.Json(new WarmResult(warm.Requests, ok));
});

if (settings.Discover is not null)
{
    DiscoveryForwarder.Map(app, admin);
    app.Run();
    return;
}

app.MapReverseProxy(pipeline =>
{
    pipeline.Use(async (context, next) =>
    {
        // Lets the tool see, through the public port, which release answered: the destination this request went to,
        // not the route of the moment (during a switch the two differ).
        var proxied = context.GetReverseProxyFeature();
        string? retriedSlot = null;
        context.Response.OnStarting(() =>
        {
            context.Response.Headers["X-Kaha-Slot"] = retriedSlot ?? proxied.ProxiedDestination?.DestinationId ?? "";
            return Task.CompletedTask;
        });
        await next();

        // The routed release did not take the request (refused, gone, timed out before an answer): if that makes the proxy
        // fail over, a request that may be sent twice is sent at once to the release that now takes the route.
        if (context.Features.Get<IForwarderErrorFeature>() is { Error: ForwarderError.Request or ForwarderError.RequestTimedOut }
            && !context.Response.HasStarted
            && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
            && await context.RequestServices.GetRequiredService<FailoverMonitor>().AfterForwardingErrorAsync(proxied.ProxiedDestination?.DestinationId) is { } route
            && proxied.Cluster.HttpClient is { } client)
        {
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.Clear();
            retriedSlot = route.Slot;
            await context.RequestServices.GetRequiredService<IHttpForwarder>().SendAsync(context, route.Destination, client);
        }
    });
});
app.MapFallback(() => Results.Text("No release is routed yet.", statusCode: 503));
app.Run();

// Destinations, probes and warm-ups go to an app container inside the environment's network: plain http only.
static bool IsHttpUrl(string? text, out Uri uri) => Uri.TryCreate(text, UriKind.Absolute, out uri!) && uri.Scheme == "http";
