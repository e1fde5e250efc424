namespace KahaDeploy.Services.Docker;

/// <summary>
/// One entry of a build context assembled from host files: a regular file copied from
/// <paramref name="HostPath"/> (host symlinks are followed, so the real bytes are copied), a symlink
/// to <paramref name="SymlinkTarget"/>, or a directory when both are null. <paramref name="Mode"/>
/// overrides the permissions (default: the host file's, 0755 for directories, 0777 for symlinks).
/// </summary>
public sealed record TarEntrySpec(string PathInContext, string? HostPath, string? SymlinkTarget, UnixFileMode? Mode)
{
    public static TarEntrySpec File(string pathInContext, string hostPath, UnixFileMode? mode = null) => new(pathInContext, hostPath, null, mode);

    public static TarEntrySpec Symlink(string pathInContext, string target) => new(pathInContext, null, target, null);

    public static TarEntrySpec Directory(string pathInContext, UnixFileMode? mode = null) => new(pathInContext, null, null, mode);
}
