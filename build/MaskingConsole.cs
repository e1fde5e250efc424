using Cake.Core;
using KahaDeploy.Configuration;

namespace KahaDeploy;

/// <summary>
/// Cake's console with every resolved secret replaced by *** before it is written.
/// When stdout carries data (--json, Logs) the log goes to stderr.
/// </summary>
public sealed class MaskingConsole(ICakeEnvironment environment, ConsoleLayout layout, SecretMasker masker) : IConsole
{
    private readonly CakeConsole _inner = new(environment);
    private readonly bool _logToStandardError = layout.DataOnStdout;

    public ConsoleColor ForegroundColor
    {
        get => _inner.ForegroundColor;
        set => _inner.ForegroundColor = value;
    }

    public ConsoleColor BackgroundColor
    {
        get => _inner.BackgroundColor;
        set => _inner.BackgroundColor = value;
    }

    public bool SupportAnsiEscapeCodes => _inner.SupportAnsiEscapeCodes;

    public void Write(string format, params object[] arg) => Write(Masked(format, arg));

    public void Write(string value)
    {
        if (_logToStandardError)
        {
            _inner.WriteError(masker.Apply(value));
        }
        else
        {
            _inner.Write(masker.Apply(value));
        }
    }

    public void WriteLine(string format, params object[] arg) => WriteLine(Masked(format, arg));

    public void WriteLine(string value)
    {
        if (_logToStandardError)
        {
            _inner.WriteErrorLine(masker.Apply(value));
        }
        else
        {
            _inner.WriteLine(masker.Apply(value));
        }
    }

    public void WriteError(string format, params object[] arg) => _inner.WriteError(Masked(format, arg));

    public void WriteError(string value) => _inner.WriteError(masker.Apply(value));

    public void WriteErrorLine(string format, params object[] arg) => _inner.WriteErrorLine(Masked(format, arg));

    public void WriteErrorLine(string value) => _inner.WriteErrorLine(masker.Apply(value));

    public void ResetColor() => _inner.ResetColor();

    private string Masked(string format, object[] arg) => masker.Apply(format, arg);
}
