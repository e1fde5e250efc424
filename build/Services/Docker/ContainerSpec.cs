namespace KahaDeploy.Services.Docker;

/// <summary>
/// A container to create and start. <paramref name="Binds"/> are <c>host-path-or-volume:container-path[:ro]</c>;
/// <paramref name="Network"/> null means the default bridge; <paramref name="RestartPolicy"/> is one of
/// <c>no</c>, <c>always</c>, <c>unless-stopped</c>, <c>on-failure</c> (or <c>on-failure:N</c>);
/// <paramref name="Command"/> null keeps the image's command; <paramref name="CpuShares"/> 0 keeps the engine's default
/// CPU weight (1024).
/// </summary>
public sealed record ContainerSpec(
    string Name,
    string Image,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<PublishedPort> Ports,
    IReadOnlyList<string> Binds,
    string? Network,
    IReadOnlyList<string> NetworkAliases,
    IReadOnlyDictionary<string, string> Labels,
    string RestartPolicy,
    IReadOnlyList<string>? Command,
    int CpuShares = 0);
