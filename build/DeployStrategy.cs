using Cake.Core;
using Cake.Core.Diagnostics;
using KahaDeploy.Frosting;

namespace KahaDeploy;

/// <summary>
/// How a real run executes its tasks: Cake's default, plus two things the tool needs. Being this strategy's run is what
/// makes a run real (the host's dry run brings its own strategy): secrets are resolved and a history line is written only
/// then. And once a task found there is nothing left to do, the remaining tasks are passed over and the run succeeds.
/// </summary>
public sealed class DeployStrategy(ICakeLog log, ICakeReportPrinter printer, IFrostingContext context) : IExecutionStrategy
{
    private readonly DefaultExecutionStrategy _cake = new(log, printer);

    private DeployContext Deploy => (DeployContext)context;

    public void PerformSetup(Action<ISetupContext> action, ISetupContext setupContext)
    {
        Deploy.PerformsRun();
        _cake.PerformSetup(action, setupContext);
    }

    public Task ExecuteAsync(CakeTask task, ICakeContext cakeContext)
    {
        if (Deploy.Run.Finished)
        {
            log.Verbose("Passing over {0}: the run finished early.", task.Name);
            return Task.CompletedTask;
        }

        return _cake.ExecuteAsync(task, cakeContext);
    }

    public void PerformTeardown(Action<ITeardownContext> action, ITeardownContext teardownContext) => _cake.PerformTeardown(action, teardownContext);

    public void Skip(CakeTask task, CakeTaskCriteria criteria) => _cake.Skip(task, criteria);

    public Task ReportErrorsAsync(Func<Exception, Task> action, Exception exception) => _cake.ReportErrorsAsync(action, exception);

    public Task HandleErrorsAsync(Func<Exception, ICakeContext, Task> action, Exception exception, ICakeContext cakeContext) =>
        _cake.HandleErrorsAsync(action, exception, cakeContext);

    public Task InvokeFinallyAsync(Func<ICakeContext, Task> action, ICakeContext cakeContext) => _cake.InvokeFinallyAsync(action, cakeContext);

    public void PerformTaskSetup(Action<ITaskSetupContext> action, ITaskSetupContext taskSetupContext) => _cake.PerformTaskSetup(action, taskSetupContext);

    public void PerformTaskTeardown(Action<ITaskTeardownContext> action, ITaskTeardownContext taskTeardownContext) => _cake.PerformTaskTeardown(action, taskTeardownContext);
}
