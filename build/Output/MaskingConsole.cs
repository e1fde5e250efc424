using Cake.Core;

namespace KahaDeploy.Output;

/// <summary>
/// Cake's console with every resolved secret replaced by *** before it is written.
/// When stdout carries data (--json, Logs) the log goes to stderr. Colour only where <see cref="ConsoleLayout.Colour"/> allows it.
/// </summary>
public sealed class MaskingConsole(ICakeEnvironment environment, ConsoleLayout layout, SecretMasker masker) : IConsole
{
    private readonly CakeConsole _inner = new(environment);
    private readonly bool _logToStandardError = layout.DataOnStdout;

    // Without colour (a file, a pipe, NO_COLOR) the log's highlights are not set at all, so no escape code is written.
    public ConsoleColor ForegroundColor
    {
        get => _inner.ForegroundColor;
        set
        {
            if (ConsoleLayout.Colour)
            {
                _inner.ForegroundColor = value;
            }
        }
    }

    public ConsoleColor BackgroundColor
    {
        get => _inner.BackgroundColor;
        set
        {
            if (ConsoleLayout.Colour)
            {
                _inner.BackgroundColor = value;
            }
        }
    }

    public bool SupportAnsiEscapeCodes => _inner.SupportAnsiEscapeCodes && ConsoleLayout.Colour;

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

    public void ResetColor()
    {
        if (ConsoleLayout.Colour)
        {
            _inner.ResetColor();
        }
    }

    private string Masked(string format, object[] arg) => masker.Apply(format, arg);
}
