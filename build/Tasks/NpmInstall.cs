using Cake.Core.Diagnostics;
using Cake.Npm;
using Cake.Npm.Ci;
using Cake.Npm.Install;
using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(NpmInstall))]
[TaskDescription("Installs the app's npm packages on the host (npm ci when a lock file exists, skipped when node_modules is what it would install); containers cannot reach a registry")]
public sealed class NpmInstall(InstalledPackages installed) : FrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) =>
        context.RunsWhen(nameof(NpmInstall), context.Settings.NpmInstall, $"environments.{context.Settings.Environment}.npmInstall is false.");

    public override void Run(DeployContext context)
    {
        var folder = context.Settings.AppFolder;
        if (!File.Exists(Path.Combine(folder, "package-lock.json")))
        {
            context.NpmInstall(new NpmInstallSettings { WorkingDirectory = folder }.LoggedTo(context.Log));
        }
        else if (installed.AreCurrent(folder))
        {
            context.Log.Information("node_modules is what npm ci installed from this package-lock.json with this node; npm ci skipped (delete node_modules to force it).");
        }
        else
        {
            context.NpmCi(new NpmCiSettings { WorkingDirectory = folder }.LoggedTo(context.Log));
            installed.Remember(folder);
        }
    }
}
