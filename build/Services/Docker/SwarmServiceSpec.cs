namespace KahaDeploy.Services.Docker;

/// <summary>
/// A Swarm service to create or update. <paramref name="Replicas"/> null runs one task on every node (global mode);
/// <paramref name="Ports"/> are published in host mode on each node that runs a task (<see cref="PublishedPort.HostIp"/> is
/// not used: Swarm binds every address); with no port the service resolves by DNS to its tasks' own addresses (dnsrr),
/// since this engine's VIPs need IPVS. <paramref name="StartFirst"/> starts a new task before its old one stops; a service
/// publishing host ports cannot (the port is taken). A failed update rolls back by itself. <paramref name="Volumes"/> are
/// named volumes by the path they are mounted at; <paramref name="Command"/> null keeps the image's command.
/// <paramref name="MaxPerNode"/> above 0 caps the service's tasks on one node (a rule, where spread is only a preference).
/// </summary>
public sealed record SwarmServiceSpec(
    string Name,
    string Image,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyDictionary<string, string> Labels,
    string Network,
    int? Replicas,
    IReadOnlyList<PublishedPort> Ports,
    ServiceHealthCheck? Health,
    int UpdateParallelism,
    bool StartFirst,
    IReadOnlyList<string> Constraints,
    IReadOnlyDictionary<string, string> Volumes,
    IReadOnlyList<string>? Command = null,
    int MaxPerNode = 0);

/// <summary>A health check in exec form (no shell needed in the image): the task counts as running only once it passes.</summary>
public sealed record ServiceHealthCheck(IReadOnlyList<string> Command, TimeSpan Interval, TimeSpan Timeout, int Retries, TimeSpan StartPeriod);
