using Cake.Cli;
using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace KahaDeploy;

public static class ServiceRegistration
{
    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<SecretMasker>();
        services.AddSingleton<ConfigLoader>();
        services.AddSingleton(p => ConsoleLayout.From(p.GetRequiredService<ICakeArguments>()));
        services.AddSingleton<IConsole, MaskingConsole>();
        services.AddSingleton<RunLogFile>();
        services.AddSingleton<ICakeLog>(p => new RecordingLog(
            p.GetRequiredService<ConsoleLayout>().JsonLines
                ? new JsonLinesLog(p.GetRequiredService<IConsole>(), p.GetRequiredService<SecretMasker>())
                : new CakeBuildLog(p.GetRequiredService<IConsole>()),
            p.GetRequiredService<RunLogFile>()));
        services.AddSingleton<IAnsiConsole>(p =>
        {
            var layout = p.GetRequiredService<ConsoleLayout>();
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(layout.TablesWriter),
                Ansi = ConsoleLayout.Colour ? AnsiSupport.Detect : AnsiSupport.No,
                ColorSystem = ConsoleLayout.Colour ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            });
            console.Profile.Width = layout.Width;
            return console;
        });
        services.AddSingleton<ICakeReportPrinter, QuietReportPrinter>();
        services.AddSingleton<IVersionResolver, ToolVersion>();

        services.AddSingleton<HostPackages>();
        services.AddSingleton<DockerConnector>();
        services.AddSingleton<LocalBaseImages>();
        services.AddSingleton<GitRepository>();
        services.AddSingleton<InstalledPackages>();
        services.AddSingleton<AppImages>();
        services.AddSingleton<DependencyImages>();
        services.AddSingleton<ReleaseTrees>();
        services.AddSingleton<RenameJournal>();
        services.AddSingleton<AppContainers>();
        services.AddSingleton<LocalRedis>();
        services.AddSingleton<ScratchRedis>();
        services.AddSingleton<RedisSnapshot>();
        services.AddSingleton<RedisRestore>();
        services.AddSingleton<BackupVerifier>();
        services.AddSingleton<HealthProbe>();
        services.AddSingleton<AppErrorLine>();
        services.AddSingleton<SlackClient>();
        services.AddSingleton<SlackNotifier>();
        services.AddSingleton<SlackReport>();
        services.AddSingleton<RunHistory>();
        services.AddSingleton<RunRecorder>();
        services.AddSingleton<Interruption>();
        services.AddSingleton<IProcessRunner>(p => new InterruptibleProcessRunner(
            ActivatorUtilities.CreateInstance<ProcessRunner>(p), p.GetRequiredService<Interruption>()));
        services.AddSingleton<InterruptedRun>();
        services.AddSingleton<EngineRecords>();
        services.AddSingleton<DeployLock>();
        services.AddSingleton<EnvironmentOwner>();
        services.AddSingleton<StatusReader>();
        services.AddSingleton<ServerReader>();
        services.AddSingleton<SwarmReader>();
        services.AddSingleton<DownNodes>();
        services.AddSingleton<SwarmRedis>();
        services.AddSingleton<SwarmLogs>();
        services.AddSingleton<SwarmStatus>();
        services.AddSingleton<RunSummary>();
        services.AddSingleton<ProxyAdmin>();
        services.AddSingleton<ProxyContainer>();
        services.AddSingleton<RetainedReleases>();
        services.AddSingleton<ReleaseSwitch>();
        services.AddSingleton<SwarmNodes>();
        services.AddSingleton<SwarmApp>();
        services.AddSingleton<SwarmImages>();
        services.AddSingleton<SwarmReleases>();
        services.AddSingleton<SwarmConverge>();
        services.AddSingleton<SwarmProxy>();
        // In order of preference: the first that serves an environment's settings releases it; in place is the fallback.
        services.AddSingleton<IReleaseStrategy, SwarmStrategy>();
        services.AddSingleton<IReleaseStrategy, ProxiedStrategy>();
        services.AddSingleton<IReleaseStrategy, InPlaceStrategy>();
        services.AddSingleton<ReleaseStrategies>();
        services.AddSingleton<FailoverReport>();
        services.AddSingleton<StandbyTimer>();
        services.AddSingleton<AppOutput>();
        services.AddSingleton<DeployRunner>();
        services.AddSingleton<DockerHubCallback>();
        services.AddSingleton<ListenerStatus>();
        services.AddSingleton<ForwardCheck>();
        services.AddSingleton<WebhookListener>();
        services.AddSingleton<WarmRollback>();
        services.AddSingleton<DashboardView>();
        services.AddSingleton<DashboardActions>();
        services.AddSingleton<DashboardServer>();
    }
}
