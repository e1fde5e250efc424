namespace KahaDeploy.Frosting;

/// <summary>
/// Checks the command line against the tasks a run is about to execute, before any of them runs or the context is made.
/// Cake.Frosting has no such hook; an app registers one through ConfigureServices, and the host calls it when present.
/// Throw <see cref="CommandLineException"/> to refuse the run (exit code 2).
/// </summary>
public interface ICommandLineCheck
{
    /// <param name="target">The target as registered.</param>
    /// <param name="tasks">The tasks this run would execute (only the target with --exclusive).</param>
    /// <param name="tasksOf">The tasks any target runs, itself included.</param>
    void Check(CommandLine commandLine, string target, IReadOnlyList<string> tasks, Func<string, IReadOnlyList<string>> tasksOf);
}
