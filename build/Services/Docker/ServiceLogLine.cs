namespace KahaDeploy.Services.Docker;

/// <summary>One line a task of a service wrote, with the node and the task it came from.</summary>
public sealed record ServiceLogLine(string NodeId, string TaskId, ContainerLogLine Line);
