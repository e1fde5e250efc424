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
    IReadOnlyDictionary<string, string> Labels);
