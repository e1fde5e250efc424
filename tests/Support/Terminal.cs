namespace KahaDeploy.Tests.Support;

/// <summary>
/// The tool run as in a terminal window of a given width: `script` gives it a pseudo-terminal as stdout, sized with
/// `stty`, so it sees a tty exactly as a person's shell would show it.
/// </summary>
public static class Terminal
{
    public static ProcessResult Run(int columns, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var command = $"stty cols {columns} rows 50; exec {Quoted(Path.Combine(Repo.Root, "build.sh"))} {string.Join(' ', arguments.Select(Quoted))}";
        var result = Shell.Run("script", ["--quiet", "--return", "--command", command, "/dev/null"], Repo.Root,
            new Dictionary<string, string?>(environment) { ["NO_COLOR"] = null, ["TERM"] = "xterm-256color", ["COLUMNS"] = null });
        Tool.Record(result.All);
        return result with { StdOut = result.StdOut.Replace("\r\n", "\n") };
    }

    private static string Quoted(string value) => "'" + value.Replace("'", "'\\''") + "'";
}
