using System.Diagnostics;

namespace KahaDeploy.Tests.Support;

public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr)
{
    public string All => StdOut + StdErr;

    /// <summary>The lines the tool printed that start with "Error:" (colour codes removed).</summary>
    public IReadOnlyList<string> ErrorLines =>
        Lines(All).Where(l => l.StartsWith("Error:", StringComparison.Ordinal)).ToList();

    public static IEnumerable<string> Lines(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, "\u001b\\[[0-9;]*m", "")
            .Split('\n').Select(l => l.TrimEnd('\r'));

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

/// <summary>Runs programs the way a person at a terminal would.</summary>
public static class Shell
{
    public static ProcessResult Run(string program, IEnumerable<string> arguments, string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        using var process = Process.Start(StartInfo(program, arguments, workingDirectory, environment))!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish in time");
        }

        process.WaitForExit();
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static ProcessResult Run(string program, params string[] arguments) => Run(program, arguments, null);

    /// <summary>
    /// A program with its output captured, without colours, and the environment changed as given (null: removed). It runs
    /// as from a terminal: a CI variable of the machine running the tests is not passed on, since the tool reads it to
    /// tell a CI run from a person's; a test that wants a CI run sets it.
    /// </summary>
    public static ProcessStartInfo StartInfo(string program, IEnumerable<string> arguments, string? workingDirectory,
        IReadOnlyDictionary<string, string?>? environment)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repo.Root,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NO_COLOR"] = "1";
        start.Environment.Remove("CI");
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        return start;
    }

    /// <summary>Runs a program and fails the test when it does not succeed.</summary>
    public static string Must(string program, params string[] arguments) => MustIn(null, program, arguments);

    public static string MustIn(string? workingDirectory, string program, params string[] arguments)
    {
        var result = Run(program, arguments, workingDirectory);
        return result.ExitCode == 0
            ? result.StdOut.Trim()
            : throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed: {result}");
    }

    private static readonly object LogGate = new();

    /// <summary>One line a daemon printed, appended to its log file (the daemons' output events come on several threads).</summary>
    public static void AppendToLog(string file, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (LogGate)
        {
            File.AppendAllText(file, line + Environment.NewLine);
        }
    }
}
