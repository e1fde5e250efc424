using Cake.Npm;
using KahaDeploy.Frosting;
using KahaDeploy.Services;

namespace KahaDeploy.Tasks;

[TaskName(nameof(AppTests))]
[TaskDescription("Runs the app's own tests (npm test) in the checkout")]
[IsDependentOn(typeof(NpmInstall))]
public sealed class AppTests : FrostingTask<DeployContext>
{
    public override void Run(DeployContext context) =>
        context.NpmRunScript(new Cake.Npm.RunScript.NpmRunScriptSettings { ScriptName = "test", WorkingDirectory = context.Settings.AppFolder }.LoggedTo(context.Log));
}
