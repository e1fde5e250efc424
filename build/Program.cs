using KahaDeploy;
using KahaDeploy.Frosting;
using Microsoft.Extensions.DependencyInjection;

// The tool's own command line rules (issue 10) come before the host: a mistyped option stops the run before anything starts.
IReadOnlyList<string> hostArgs;
try
{
    hostArgs = ArgumentCheck.ForHost(args);
}
catch (CommandLineException ex)
{
    Console.Error.WriteLine($"Error: {ex.Message}");
    return ArgumentCheck.UsageError;
}

var stopped = new StoppedRun();
var exit = new CakeHost()
    .UseContext<DeployContext>()
    .UseLifetime<DeployLifetime>()
    .UseTaskLifetime<DeployTaskLifetime>()
    .ConfigureServices(ServiceRegistration.Register)
    .ConfigureServices(services =>
    {
        services.AddSingleton(stopped);
        services.AddSingleton<Cake.Core.IExecutionStrategy, DeployStrategy>();
    })
    .Run(hostArgs);
return stopped.ExitCode(exit);
