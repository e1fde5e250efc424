using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace KahaDeploy.Configuration;

/// <summary>
/// Resolves <c>${NAME}</c> from the process environment, then from the environment's untracked dotenv file
/// (<c>.deploy/secrets.&lt;env&gt;</c>), then (for secrets the tool may generate) from the copy kept beside the data,
/// and registers every resolved value with the masker.
/// </summary>
public sealed partial class SecretStore
{
    private readonly SecretMasker _masker;
    private readonly string _secretsFile;
    private readonly string? _keptFile;
    private readonly ISet<string> _generatable;
    private readonly Action<string> _warn;
    private Dictionary<string, string>? _fileValues;
    private Dictionary<string, string>? _keptValues;

    private readonly bool _resolve;

    /// <summary>Secrets that could not be found, by name, with the first key that uses each: reported together, not one per run.</summary>
    private readonly Dictionary<string, string> _missing = new(StringComparer.Ordinal);

    /// <param name="keptFile">
    /// where generated secrets are also kept, outside the checkout (beside the data they protect), so a fresh checkout
    /// of the same app finds the password its Redis was started with; null for none.
    /// </param>
    /// <param name="resolve">
    /// false for read-only uses (Status, History, Logs, dry runs): a secret that can be found is still masked, the others
    /// stay as written, and nothing is generated.
    /// </param>
    public SecretStore(SecretMasker masker, string secretsFile, IEnumerable<string> generatable, Action<string> warn, bool resolve = true, string? keptFile = null)
    {
        _resolve = resolve;
        _masker = masker;
        _secretsFile = secretsFile;
        _keptFile = keptFile;
        _generatable = generatable.ToHashSet(StringComparer.Ordinal);
        _warn = warn;
    }

    public string SecretsFile => _secretsFile;

    /// <summary>The names of the secrets that could not be found (never their values), in the order the keys use them.</summary>
    public IReadOnlyList<string> Missing => _missing.Keys.ToList();

    /// <summary>Whether resolved values can be checked: every secret was found and this run resolves them.</summary>
    public bool CanCheckValues => _resolve && _missing.Count == 0;

    /// <summary>One line naming every secret that is not set, and where to set them.</summary>
    public string DescribeMissing() => _missing.Count == 1
        ? $"{_missing.Single().Value}: secret ${{{_missing.Single().Key}}} is not set; export {_missing.Single().Key}=... or add the line {_missing.Single().Key}=... to {_secretsFile} (mode 0600)."
        : $"secrets {string.Join(", ", _missing.Select(m => $"${{{m.Key}}} ({m.Value})"))} are not set; export them or add the lines " +
          $"{string.Join(", ", _missing.Keys.Select(name => name + "=..."))} to {_secretsFile} (mode 0600).";

    /// <summary>Fails with every missing secret at once, after all keys were resolved.</summary>
    public void ThrowIfMissing()
    {
        if (_resolve && _missing.Count > 0)
        {
            throw new ConfigException(DescribeMissing());
        }
    }

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex Placeholder();

    /// <summary>Whether <paramref name="text"/> takes its value from a secret (holds a <c>${NAME}</c>) rather than spelling it out.</summary>
    public static bool NamesSecret(string text) => Placeholder().IsMatch(text);

    /// <summary>Replaces every placeholder in <paramref name="text"/>; <paramref name="where"/> names the key for errors.</summary>
    public string Resolve(string text, string where) => Placeholder().Replace(text, match => Lookup(match, where));

    /// <summary>Masks a value built from secrets (a URL holding a password), unless it still holds a placeholder: that names a secret, it is not one.</summary>
    public void Mask(string value)
    {
        if (!Placeholder().IsMatch(value))
        {
            _masker.Add(value);
        }
    }

    private string Lookup(Match placeholder, string where)
    {
        var name = placeholder.Groups[1].Value;
        var value = System.Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrEmpty(value) && FileValues().TryGetValue(name, out value))
        {
            // The checkout's file wins (it is where a password is put back by hand); the kept copy follows it.
            Keep(name, value);
        }
        else if (string.IsNullOrEmpty(value) && !(_generatable.Contains(name) && KeptValues().TryGetValue(name, out value)))
        {
            if (!_generatable.Contains(name))
            {
                _missing.TryAdd(name, where);
                return placeholder.Value;
            }

            if (!_resolve)
            {
                return placeholder.Value;
            }

            value = Generate(name);
        }

        _masker.Add(value);
        return value;
    }

    private string Generate(string name)
    {
        var value = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        Directory.CreateDirectory(Path.GetDirectoryName(_secretsFile)!);
        var isNew = !File.Exists(_secretsFile);
        File.AppendAllText(_secretsFile, $"{name}={value}\n");
        if (isNew && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_secretsFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        FileValues()[name] = value;
        Keep(name, value);
        _warn($"Generated a random {name} and stored it in {_secretsFile}" + (_keptFile is null ? "." : $" and {_keptFile}."));
        return value;
    }

    /// <summary>Writes a generated secret to the kept file (0600, rewritten whole) when it is not there with this value.</summary>
    private void Keep(string name, string value)
    {
        if (_keptFile is null || !_resolve || !_generatable.Contains(name) || KeptValues().GetValueOrDefault(name) == value)
        {
            return;
        }

        KeptValues()[name] = value;
        DataHome.CreatePrivate(Path.GetDirectoryName(_keptFile)!);
        var temporary = _keptFile + ".new";
        File.WriteAllText(temporary, "");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllLines(temporary, KeptValues().Select(kv => $"{kv.Key}={kv.Value}"));
        File.Move(temporary, _keptFile, overwrite: true);
    }

    private Dictionary<string, string> KeptValues() => _keptValues ??= _keptFile is null ? new(StringComparer.Ordinal) : ReadDotenv(_keptFile);

    private Dictionary<string, string> FileValues() => _fileValues ??= ReadDotenv(_secretsFile);

    private Dictionary<string, string> ReadDotenv(string file)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(file))
        {
            return values;
        }

        if (!OperatingSystem.IsWindows() &&
            (File.GetUnixFileMode(file) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            _warn($"{file} can be read by other users; run: chmod 600 {file}");
        }

        foreach (var raw in File.ReadAllLines(file))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line["export ".Length..].TrimStart();
            }

            var equals = line.IndexOf('=');
            if (equals <= 0)
            {
                continue;
            }

            var value = line[(equals + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
            {
                value = value[1..^1];
            }

            values[line[..equals].Trim()] = value;
        }

        return values;
    }
}
