using Cake.Core.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace KahaDeploy.Services.Webhooks;

/// <summary>
/// The push-to-deploy listener: Kestrel with the hooks, the coalescing deploy queue behind them, and an orderly stop
/// (Ctrl-C or SIGTERM: hooks are answered 503 with Retry-After, the running deploy may finish within
/// listener.shutdownGraceSeconds, the waiting ones stay in queue.json and run at the next start).
/// </summary>
public sealed class WebhookListener(ICakeLog log, DeployRunner runner, DockerHubCallback callback, ListenerStatus status, ForwardCheck forward)
{
    /// <param name="alongside">Starts what serves beside the hooks until the listener stops (the dashboard), given what /status answers.</param>
    public async Task RunAsync(ListenerSettings settings, IReadOnlyList<DeploySettings> environments, Func<Func<Task<object>>, Task<WebApplication>>? alongside = null)
    {
        var deliveries = DeliveryStore.Open(Path.Combine(settings.StateFolder, "deliveries.json"), message => log.Warning("{0}", message));
        var queueFile = new QueueFile(Path.Combine(settings.StateFolder, "queue.json"));
        var queue = new DeployQueue(
            (job, cut) => RunAsync(settings, environments, job, cut),
            job => FinishedAsync(deliveries, job),
            job => environments.FirstOrDefault(e => e.Environment == job.Environment) is { } target ? forward.Newest(target, job.Requests) : job.Request,
            queueFile,
            log);
        using var signals = new StopSignals();
        var endpoints = new HookEndpoints(
            settings,
            settings.GitHub is { } github ? new GitHubHook(github, deliveries, queue, forward, environments) : null,
            settings.DockerHub is { } dockerHub ? new DockerHubHook(dockerHub, deliveries, queue) : null,
            deliveries,
            () => status.ReadAsync(environments, queue, deliveries),
            signals.Stopped,
            log);

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
        // Until the grace ends: the page shows the running deploy finish.
        await using var beside = alongside is null ? null : await alongside(() => status.ReadAsync(environments, queue, deliveries));

        foreach (var requests in queueFile.Load(message => log.Warning("{0}", message)))
        {
            var (job, _) = queue.Resume(requests);
            deliveries.Resumed(job);
            log.Information("Resuming deploy {0} of {1} to {2}, accepted before the listener stopped ({3} delivery(ies) from {4}).",
                job.Id, job.Request.What, job.Environment, requests.Count, queueFile.Path);
        }

        await signals.Stopped;
        // Kestrel goes on answering through the grace: hooks get 503 with Retry-After, /healthz says draining.
        log.Information("Stopping: no new deliveries are taken.");
        await queue.StopAsync(settings.ShutdownGrace, signals.Cutting);
        await app.StopAsync(signals.Cutting);
        log.Information("Stopped.");
    }

    private async Task<DeployResult> RunAsync(ListenerSettings settings, IReadOnlyList<DeploySettings> environments, DeployJob job, CancellationToken cut)
    {
        try
        {
            return await runner.RunAsync(settings, job, cut);
        }
        finally
        {
            // Before the deploy counts as ended: a push that comes after it is checked against what it left live.
            if (environments.FirstOrDefault(e => e.Environment == job.Environment) is { } target)
            {
                await forward.MovedAsync(target);
            }
        }
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
