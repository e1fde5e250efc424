namespace KahaDeploy.Tests.Support;

/// <summary>kaha-deploy as its users run it: ./build.sh with arguments.</summary>
public static class Tool
{
    public static ProcessResult Run(params string[] arguments) => Run(arguments, null);

    public static ProcessResult Run(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment, string? workingDirectory = null) =>
        Shell.Run(Path.Combine(Repo.Root, "build.sh"), arguments, workingDirectory ?? Repo.Root, environment, TimeSpan.FromMinutes(5));
}
