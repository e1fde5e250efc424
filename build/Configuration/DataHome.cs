namespace KahaDeploy.Configuration;

/// <summary>
/// Where data that must outlive the checkout is kept: dev's Redis data and the secrets the tool generated for it.
/// A host folder rather than a Docker named volume, because a folder can be backed up, copied and inspected with the
/// usual tools (as the seed kept ~/data for host-side backups), and it survives a 'docker volume prune'.
/// Nothing under the checkout, so 'git clean -xfd' or 'rm -rf .deploy' cannot delete a database under a running Redis.
/// </summary>
public static class DataHome
{
    /// <summary>Overrides the location (tests point it into their sandbox; an operator may point it at another disk).</summary>
    public const string Variable = "KAHA_DEPLOY_DATA_HOME";

    /// <summary>KAHA_DEPLOY_DATA_HOME, else /var/lib/kaha-deploy for root (where an ops engineer looks), else the XDG data folder.</summary>
    public static string Root()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } overridden)
        {
            return Path.GetFullPath(overridden);
        }

        if (!OperatingSystem.IsWindows() && Environment.UserName == "root")
        {
            return "/var/lib/kaha-deploy";
        }

        // On Linux this is $XDG_DATA_HOME, or ~/.local/share when it is unset.
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "kaha-deploy");
    }

    /// <summary>One app's environment: its Redis data (redis/) and its generated secrets (secrets) live here.</summary>
    public static string For(string app, string environment) => Path.Combine(Root(), app, environment);

    /// <summary>Creates the folder (and missing parents) readable by the owner only: it holds Redis data and passwords.</summary>
    public static void CreatePrivate(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return;
        }

        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Directory.CreateDirectory(folder, ownerOnly);
        // An existing folder keeps its mode through CreateDirectory: an older one (0755, or the moved 0644 files' folder) is tightened here.
        File.SetUnixFileMode(folder, ownerOnly);
    }
}
