using System.Text.RegularExpressions;

namespace KahaDeploy.Services.Docker;

/// <summary>
/// The stages of a Dockerfile, each from its <c>FROM … AS NAME</c> line up to the next <c>FROM</c>: so that one stage can be
/// built as an image of its own and the others built on that image, without building it again.
/// </summary>
public static partial class DockerfileStages
{
    /// <summary>The text of the stage named <paramref name="name"/> (stage names are case-insensitive), or null when there is none.</summary>
    public static string? Find(string dockerfile, string name) =>
        Locate(dockerfile, name) is var (start, end) ? dockerfile[start..end] : null;

    /// <summary>
    /// The Dockerfile with the stage named <paramref name="name"/> replaced by <c>FROM IMAGE AS NAME</c>: the stages that
    /// build on it get what it made, and what it copied need not be in the context.
    /// </summary>
    public static string Replace(string dockerfile, string name, string image)
    {
        var (start, end) = Locate(dockerfile, name) ?? throw new ArgumentException($"The Dockerfile has no stage named '{name}'.", nameof(name));
        return dockerfile[..start] + $"FROM {image} AS {name}\n" + dockerfile[end..];
    }

    private static (int Start, int End)? Locate(string dockerfile, string name)
    {
        var froms = FromLine().Matches(dockerfile);
        for (var i = 0; i < froms.Count; i++)
        {
            if (froms[i].Groups["name"].Value.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return (froms[i].Index, i + 1 < froms.Count ? froms[i + 1].Index : dockerfile.Length);
            }
        }

        return null;
    }

    [GeneratedRegex(@"^[ \t]*FROM[ \t]+(?:--\S+[ \t]+)*\S+(?:[ \t]+AS[ \t]+(?<name>\S+))?[ \t]*\r?$", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex FromLine();
}
