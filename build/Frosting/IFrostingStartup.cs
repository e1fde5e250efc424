using Microsoft.Extensions.DependencyInjection;

namespace KahaDeploy.Frosting;

/// <summary>Registers an app's services in one place, for <see cref="CakeHostExtensions.UseStartup{TStartup}"/>.</summary>
public interface IFrostingStartup
{
    void Configure(IServiceCollection services);
}
