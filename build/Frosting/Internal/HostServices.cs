using Cake.Cli;
using Cake.Core;
using Cake.Core.Configuration;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Cake.Core.Scripting;
using Cake.Core.Tooling;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace KahaDeploy.Frosting.Internal;

/// <summary>What Frosting registers before the app's own services: Cake.Core's parts, Cake.Cli's script hosts and features.</summary>
internal static class HostServices
{
    public static ServiceCollection Create()
    {
        var services = new ServiceCollection();
        services.AddSingleton<ICakePlatform, CakePlatform>();
        services.AddSingleton<ICakeRuntime, CakeRuntime>();
        services.AddSingleton<ICakeEnvironment, CakeEnvironment>();
        services.AddSingleton<IFileSystem, FileSystem>();
        services.AddSingleton<IConsole, CakeConsole>();
        services.AddSingleton<ICakeLog>(p => new CakeBuildLog(p.GetRequiredService<IConsole>()));

        // As Frosting's: UseCakeSetting's values, then cake.config in the working directory (read when first asked for,
        // after --working applied), CAKE_* variables and the arguments (so --noreport is Settings_NoReport).
        services.AddSingleton<ICakeConfiguration>(p => new CakeConfigurationProvider(
                p.GetRequiredService<IFileSystem>(), p.GetRequiredService<ICakeEnvironment>())
            .CreateConfiguration(
                p.GetRequiredService<ICakeEnvironment>().WorkingDirectory,
                p.GetServices<ConfigurationValue>().Select(v => new KeyValuePair<string, string>(v.Key, v.Value)),
                p.GetRequiredService<ICakeArguments>().GetArguments().ToDictionary(a => a.Key, a => a.Value.FirstOrDefault() ?? string.Empty, StringComparer.OrdinalIgnoreCase)));
        services.AddSingleton<IGlobber, Globber>();
        services.AddSingleton<IRegistry, WindowsRegistry>();
        services.AddSingleton<IToolRepository, ToolRepository>();
        services.AddSingleton<IToolResolutionStrategy, ToolResolutionStrategy>();
        services.AddSingleton<IToolLocator, ToolLocator>();
        services.AddSingleton<IProcessRunner, ProcessRunner>();
        services.AddSingleton<Cake.Core.Tooling.IToolInstaller>(p => new ToolInstaller(
            p.GetRequiredService<ICakeEnvironment>(), p.GetRequiredService<IToolLocator>(),
            p.GetRequiredService<ICakeConfiguration>(), p.GetRequiredService<ICakeLog>(), []));
        services.AddSingleton<ICakeDataService, CakeDataService>();
        services.AddSingleton<ICakeEngine, CakeEngine>();
        services.AddSingleton<IExecutionStrategy, DefaultExecutionStrategy>();
        services.AddSingleton<IAnsiConsole>(_ => AnsiConsole.Console);
        services.AddSingleton<ICakeReportPrinter, CakeSpectreReportPrinter>();
        services.AddSingleton<IVersionResolver, VersionResolver>();
        services.AddSingleton<ICakeContext>(p => new CakeContext(
            p.GetRequiredService<IFileSystem>(), p.GetRequiredService<ICakeEnvironment>(), p.GetRequiredService<IGlobber>(),
            p.GetRequiredService<ICakeLog>(), p.GetRequiredService<ICakeArguments>(), p.GetRequiredService<IProcessRunner>(),
            p.GetRequiredService<IRegistry>(), p.GetRequiredService<IToolLocator>(), p.GetRequiredService<ICakeDataService>(),
            p.GetRequiredService<ICakeConfiguration>(), p.GetRequiredService<Cake.Core.Tooling.IToolInstaller>(), p));
        services.AddSingleton<IFrostingContext, FrostingContext>();

        services.AddSingleton<BuildScriptHost<IFrostingContext>>();
        services.AddSingleton<DryRunScriptHost<IFrostingContext>>();
        services.AddSingleton(p => new TreeScriptHost(
            p.GetRequiredService<ICakeEngine>(), p.GetRequiredService<IFrostingContext>(), p.GetRequiredService<IConsole>()));
        services.AddSingleton(p => new DescriptionScriptHost(
            p.GetRequiredService<ICakeEngine>(), p.GetRequiredService<IFrostingContext>(), p.GetRequiredService<IAnsiConsole>()));
        return services;
    }
}
