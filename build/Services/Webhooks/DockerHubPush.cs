using System.Text.RegularExpressions;

namespace KahaDeploy.Services.Webhooks;

/// <summary>The fields of a Docker Hub push the listener acts on (DESIGN.md §5).</summary>
/// <param name="Tag">Required: without it there is nothing to pull.</param>
/// <param name="Callback">Null when the push has none: Docker Hub's documentation calls callback_url legacy.</param>
public sealed partial record DockerHubPush(string Repository, string Tag, string Pusher, Uri? Callback)
{
    [GeneratedRegex(@"^https?://[^\s]+\z")]
    private static partial Regex HttpUrl();

    /// <exception cref="PayloadException">Malformed JSON, or a field missing or not as Docker Hub writes it.</exception>
    public static DockerHubPush Parse(byte[] body)
    {
        var root = PayloadReader.Parse(body, PayloadReader.Json);
        var callback = PayloadReader.OptionalString(root, "callback_url", HttpUrl());
        return new DockerHubPush(
            PayloadReader.String(root, "repository.repo_name", ImageReference.DockerHubRepositoryPattern()),
            PayloadReader.String(root, "push_data.tag", ImageReference.TagPattern()),
            PayloadReader.String(root, "push_data.pusher", PayloadReader.UserName()),
            callback is null ? null
            : Uri.TryCreate(callback, UriKind.Absolute, out var uri) ? uri
            : throw new PayloadException("field callback_url is not valid"));
    }
}
