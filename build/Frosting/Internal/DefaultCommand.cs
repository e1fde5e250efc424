using System.Reflection;
using Cake.Cli;
using Cake.Cli.Infrastructure;
using Cake.Core;
using Cake.Core.Configuration;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Cake.Core.Packaging;
using Cake.Core.Scripting;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console.Cli;

namespace KahaDeploy.Frosting.Internal;

/// <summary>What Frosting does with a parsed command line: version, info, or a run of the targets in the chosen mode.</summary>
internal sealed class DefaultCommand(IServiceCollection services) : Command<DefaultCommandSettings>
{
    private const string VerbositySetting = "Settings_Verbosity";

    public override int Execute(CommandContext context, DefaultCommandSettings settings, CancellationToken cancellationToken)
    {
        services.AddSingleton<ICakeArguments>(context.Remaining.ToCakeArguments(settings.NoReport, settings.Targets));
        services.AddSingleton(context.Remaining);
        using var provider = services.BuildServiceProvider();

        if (settings.Version || settings.Info)
        {
            var resolver = provider.GetRequiredService<IVersionResolver>();
            var console = provider.GetRequiredService<IConsole>();
            if (settings.Version)
            {
                new VersionFeature(resolver).Run(console);
            }
            else
            {
                new InfoFeature(resolver).Run(console);
            }

            return 0;
        }

        ICakeLog log;
        try
        {
            log = provider.GetRequiredService<ICakeLog>();
        }
        catch (Exception ex)
        {
            // The log could not be made (e.g. an app's log format is wrong), so there is none to report this to.
            Console.Error.WriteLine($"Error: {Unwrap(ex).Message}");
            return 1;
        }

        log.Verbosity = settings.Verbosity ?? Verbosity.Normal;
        try
        {
            SetWorkingDirectory(provider, settings);

            // Without --verbosity, cake.config or CAKE_SETTINGS_VERBOSITY says it, read from the working directory.
            log.Verbosity = settings.Verbosity
                ?? (provider.GetRequiredService<ICakeConfiguration>().GetValue(VerbositySetting) is { Length: > 0 } configured
                    ? (Verbosity)new VerbosityConverter().ConvertFrom(configured)!
                    : Verbosity.Normal);

            var engine = new FrostingEngine(HostFor(provider, settings), provider);
            InstallTools(provider);
            if (settings.Exclusive)
            {
                engine.Settings.UseExclusiveTarget();
            }

            engine.Run(settings.Targets);
            return 0;
        }
        catch (Exception ex)
        {
            var root = Unwrap(ex);
            log.Error("Error: {0}", root.Message);
            if (log.Verbosity >= Verbosity.Diagnostic)
            {
                log.Error(root.ToString());
            }

            return 1;
        }
    }

    private static IScriptHost HostFor(IServiceProvider provider, DefaultCommandSettings settings) => settings switch
    {
        { DryRun: true } => provider.GetRequiredService<DryRunScriptHost<IFrostingContext>>(),
        { Tree: true } => provider.GetRequiredService<TreeScriptHost>(),
        { Description: true } => provider.GetRequiredService<DescriptionScriptHost>(),
        _ => provider.GetRequiredService<BuildScriptHost<IFrostingContext>>(),
    };

    private static void SetWorkingDirectory(IServiceProvider provider, DefaultCommandSettings settings)
    {
        var environment = provider.GetRequiredService<ICakeEnvironment>();
        var directory = (settings.WorkingDirectory ?? provider.GetService<WorkingDirectory>()?.Path)?.MakeAbsolute(environment)
            ?? environment.WorkingDirectory;
        if (!provider.GetRequiredService<IFileSystem>().Exist(directory))
        {
            throw new FrostingException($"The working directory '{directory.FullPath}' does not exist.");
        }

        environment.WorkingDirectory = directory;
    }

    /// <summary>No package source is reachable from here, so a tool the host was asked to install stops the run, named.</summary>
    private static void InstallTools(IServiceProvider provider)
    {
        if (provider.GetServices<PackageReference>().FirstOrDefault() is { } tool)
        {
            throw new FrostingException(
                $"The tool {tool.OriginalString} cannot be installed: this host installs no packages (it runs offline). Install it on the machine and leave InstallTool out.");
        }
    }

    private static Exception Unwrap(Exception exception) => exception switch
    {
        AggregateException { InnerExceptions.Count: 1 } aggregate => Unwrap(aggregate.InnerExceptions[0]),
        TargetInvocationException { InnerException: { } inner } => Unwrap(inner),
        CakeReportException { InnerException: { } inner } => Unwrap(inner),
        _ => exception,
    };
}
