namespace KahaDeploy.Tests.Support;

/// <summary>What a person would check with the docker command, and the cleanup of what a test made.</summary>
public static class DockerCli
{
    /// <summary>Names of the containers (any state) whose names start with the prefix.</summary>
    public static IReadOnlyList<string> Containers(string prefix) =>
        Shell.Must("docker", "ps", "-a", "--filter", $"name=^{prefix}", "--format", "{{.Names}}")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Order().ToList();

    public static string? State(string container)
    {
        var result = Shell.Run("docker", "inspect", "--format", "{{.State.Status}}", container);
        return result.ExitCode == 0 ? result.StdOut.Trim() : null;
    }

    public static string Inspect(string container, string format) => Shell.Must("docker", "inspect", "--format", format, container);

    /// <summary>id and state of each container with the prefix: a test compares it before and after a refused command.</summary>
    public static string Snapshot(string prefix) =>
        Shell.Must("docker", "ps", "-a", "--filter", $"name=^{prefix}", "--format", "{{.Names}} {{.ID}} {{.State}} {{.Image}}");

    /// <summary>Containers and networks named PREFIX..., images named PREFIX... or REGISTRY/PREFIX/... (pulled from a local registry).</summary>
    public static void RemoveEverythingNamed(string prefix)
    {
        foreach (var container in Containers(prefix))
        {
            Shell.Run("docker", "rm", "-f", "-v", container);
        }

        foreach (var network in Shell.Must("docker", "network", "ls", "--filter", $"name=^{prefix}", "--format", "{{.Name}}")
                     .Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Shell.Run("docker", "network", "rm", network);
        }

        foreach (var image in Shell.Must("docker", "images", "--format", "{{.Repository}}:{{.Tag}}")
                     .Split('\n', StringSplitOptions.RemoveEmptyEntries)
                     .Where(i => i.StartsWith(prefix, StringComparison.Ordinal) || i.Contains($"/{prefix}/", StringComparison.Ordinal)))
        {
            Shell.Run("docker", "rmi", "-f", image);
        }
    }

    /// <summary>
    /// Builds a tiny FROM-scratch image in <paramref name="folder"/> that carries <paramref name="labels"/>
    /// (<c>key=value</c> pairs as a LABEL line takes them), tagged <paramref name="tag"/> when given; returns its id.
    /// </summary>
    public static string BuildLabelledImage(string folder, string labels, string? tag = null)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "Dockerfile"), $"FROM scratch\nLABEL {labels}\nCOPY Dockerfile /\n");
        return Shell.MustIn(folder, "docker", tag is null ? ["build", "-q", "."] : ["build", "-q", "-t", tag, "."]);
    }

    /// <summary>
    /// Every image the tool built for <paramref name="app"/>, also those no tag names any more (a tag moved to a newer
    /// build of the same commit or environment leaves the older image untagged).
    /// </summary>
    public static void RemoveImagesOf(string app)
    {
        foreach (var image in Shell.Must("docker", "images", "-q", "--filter", $"label=org.kaha.app={app}")
                     .Split('\n', StringSplitOptions.RemoveEmptyEntries).Distinct())
        {
            Shell.Run("docker", "rmi", "-f", image);
        }
    }
}
