namespace KahaDeploy.Services.Host;

/// <summary>Files that only their owner may read (a run's log, the listener's callback URLs): created 0600 where Unix modes exist.</summary>
public static class OwnerOnlyFile
{
    /// <summary>Options that create such a file for writing; others may open it for reading meanwhile, as far as its mode lets them.</summary>
    public static FileStreamOptions ForWriting(FileMode mode)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write, Share = FileShare.Read };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return options;
    }
}
