namespace KahaDeploy;

/// <summary>
/// Why a run stopped, where the exit code must say more than the host's 1 for any failure: a signal (130, as a shell
/// reports Ctrl-C) or a refused option value (2, as for every other command line refusal).
/// </summary>
public sealed class StoppedRun
{
    public bool BySignal { get; set; }

    public bool ByCommandLine { get; set; }

    public int ExitCode(int hostExit) => BySignal ? 130 : ByCommandLine ? ArgumentCheck.UsageError : hostExit;
}
