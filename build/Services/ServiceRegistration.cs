using Cake.Cli;
using Cake.Core;
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
        services.AddSingleton<IConsole, MaskingConsole>();

        // With --json, stdout carries only the document; the log and the report go to stderr.
        services.AddSingleton<IAnsiConsole>(p => AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(p.GetRequiredService<ICakeArguments>().HasArgument("json") ? Console.Error : Console.Out),
        }));
        services.AddSingleton<ICakeReportPrinter, CakeSpectreReportPrinter>();

        services.AddSingleton<HostPackages>();
        services.AddSingleton<DockerConnector>();
        services.AddSingleton<LocalBaseImages>();
        services.AddSingleton<GitRepository>();
        services.AddSingleton<AppImages>();
        services.AddSingleton<AppContainers>();
        services.AddSingleton<LocalRedis>();
        services.AddSingleton<HealthProbe>();
        services.AddSingleton<SlackNotifier>();
        services.AddSingleton<RunReporter>();
        services.AddSingleton<DeployLock>();
        services.AddSingleton<StatusReader>();
        services.AddSingleton<DeployRunner>();
        services.AddSingleton<DockerHubCallback>();
        services.AddSingleton<ListenerStatus>();
        services.AddSingleton<WebhookListener>();
    }
}
