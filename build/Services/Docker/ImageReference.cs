using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace KahaDeploy.Services.Docker;

/// <summary>
/// An image reference, <c>[REGISTRY[:PORT]/]REPOSITORY[:TAG]</c> or <c>REPOSITORY@DIGEST</c>, and the rules for its parts:
/// the one place that knows how an image is named, for the configuration, the command line, the engine and the webhooks.
/// </summary>
/// <param name="Repository">The reference without its tag or digest (registry included): what <c>POST /images/create</c> takes as <c>fromImage</c>.</param>
/// <param name="Tag">The tag, or the digest after <c>@</c>; null when the reference names neither.</param>
public sealed partial record ImageReference(string Repository, string? Tag)
{
    /// <summary>The tag the engine pulls when a reference names none.</summary>
    public string TagOrLatest => Tag ?? "latest";

    /// <summary>
    /// Splits any reference as the engine reads it, without judging it: what the engine cannot pull, it says so itself.
    /// A colon after the last slash starts the tag; one before it is a registry's port.
    /// </summary>
    public static ImageReference Parse(string text)
    {
        var at = text.IndexOf('@');
        if (at >= 0)
        {
            return new ImageReference(text[..at], text[(at + 1)..]);
        }

        var colon = text.LastIndexOf(':');
        var slash = text.LastIndexOf('/');
        return colon > slash ? new ImageReference(text[..colon], text[(colon + 1)..]) : new ImageReference(text, null);
    }

    /// <summary>A reference written out as <c>[REGISTRY[:PORT]/]REPOSITORY[:TAG]</c>, as configuration and arguments must give it (no digest, no <c>${...}</c>).</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out ImageReference? reference)
    {
        reference = WrittenOut().IsMatch(text) ? Parse(text) : null;
        return reference is not null;
    }

    /// <summary>
    /// A registry as an image reference starts with it: <c>HOST[:PORT]</c>, optionally followed by a namespace
    /// (<c>/PATH</c>), without a scheme; what the tool puts before its own repository name to push there.
    /// </summary>
    public static bool IsRegistry(string text) => Registry().IsMatch(text);

    /// <summary>A repository name the tool tags its own builds with: lower-case components joined by '/', no registry, no tag.</summary>
    public static bool IsLocalRepository(string text) => LocalRepository().IsMatch(text);

    /// <summary>A tag as the engine allows it: up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'.</summary>
    [GeneratedRegex(@"^" + TagRule + @"\z")]
    public static partial Regex TagPattern();

    /// <summary>A repository as Docker Hub names it: NAMESPACE/NAME (deeper paths too), no registry, no tag.</summary>
    [GeneratedRegex(@"^" + Component + @"(?:/" + Component + @")+\z")]
    public static partial Regex DockerHubRepositoryPattern();

    /// <summary>One '/'-separated part of a repository as a registry names it.</summary>
    private const string Component = @"[a-z0-9]+(?:[._-]+[a-z0-9]+)*";

    private const string TagRule = @"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";

    [GeneratedRegex(@"^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::[0-9]{1,5})?(?:/" + Component + @")*\z")]
    private static partial Regex Registry();

    [GeneratedRegex(@"^(?:[A-Za-z0-9.-]+(?::[0-9]+)?/)?" + Component + @"(?:/" + Component + @")*(?::" + TagRule + @")?\z")]
    private static partial Regex WrittenOut();

    // Stricter than Component (one separator at a time): the names the tool has always given its builds.
    [GeneratedRegex(@"^[a-z0-9]+([._-]?[a-z0-9]+)*(/[a-z0-9]+([._-]?[a-z0-9]+)*)*\z")]
    private static partial Regex LocalRepository();
}
