using Cake.Core.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace KahaDeploy.Services.Dashboard;

/// <summary>
/// The dashboard's own Kestrel, on its own address and port (loopback by default), apart from the hooks: the Dashboard
/// target runs it alone until Ctrl-C or SIGTERM, Listen beside its hooks with the push queue shown.
/// </summary>
public sealed class DashboardServer(ICakeLog log, DashboardView view, DashboardActions actions)
{
    /// <summary>Serves the dashboard alone until Ctrl-C or SIGTERM; a rollback it started goes on in its own session.</summary>
    public async Task RunAsync(DashboardSettings settings, IReadOnlyList<DeploySettings> environments)
    {
        using var signals = new StopSignals();
        await using var app = await StartAsync(settings, environments, listenerStatus: null);
        await signals.Stopped;
        log.Information("Stopping the dashboard.");
        await app.StopAsync(signals.Cutting);
    }

    /// <param name="listenerStatus">Under Listen: what GET /status answers, for the push queue and the deliveries.</param>
    public async Task<WebApplication> StartAsync(DashboardSettings settings, IReadOnlyList<DeploySettings> environments, Func<Task<object>>? listenerStatus)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = Path.GetDirectoryName(settings.ConfigFile) });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(settings.Address, settings.Port);
            // Forms of a few fields only: a sign-in, a confirmation.
            kestrel.Limits.MaxRequestBodySize = 16 * 1024;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        });
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        app.Use(SecurityHeaders.AddAsync);
        app.Use(PathGuard.RefuseAsync);
        new DashboardEndpoints(settings, environments, view, actions, listenerStatus).Map(app);
        try
        {
            await app.StartAsync();
        }
        catch (IOException ex)
        {
            await app.DisposeAsync();
            throw new HostSetupException($"Could not serve the dashboard on {settings.Url} ({ex.Message.TrimEnd('.')}); stop what uses that port, or set dashboard.port.");
        }

        log.Information("Dashboard on http://{0}:{1}/ ({2}); Ctrl-C or SIGTERM stops.", settings.Address, settings.Port,
            settings.Public ? "pages public, actions after sign-in" : "sign in with dashboard.password");
        return app;
    }
}
