using System.Text.Json;
using System.Text.RegularExpressions;

namespace KahaDeploy.Services.Webhooks;

/// <summary>The fields of a GitHub push event the listener acts on (DESIGN.md §5).</summary>
public sealed partial record GitHubPush(string Ref, string After, bool Deleted, string Repository, string Pusher)
{
    public const string TagPrefix = "refs/tags/";

    [GeneratedRegex(@"^[0-9a-f]{40}\z")]
    private static partial Regex CommitId();

    /// <summary>What git allows in a ref name, minus spaces and control characters.</summary>
    [GeneratedRegex(@"^refs/[^\x00-\x20\x7f~^:?*\[\\]{1,240}\z")]
    private static partial Regex RefName();

    /// <summary>OWNER/NAME, as GitHub writes a repository's full name (the listener's configuration is checked against it too).</summary>
    [GeneratedRegex(@"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+\z")]
    public static partial Regex RepositoryName();

    /// <exception cref="PayloadException">Malformed JSON, or a field missing or not as GitHub writes it.</exception>
    public static GitHubPush Parse(byte[] body, string mediaType)
    {
        var root = PayloadReader.Parse(body, mediaType);
        return new GitHubPush(
            PayloadReader.String(root, "ref", RefName()),
            PayloadReader.String(root, "after", CommitId()),
            PayloadReader.Boolean(root, "deleted"),
            PayloadReader.String(root, "repository.full_name", RepositoryName()),
            PayloadReader.String(root, "pusher.name", PayloadReader.UserName()));
    }
}
