namespace KahaDeploy;

/// <summary>A build of the app: the commit it came from, named by its short id.</summary>
public sealed record ReleaseVersion(string Commit, bool Dirty)
{
    public string Short => Commit.Length > 12 ? Commit[..12] : Commit;

    /// <summary>The image tag and the APP_VERSION the app reports.</summary>
    public string Tag => Dirty ? $"{Short}-dirty" : Short;
}
