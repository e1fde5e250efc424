using System.Globalization;
using System.Text;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Runs;

/// <summary>
/// The log file of one run that changes an environment: every message at every verbosity, each line with its
/// UTC time and level, secrets masked. What is logged before the run knows its environment is held back and
/// written first, so the file starts where the run started.
/// </summary>
public sealed class RunLogFile(SecretMasker masker) : IDisposable
{
    private readonly object _gate = new();
    private List<(DateTimeOffset Time, LogLevel Level, string Message)>? _held = [];
    private FileStream? _file;

    /// <summary>The file this run writes, once <see cref="Open"/> has run.</summary>
    public string? FilePath { get; private set; }

    public void Write(LogLevel level, string format, object[] args)
    {
        var message = masker.Apply(format, args);
        lock (_gate)
        {
            if (_file is not null)
            {
                Append(DateTimeOffset.UtcNow, level, message);
            }
            else
            {
                _held?.Add((DateTimeOffset.UtcNow, level, message));
            }
        }
    }

    /// <summary>Starts the file <paramref name="name"/> in <paramref name="folder"/>, keeping only the newest <paramref name="keep"/> logs there.</summary>
    /// <returns>How many old logs were removed.</returns>
    public int Open(string folder, string name, int keep)
    {
        Directory.CreateDirectory(folder);
        var older = Directory.GetFiles(folder, "*.log").Order(StringComparer.Ordinal).ToList();
        var removed = older.Take(Math.Max(0, older.Count - (keep - 1))).ToList();
        removed.ForEach(File.Delete);

        lock (_gate)
        {
            FilePath = Path.Combine(folder, name);
            _file = new FileStream(FilePath, Host.OwnerOnlyFile.ForWriting(FileMode.CreateNew));
            foreach (var (time, level, message) in _held ?? [])
            {
                Append(time, level, message);
            }

            _held = null;
        }

        return removed.Count;
    }

    /// <summary>This run keeps no log file: it changes nothing.</summary>
    public void Discard()
    {
        lock (_gate)
        {
            _held = null;
        }
    }

    /// <summary>What the file holds so far.</summary>
    public byte[] ReadAll()
    {
        lock (_gate)
        {
            if (FilePath is null)
            {
                return [];
            }

            using var file = new FileStream(FilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var bytes = new MemoryStream();
            file.CopyTo(bytes);
            return bytes.ToArray();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _file?.Dispose();
            _file = null;
        }
    }

    private void Append(DateTimeOffset time, LogLevel level, string message)
    {
        var prefix = $"{time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)} {Abbreviation(level)} ";
        var text = new StringBuilder();
        // Masked again: a line held back before the settings were read may hold a secret resolved since.
        foreach (var line in masker.Apply(message).Split('\n'))
        {
            text.Append(prefix).Append(line.TrimEnd('\r')).Append('\n');
        }

        // One write per message and no buffering: a killed run still leaves every line it logged.
        _file!.Write(Encoding.UTF8.GetBytes(text.ToString()));
        _file.Flush();
    }

    private static string Abbreviation(LogLevel level) => level switch
    {
        LogLevel.Fatal => "FTL",
        LogLevel.Error => "ERR",
        LogLevel.Warning => "WRN",
        LogLevel.Information => "INF",
        LogLevel.Verbose => "VRB",
        _ => "DBG",
    };
}
