using Cake.Core.IO;
using Cake.Core.Packaging;
using KahaDeploy.Frosting.Internal;
using Microsoft.Extensions.DependencyInjection;

namespace KahaDeploy.Frosting;

/// <summary>Cake.Frosting's builder methods: each one only registers services, so ConfigureServices can do the same.</summary>
public static class CakeHostExtensions
{
    public static CakeHost UseContext<TContext>(this CakeHost host) where TContext : class, IFrostingContext =>
        host.ConfigureServices(services => services.AddSingleton<IFrostingContext, TContext>());

    public static CakeHost UseLifetime<TLifetime>(this CakeHost host) where TLifetime : class, IFrostingLifetime =>
        host.ConfigureServices(services =>
        {
            // One instance serves both halves, so a lifetime can keep what its Setup learnt for its Teardown.
            services.AddSingleton<TLifetime>();
            services.AddSingleton<IFrostingSetup>(p => p.GetRequiredService<TLifetime>());
            services.AddSingleton<IFrostingTeardown>(p => p.GetRequiredService<TLifetime>());
        });

    public static CakeHost UseTaskLifetime<TLifetime>(this CakeHost host) where TLifetime : class, IFrostingTaskLifetime =>
        host.ConfigureServices(services =>
        {
            services.AddSingleton<TLifetime>();
            services.AddSingleton<IFrostingTaskSetup>(p => p.GetRequiredService<TLifetime>());
            services.AddSingleton<IFrostingTaskTeardown>(p => p.GetRequiredService<TLifetime>());
        });

    public static CakeHost UseSetup<TSetup>(this CakeHost host) where TSetup : class, IFrostingSetup =>
        host.ConfigureServices(services => services.AddSingleton<IFrostingSetup, TSetup>());

    public static CakeHost UseTeardown<TTeardown>(this CakeHost host) where TTeardown : class, IFrostingTeardown =>
        host.ConfigureServices(services => services.AddSingleton<IFrostingTeardown, TTeardown>());

    public static CakeHost UseTaskSetup<TSetup>(this CakeHost host) where TSetup : class, IFrostingTaskSetup =>
        host.ConfigureServices(services => services.AddSingleton<IFrostingTaskSetup, TSetup>());

    public static CakeHost UseTaskTeardown<TTeardown>(this CakeHost host) where TTeardown : class, IFrostingTaskTeardown =>
        host.ConfigureServices(services => services.AddSingleton<IFrostingTaskTeardown, TTeardown>());

    public static CakeHost UseStartup<TStartup>(this CakeHost host) where TStartup : IFrostingStartup, new() =>
        host.ConfigureServices(services => new TStartup().Configure(services));

    /// <summary>The working directory when the command line gives none (--working).</summary>
    public static CakeHost UseWorkingDirectory(this CakeHost host, DirectoryPath path) =>
        host.ConfigureServices(services => services.AddSingleton(new WorkingDirectory(path)));

    /// <summary>A Cake setting (as in cake.config or a CAKE_ variable), e.g. ("Settings_Verbosity", "Verbose").</summary>
    public static CakeHost UseCakeSetting(this CakeHost host, string key, string value) =>
        host.ConfigureServices(services => services.AddSingleton(new ConfigurationValue(key, value)));

    /// <summary>A tool the run needs; this host cannot download one, so a run that asks for it stops with a clear error.</summary>
    public static CakeHost InstallTool(this CakeHost host, Uri uri) =>
        host.ConfigureServices(services => services.AddSingleton(new PackageReference(uri.OriginalString)));

    public static CakeHost UseTool(this CakeHost host, Uri uri) => host.InstallTool(uri);
}
