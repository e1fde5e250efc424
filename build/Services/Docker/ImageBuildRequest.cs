namespace KahaDeploy.Services.Docker;

/// <summary>
/// An image build from a directory on the host. <paramref name="Dockerfile"/> is relative to
/// <paramref name="ContextDirectory"/> (or absolute; it may lie outside the context).
/// </summary>
public sealed record ImageBuildRequest(
    string ContextDirectory,
    string Dockerfile,
    IReadOnlyList<string> Tags,
    IReadOnlyDictionary<string, string> BuildArgs,
    IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>The text to build from instead of the Dockerfile's own (which must still exist: errors name it).</summary>
    public string? DockerfileText { get; init; }

    /// <summary>The stage to build (<c>docker build --target</c>); null for the last one.</summary>
    public string? Target { get; init; }

    /// <summary>Paths of the context, relative to it, that are not sent (beyond what <c>.dockerignore</c> leaves out).</summary>
    public IReadOnlyList<string> Excluded { get; init; } = [];
}
