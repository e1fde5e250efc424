using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(CI))]
[ChangesEnvironment]
[EndsWithWhatIsLive]
[TaskDescription("The last stage of CI: the app's tests, then Deploy to --env only when they pass")]
[IsDependentOn(typeof(Lock))]
[IsDependentOn(typeof(GitPull))]
[IsDependentOn(typeof(AppTests))]
[IsDependentOn(typeof(Deploy))]
public sealed class CI : FrostingTask<DeployContext>;
