namespace KahaDeploy.Services.Docker;

/// <summary>One line a container wrote, with the time the engine received it and whether it came on stderr.</summary>
public sealed record ContainerLogLine(DateTimeOffset? Time, bool StandardError, string Text);
