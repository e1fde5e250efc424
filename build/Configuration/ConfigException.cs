namespace KahaDeploy.Configuration;

/// <summary>A mistake in the configuration or the command line: one line that names the problem and the fix.</summary>
public sealed class ConfigException(string message) : Exception(message);
