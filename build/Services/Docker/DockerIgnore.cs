using System.Text;
using System.Text.RegularExpressions;

namespace KahaDeploy.Services.Docker;

/// <summary>
/// A <c>.dockerignore</c> file, matched with the Docker CLI's semantics: patterns are relative to
/// the context root (no "match at any depth" as in .gitignore), <c>*</c> and <c>?</c> never cross
/// a <c>/</c>, <c>**</c> matches any number of directories, <c>[...]</c> is a character class,
/// <c>\</c> escapes the next character, a leading <c>!</c> re-includes, the last matching pattern
/// wins, a path is excluded when it or one of its parent directories matches, and lines whose
/// first character is <c>#</c> are comments.
/// </summary>
public sealed class DockerIgnore
{
    private readonly IReadOnlyList<Rule> _rules;
    private readonly HashSet<string> _kept;

    private DockerIgnore(IReadOnlyList<Rule> rules, HashSet<string> kept)
    {
        _rules = rules;
        _kept = kept;
    }

    /// <summary>An ignore file that excludes nothing.</summary>
    public static DockerIgnore Empty { get; } = new([], new HashSet<string>(StringComparer.Ordinal));

    /// <summary>The patterns as Docker normalises them (cleaned, leading <c>/</c> removed, <c>!</c> kept).</summary>
    public IReadOnlyList<string> Patterns => _rules.Select(r => r.Exception ? "!" + r.Pattern : r.Pattern).ToList();

    /// <summary>True when at least one pattern starts with <c>!</c>.</summary>
    public bool HasExceptions => _rules.Any(r => r.Exception);

    /// <summary>Reads <c>.dockerignore</c> at the root of <paramref name="contextDirectory"/>; <see cref="Empty"/> when there is none.</summary>
    public static DockerIgnore Load(string contextDirectory)
    {
        var path = Path.Combine(contextDirectory, ".dockerignore");
        return File.Exists(path) ? Parse(File.ReadAllText(path)) : Empty;
    }

    /// <summary>Parses the text of a <c>.dockerignore</c> file.</summary>
    public static DockerIgnore Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        var rules = new List<Rule>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            // Docker drops comment lines before trimming, so only a '#' in the first column starts a comment.
            if (line.StartsWith('#'))
            {
                continue;
            }

            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var exception = line[0] == '!';
            if (exception)
            {
                line = line[1..].Trim();
                if (line.Length == 0)
                {
                    throw new FormatException("Illegal exclusion pattern in .dockerignore: \"!\"");
                }
            }

            var pattern = CleanPath(line);
            if (pattern.Length > 1 && pattern[0] == '/')
            {
                pattern = pattern[1..];
            }

            rules.Add(new Rule(pattern, exception, Compile(pattern)));
        }

        return new DockerIgnore(rules, new HashSet<string>(StringComparer.Ordinal));
    }

    /// <summary>
    /// A copy that never excludes the given paths (relative to the context root), the way the
    /// Docker CLI always sends the Dockerfile and <c>.dockerignore</c> even when a pattern matches them.
    /// </summary>
    public DockerIgnore Keeping(params string[] relativePaths)
    {
        var kept = new HashSet<string>(_kept, StringComparer.Ordinal);
        foreach (var path in relativePaths)
        {
            kept.Add(NormalizeRelative(path));
        }

        return new DockerIgnore(_rules, kept);
    }

    /// <summary>Whether the file or directory at <paramref name="relativePath"/> (relative to the context root, <c>/</c> separated) is left out of the context.</summary>
    public bool IsExcluded(string relativePath)
    {
        var path = NormalizeRelative(relativePath);
        if (_kept.Contains(path))
        {
            return false;
        }

        var lastSlash = path.LastIndexOf('/');
        var parents = lastSlash < 0 ? [] : path[..lastSlash].Split('/');

        var excluded = false;
        foreach (var rule in _rules)
        {
            // An exclusion can only change the answer while the path is included, and an exception only while it is excluded.
            if (rule.Exception != excluded)
            {
                continue;
            }

            var match = rule.Regex.IsMatch(path);
            for (var i = 0; !match && i < parents.Length; i++)
            {
                match = rule.Regex.IsMatch(string.Join('/', parents, 0, i + 1));
            }

            if (match)
            {
                excluded = !rule.Exception;
            }
        }

        return excluded;
    }

    /// <summary>
    /// Whether something below the excluded directory <paramref name="relativeDirectory"/> could still be
    /// included again by an exception pattern (or kept path), so that the directory has to be walked.
    /// </summary>
    public bool MayIncludeBelow(string relativeDirectory)
    {
        var directory = NormalizeRelative(relativeDirectory);
        var prefix = directory + "/";
        if (_kept.Any(k => k.StartsWith(prefix, StringComparison.Ordinal)))
        {
            return true;
        }

        var directorySegments = directory.Split('/');
        foreach (var rule in _rules.Where(r => r.Exception))
        {
            if (ExceptionMayReachBelow(rule.Pattern.Split('/'), directorySegments))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ExceptionMayReachBelow(string[] patternSegments, string[] directorySegments)
    {
        for (var i = 0; i < directorySegments.Length; i++)
        {
            if (i >= patternSegments.Length)
            {
                // The pattern names this directory or one above it: it cannot re-include anything inside.
                return false;
            }

            if (patternSegments[i].Contains("**", StringComparison.Ordinal))
            {
                return true;
            }

            bool segmentMatches;
            try
            {
                segmentMatches = Compile(patternSegments[i]).IsMatch(directorySegments[i]);
            }
            catch (FormatException)
            {
                // A class such as "[/]" split in two: walk the directory rather than guess.
                return true;
            }

            if (!segmentMatches)
            {
                return false;
            }
        }

        return patternSegments.Length > directorySegments.Length;
    }

    private static string NormalizeRelative(string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        var path = CleanPath(relativePath);
        return path.Length > 1 && path[0] == '/' ? path[1..] : path;
    }

    /// <summary>Lexical path cleaning with the rules of Go's <c>path.Clean</c>.</summary>
    internal static string CleanPath(string path)
    {
        if (path.Length == 0)
        {
            return ".";
        }

        var rooted = path[0] == '/';
        var output = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (output.Count > 0 && output[^1] != "..")
                {
                    output.RemoveAt(output.Count - 1);
                }
                else if (!rooted)
                {
                    output.Add("..");
                }

                continue;
            }

            output.Add(part);
        }

        var joined = string.Join('/', output);
        if (rooted)
        {
            return "/" + joined;
        }

        return joined.Length == 0 ? "." : joined;
    }

    /// <summary>Translates one pattern into an anchored regular expression, as Docker's pattern matcher does.</summary>
    private static Regex Compile(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var ch = pattern[i];
            switch (ch)
            {
                case '*' when i + 1 < pattern.Length && pattern[i + 1] == '*':
                    i++;
                    if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                    {
                        i++;
                    }

                    regex.Append(i + 1 >= pattern.Length ? ".*" : "(.*/)?");
                    break;
                case '*':
                    regex.Append("[^/]*");
                    break;
                case '?':
                    regex.Append("[^/]");
                    break;
                case '[':
                    i = AppendCharacterClass(pattern, i, regex);
                    break;
                case '\\':
                    if (i + 1 < pattern.Length)
                    {
                        i++;
                        regex.Append(Regex.Escape(pattern[i].ToString()));
                    }
                    else
                    {
                        regex.Append(@"\\");
                    }

                    break;
                default:
                    regex.Append(Regex.Escape(ch.ToString()));
                    break;
            }
        }

        regex.Append('$');
        try
        {
            return new Regex(regex.ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"Invalid pattern in .dockerignore: \"{pattern}\"", e);
        }
    }

    /// <summary>Copies a <c>[...]</c> class starting at <paramref name="start"/>; returns the index of its closing <c>]</c>.</summary>
    private static int AppendCharacterClass(string pattern, int start, StringBuilder regex)
    {
        var i = start + 1;
        var body = new StringBuilder();
        if (i < pattern.Length && pattern[i] == '^')
        {
            body.Append('^');
            i++;
        }

        for (; i < pattern.Length; i++)
        {
            var ch = pattern[i];
            if (ch == ']' && body.Length > 0 && body.ToString() != "^")
            {
                regex.Append('[').Append(body).Append(']');
                return i;
            }

            if (ch == '\\' && i + 1 < pattern.Length)
            {
                i++;
                body.Append('\\').Append(pattern[i]);
            }
            else if (ch is '[' or '\\' or ']')
            {
                body.Append('\\').Append(ch);
            }
            else
            {
                body.Append(ch);
            }
        }

        throw new FormatException($"Invalid pattern in .dockerignore: \"{pattern}\" (unclosed '[')");
    }

    private sealed record Rule(string Pattern, bool Exception, Regex Regex);
}
