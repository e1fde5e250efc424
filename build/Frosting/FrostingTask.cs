using Cake.Core;

namespace KahaDeploy.Frosting;

public interface IFrostingTask
{
    /// <summary>Logged when <see cref="ShouldRun"/> says no.</summary>
    string SkippedMessage { get; }

    Task RunAsync(ICakeContext context);

    bool ShouldRun(ICakeContext context);

    void OnError(Exception exception, ICakeContext context);

    void Finally(ICakeContext context);
}

public abstract class FrostingTask<TContext> : IFrostingTask where TContext : ICakeContext
{
    public virtual string SkippedMessage => string.Empty;

    public virtual void Run(TContext context)
    {
    }

    public virtual bool ShouldRun(TContext context) => true;

    public virtual void OnError(Exception exception, TContext context)
    {
    }

    public virtual void Finally(TContext context)
    {
    }

    Task IFrostingTask.RunAsync(ICakeContext context)
    {
        Run((TContext)context);
        return Task.CompletedTask;
    }

    bool IFrostingTask.ShouldRun(ICakeContext context) => ShouldRun((TContext)context);

    void IFrostingTask.OnError(Exception exception, ICakeContext context) => OnError(exception, (TContext)context);

    void IFrostingTask.Finally(ICakeContext context) => Finally((TContext)context);
}

public abstract class AsyncFrostingTask<TContext> : IFrostingTask where TContext : ICakeContext
{
    public virtual string SkippedMessage => string.Empty;

    public virtual Task RunAsync(TContext context) => Task.CompletedTask;

    public virtual bool ShouldRun(TContext context) => true;

    public virtual void OnError(Exception exception, TContext context)
    {
    }

    public virtual void Finally(TContext context)
    {
    }

    Task IFrostingTask.RunAsync(ICakeContext context) => RunAsync((TContext)context);

    bool IFrostingTask.ShouldRun(ICakeContext context) => ShouldRun((TContext)context);

    void IFrostingTask.OnError(Exception exception, ICakeContext context) => OnError(exception, (TContext)context);

    void IFrostingTask.Finally(ICakeContext context) => Finally((TContext)context);
}

public abstract class FrostingTask : FrostingTask<ICakeContext>;

public abstract class AsyncFrostingTask : AsyncFrostingTask<ICakeContext>;
