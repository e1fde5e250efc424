using Cake.Cli;
using Cake.Core;
using Cake.Core.Diagnostics;
using KahaDeploy.Configuration;
using KahaDeploy.Services.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace KahaDeploy.Services;

public static class ServiceRegistration
{
    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<SecretMasker>();
        services.AddSingleton<ConfigLoader>();
        services.AddSingleton(p => ConsoleLayout.From(p.GetRequiredService<ICakeArguments>()));
        services.AddSingleton<IConsole, MaskingConsole>();
        services.AddSingleton<RunLog>();
        services.AddSingleton<ICakeLog>(p => new RecordingLog(
            p.GetRequiredService<ConsoleLayout>().JsonLines
                ? new JsonLinesLog(p.GetRequiredService<IConsole>(), p.GetRequiredService<SecretMasker>())
                : new CakeBuildLog(p.GetRequiredService<IConsole>()),
            p.GetRequiredService<RunLog>()));
        services.AddSingleton<IAnsiConsole>(p => AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(p.GetRequiredService<ConsoleLayout>().TablesWriter),
        }));
        services.AddSingleton<ICakeReportPrinter, CakeSpectreReportPrinter>();

        services.AddSingleton<HostPackages>();
        services.AddSingleton<DockerConnector>();
        services.AddSingleton<LocalBaseImages>();
        services.AddSingleton<GitRepository>();
        services.AddSingleton<InstalledPackages>();
        services.AddSingleton<AppImages>();
        services.AddSingleton<AppContainers>();
        services.AddSingleton<LocalRedis>();
        services.AddSingleton<HealthProbe>();
        services.AddSingleton<SlackClient>();
        services.AddSingleton<SlackNotifier>();
        services.AddSingleton<RunReporter>();
        services.AddSingleton<RunHistory>();
        services.AddSingleton<RunRecorder>();
        services.AddSingleton<Interruption>();
        services.AddSingleton<InterruptedRun>();
        services.AddSingleton<DeployLock>();
        services.AddSingleton<StatusReader>();
        services.AddSingleton<ProxyAdmin>();
        services.AddSingleton<ProxyContainer>();
        services.AddSingleton<ReleaseSwitch>();
        services.AddSingleton<StandbyTimer>();
        services.AddSingleton<AppOutput>();
        services.AddSingleton<DeployRunner>();
        services.AddSingleton<DockerHubCallback>();
        services.AddSingleton<ListenerStatus>();
        services.AddSingleton<WebhookListener>();
    }
}
