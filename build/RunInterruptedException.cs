namespace KahaDeploy;

/// <summary>
/// A run stopped by a signal: the host exits with 130, as a shell reports a command stopped by Ctrl-C. Its message is
/// replaced by the one line that says what serves now, once the teardown knows it.
/// </summary>
public sealed class RunInterruptedException(string message) : Exception(message)
{
    public string? Outcome { get; set; }

    public override string Message => Outcome ?? base.Message;
}
