namespace KahaDeploy.Services.Docker;

/// <summary>One image of the engine's image list. <paramref name="RepoTags"/> is empty for an untagged (dangling) image.</summary>
public sealed record ImageSummaryInfo(
    string Id,
    IReadOnlyList<string> RepoTags,
    DateTimeOffset Created,
    long Size,
    IReadOnlyDictionary<string, string> Labels)
{
    public bool Dangling => RepoTags.Count == 0;
}
