namespace KahaDeploy.Services.Releases;

/// <summary>A build of the app: the commit it came from, named by its short id; a pulled image is named by its tag.</summary>
public sealed record ReleaseVersion(string Commit, bool Dirty)
{
    /// <summary>The tag of a pulled image: whoever pushed it chose the release's name.</summary>
    public string? ImageTag { get; init; }

    public string Short => Commit.Length > 12 ? Commit[..12] : Commit;

    /// <summary>The image tag and the APP_VERSION the app reports.</summary>
    public string Tag => ImageTag ?? (Dirty ? $"{Short}-dirty" : Short);
}
