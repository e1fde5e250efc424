using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Runs;

/// <summary>
/// Cake's log with a copy of every message in the run's log file, at every verbosity: the console shows what
/// --verbosity asks for, the file holds what a diagnostic run would show.
/// </summary>
public sealed class RecordingLog(ICakeLog console, RunLogFile file) : ICakeLog
{
    public Verbosity Verbosity
    {
        get => console.Verbosity;
        set => console.Verbosity = value;
    }

    public void Write(Verbosity verbosity, LogLevel level, string format, params object[] args)
    {
        file.Write(level, format, args);
        console.Write(verbosity, level, format, args);
    }
}
