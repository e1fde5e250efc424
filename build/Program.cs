using KahaDeploy;
using KahaDeploy.Frosting;
using Microsoft.Extensions.DependencyInjection;

// The tool's own command line rules (issue 10) come before the host: a mistyped option stops the run before anything starts.
ArgumentCheck.HostCommand command;
try
{
    command = ArgumentCheck.ForHost(args);
}
catch (CommandLineException ex)
{
    Console.Error.WriteLine($"Error: {ex.Message}");
    return ArgumentCheck.UsageError;
}

// A run that will change an environment asks the engine's version at once: the client's first, cold request overlaps
// the host's own start instead of coming after it (issue 18).
if (command.ChangesEnvironment)
{
    DockerConnector.AskEarly();
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
    .Run(command.Arguments);
return stopped.ExitCode(exit);
