using KahaDeploy;
using KahaDeploy.Frosting;
using KahaDeploy.Services;

return new CakeHost()
    .UseContext<DeployContext>()
    .UseLifetime<DeployLifetime>()
    .UseTaskLifetime<DeployTaskLifetime>()
    .ConfigureServices(ServiceRegistration.Register)
    .Run(args);
