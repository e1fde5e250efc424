using Cake.Core.Diagnostics;
using KahaDeploy.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace KahaDeploy.Services.Webhooks;

/// <summary>
/// The push-to-deploy listener: Kestrel with the hooks, the coalescing deploy queue behind them, and an orderly stop
/// (Ctrl-C or SIGTERM: no new deliveries, the running deploy may finish within listener.shutdownGraceSeconds).
/// </summary>
public sealed class WebhookListener(ICakeLog log, DeployRunner runner, DockerHubCallback callback, ListenerStatus status)
{
    public async Task RunAsync(ListenerSettings settings, IReadOnlyList<DeploySettings> environments)
    {
        var deliveries = DeliveryStore.Open(Path.Combine(settings.StateFolder, "deliveries.json"), message => log.Warning("{0}", message));
        var queue = new DeployQueue((job, cut) => runner.RunAsync(settings, job, cut), job => FinishedAsync(deliveries, job), log);
        var endpoints = new HookEndpoints(
            settings,
            settings.GitHub is { } github ? new GitHubHook(github, deliveries, queue) : null,
            settings.DockerHub is { } dockerHub ? new DockerHubHook(dockerHub, deliveries, queue) : null,
            deliveries,
            () => status.ReadAsync(environments, queue, deliveries),
            log);

        using var signals = new StopSignals();
        await using var app = Build(settings);
        app.Use(PathGuard.RefuseAsync);
        endpoints.Map(app);
        try
        {
            await app.StartAsync();
        }
        catch (IOException ex)
        {
            throw new HostSetupException($"Could not listen on http://{settings.Address}:{settings.Port}/ ({ex.Message.TrimEnd('.')}); stop what uses that port, or pass --port=N.");
        }

        log.Information("Listening on http://{0}:{1}/ for {2}; Ctrl-C or SIGTERM stops.", settings.Address, settings.Port,
            string.Join(" and ", new[] { settings.GitHub is null ? null : "POST /hooks/github", settings.DockerHub is null ? null : "POST /hooks/dockerhub/TOKEN" }.OfType<string>()));

        await signals.Stopped;
        log.Information("Stopping: no new deliveries are taken.");
        await app.StopAsync(signals.Cutting);
        await queue.StopAsync(settings.ShutdownGrace, signals.Cutting);
        log.Information("Stopped.");
    }

    private async Task FinishedAsync(DeliveryStore deliveries, DeployJob job)
    {
        deliveries.Finish(job);
        foreach (var request in job.Requests.Where(r => r.Callback is not null))
        {
            await callback.SendAsync(request.Callback!, job);
        }
    }

    private static WebApplication Build(ListenerSettings settings)
    {
        // The empty builder reads no appsettings and no ASPNETCORE_* variables: what cake-config.json says is what runs.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = Path.GetDirectoryName(settings.ConfigFile) });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(settings.Address, settings.Port);
            kestrel.Limits.MaxRequestBodySize = settings.MaxBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Limits.RequestHeadersTimeout = settings.RequestTimeout;
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: settings.RequestTimeout);
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(30);
        });
        builder.Services.AddRoutingCore();
        return builder.Build();
    }
}
