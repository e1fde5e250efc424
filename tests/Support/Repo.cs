namespace KahaDeploy.Tests.Support;

public static class Repo
{
    /// <summary>The project's root: the folder holding build.sh.</summary>
    public static string Root { get; } = FindRoot();

    public static string Sample => Path.Combine(Root, "sample");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "build.sh")) && Directory.Exists(Path.Combine(dir.FullName, "sample")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Could not find the project root (build.sh) above " + AppContext.BaseDirectory);
    }
}
