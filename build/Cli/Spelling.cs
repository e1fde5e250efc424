namespace KahaDeploy.Cli;

/// <summary>"Did you mean ...?": the known name nearest to a misspelt one, if it is near enough to be what was meant.</summary>
public static class Spelling
{
    public static string? Nearest(string wrong, IEnumerable<string> known)
    {
        var typed = Normalise(wrong);
        return known
            .Select(name => (name, distance: Distance(typed, Normalise(name))))
            .Where(candidate => candidate.distance <= (typed.Length <= 4 ? 1 : Math.Max(2, typed.Length / 4)))
            .OrderBy(candidate => candidate.distance)
            .Select(candidate => candidate.name)
            .FirstOrDefault();
    }

    // Case and the choice between '-' and '_' are not what anyone means to say.
    private static string Normalise(string name) => name.ToLowerInvariant().Replace('_', '-');

    /// <summary>Levenshtein distance, with a swap of two neighbours counting as one edit (the commonest typo).</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
