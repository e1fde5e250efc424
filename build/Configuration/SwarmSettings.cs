namespace KahaDeploy.Configuration;

/// <summary>An environment that runs on a Docker Swarm: the manager is the engine DOCKER_HOST names.</summary>
/// <param name="Replicas">how many copies of the app run across the nodes.</param>
/// <param name="Registry">HOST[:PORT][/PATH] the tool pushes its images to and the nodes pull them from.</param>
/// <param name="Login">the registry's credentials; null when it asks for none.</param>
/// <param name="UpdateParallelism">how many tasks an update replaces at a time (1 to <paramref name="Replicas"/>).</param>
/// <param name="Placement">placement constraints as Swarm takes them (node.ATTRIBUTE==VALUE or !=).</param>
public sealed record SwarmSettings(int Replicas, string Registry, RegistryLogin? Login, int UpdateParallelism, IReadOnlyList<string> Placement);

/// <summary>A registry's user and password, resolved from secrets.</summary>
public sealed record RegistryLogin(string User, string Password)
{
    // A record prints every member: a log line or an exception message that shows the settings must not show the password.
    public override string ToString() => $"RegistryLogin {{ User = {User}, Password = *** }}";
}
