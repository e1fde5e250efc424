namespace KahaDeploy;

/// <summary>Whether a signal stopped the run: the host exits 1 on any failure, the tool then exits 130 as a shell reports Ctrl-C.</summary>
public sealed class StoppedRun
{
    public bool BySignal { get; set; }
}
