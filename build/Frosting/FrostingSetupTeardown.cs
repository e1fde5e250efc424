using Cake.Core;

namespace KahaDeploy.Frosting;

/// <summary>Runs before the first task (<see cref="CakeHostExtensions.UseSetup{TSetup}"/>).</summary>
public abstract class FrostingSetup<TContext> : IFrostingSetup where TContext : ICakeContext
{
    public abstract void Setup(TContext context, ISetupContext info);

    void IFrostingSetup.Setup(ICakeContext context, ISetupContext info) => Setup((TContext)context, info);
}

public abstract class FrostingSetup : FrostingSetup<ICakeContext>;

/// <summary>Runs after the last task, whether the run failed or not (<see cref="CakeHostExtensions.UseTeardown{TTeardown}"/>).</summary>
public abstract class FrostingTeardown<TContext> : IFrostingTeardown where TContext : ICakeContext
{
    public abstract void Teardown(TContext context, ITeardownContext info);

    void IFrostingTeardown.Teardown(ICakeContext context, ITeardownContext info) => Teardown((TContext)context, info);
}

public abstract class FrostingTeardown : FrostingTeardown<ICakeContext>;

/// <summary>Runs before each task (<see cref="CakeHostExtensions.UseTaskSetup{TSetup}"/>).</summary>
public abstract class FrostingTaskSetup<TContext> : IFrostingTaskSetup where TContext : ICakeContext
{
    public abstract void Setup(TContext context, ITaskSetupContext info);

    void IFrostingTaskSetup.Setup(ICakeContext context, ITaskSetupContext info) => Setup((TContext)context, info);
}

public abstract class FrostingTaskSetup : FrostingTaskSetup<ICakeContext>;

/// <summary>Runs after each task (<see cref="CakeHostExtensions.UseTaskTeardown{TTeardown}"/>).</summary>
public abstract class FrostingTaskTeardown<TContext> : IFrostingTaskTeardown where TContext : ICakeContext
{
    public abstract void Teardown(TContext context, ITaskTeardownContext info);

    void IFrostingTaskTeardown.Teardown(ICakeContext context, ITaskTeardownContext info) => Teardown((TContext)context, info);
}

public abstract class FrostingTaskTeardown : FrostingTaskTeardown<ICakeContext>;
