using Docker.DotNet.Models;

namespace KahaDeploy.Services.Docker;

/// <summary>A service's spec as the engine had it, to put back as it was (<see cref="DockerEngine.RestoreServiceAsync"/>).</summary>
public sealed class SwarmSpecSnapshot
{
    internal SwarmSpecSnapshot(ServiceSpec spec) => Spec = spec;

    internal ServiceSpec Spec { get; }
}
