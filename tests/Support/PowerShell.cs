namespace KahaDeploy.Tests.Support;

/// <summary>PowerShell 7 from its dotnet tool package, installed into the repo's .tools folder on first use.</summary>
public static class PowerShell
{
    private static readonly Lazy<string> Installed = new(Install);

    public static string Executable => Installed.Value;

    private static string Install()
    {
        var folder = Path.Combine(Repo.Root, ".tools", "pwsh");
        var pwsh = Path.Combine(folder, "pwsh");
        if (!File.Exists(pwsh))
        {
            Shell.Must("dotnet", "tool", "install", "PowerShell", "--version", "7.6.9", "--tool-path", folder);
        }

        return pwsh;
    }
}
