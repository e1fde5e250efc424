using Cake.Core.Diagnostics;
using Cake.Npm;
using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(AppTests))]
[TaskDescription("Runs the app's own tests (npm test) in the checkout")]
[IsDependentOn(typeof(NpmInstall))]
public sealed class AppTests : FrostingTask<DeployContext>
{
    public override void Run(DeployContext context)
    {
        context.Log.Information("Running the app's tests: npm test in {0}.", context.Settings.AppFolder);
        context.NpmRunScript(new Cake.Npm.RunScript.NpmRunScriptSettings { ScriptName = "test", WorkingDirectory = context.Settings.AppFolder }.LoggedTo(context.Log));
    }
}
