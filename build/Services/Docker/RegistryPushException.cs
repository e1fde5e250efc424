namespace KahaDeploy.Services.Docker;

/// <summary>
/// A push the registry did not take, in one line that says why in a person's words: the registry cannot be reached, it
/// refused the login, or the upload failed (the registry's own words, e.g. a full disk). The engine's message is kept
/// in brackets; it names the registry, never the password.
/// </summary>
public sealed class RegistryPushException(string reference, string registry, string engineError, Exception? inner)
    : DockerEngineException(Describe(reference, registry, engineError), inner)
{
    private static readonly string[] Unreachable = ["connection refused", "no such host", "i/o timeout", "no route to host", "network is unreachable"];

    private static readonly string[] Refused = ["unauthorized", "authentication required", "no basic auth credentials", "denied"];

    private static string Describe(string reference, string registry, string error) =>
        Unreachable.Any(words => error.Contains(words, StringComparison.OrdinalIgnoreCase))
            ? $"the registry {registry} cannot be reached to push {reference} ({error}); check the registry's address and that it runs."
            : Refused.Any(words => error.Contains(words, StringComparison.OrdinalIgnoreCase))
                ? $"the registry {registry} refused the login to push {reference} ({error}); check the registry's user and password secrets."
                : $"the registry {registry} did not take {reference} ({error}).";
}
