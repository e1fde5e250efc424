namespace KahaDeploy.Configuration;

/// <summary>Knows every secret value resolved in this run and replaces it with *** wherever text leaves the tool.</summary>
public sealed class SecretMasker
{
    public const string Mask = "***";

    private readonly object _gate = new();
    private string[] _values = [];

    public void Add(string value)
    {
        // Very short values would mask ordinary words; a secret that short is no secret anyway.
        if (value.Length < 4)
        {
            return;
        }

        lock (_gate)
        {
            var candidates = new[] { value, Uri.EscapeDataString(value) };
            _values = _values.Concat(candidates).Distinct().OrderByDescending(v => v.Length).ToArray();
        }
    }

    /// <summary>A log message with its arguments filled in, masked.</summary>
    public string Apply(string format, object[] args) =>
        Apply(args.Length == 0 ? format : string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));

    public string Apply(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        foreach (var value in _values)
        {
            text = text.Replace(value, Mask, StringComparison.Ordinal);
        }

        return text;
    }
}
