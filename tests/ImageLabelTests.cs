using KahaDeploy.Services.Docker;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>Build labels reach the image exactly, in one build step, and leave the build context as the app has it.</summary>
public sealed class ImageLabelTests : SandboxFixture
{
    [TestCase("FROM scratch\nCOPY . /ctx/\n", TestName = "Labels_with_quotes_dollars_and_backslashes_reach_the_image_in_one_step")]
    [TestCase("# escape=`\nFROM scratch\nCOPY . /ctx/\n", TestName = "Labels_reach_the_image_in_one_step_under_an_escape_directive")]
    public async Task Labels_reach_the_image(string dockerfile)
    {
        var context = Path.Combine(Sandbox.Folder, "context");
        Directory.CreateDirectory(context);
        File.WriteAllText(Path.Combine(context, "Dockerfile"), dockerfile);
        File.WriteAllText(Path.Combine(context, ".dockerignore"), "ignored.txt\n");
        File.WriteAllText(Path.Combine(context, "kept.txt"), "kept");
        File.WriteAllText(Path.Combine(context, "ignored.txt"), "ignored");
        var labels = new Dictionary<string, string>
        {
            ["org.kaha.test"] = Sandbox.Prefix,
            ["org.opencontainers.image.source"] = "/srv/it's \"quoted\"/$HOME/${APP}/back\\slash/`tick`",
            ["org.opencontainers.image.title"] = "two  spaces = and an equals",
            ["org.opencontainers.image.version"] = "",
        };
        var tag = $"{Sandbox.Prefix}-labels:test";

        using var engine = new DockerEngine(new Uri(DockerEngine.DefaultEndpoint));
        var output = new List<string>();
        await engine.BuildImageAsync(new ImageBuildRequest(context, "Dockerfile", [tag], new Dictionary<string, string>(), labels), output.Add, CancellationToken.None);

        foreach (var (key, value) in labels)
        {
            Assert.That(DockerCli.Inspect(tag, $"{{{{index .Config.Labels \"{key}\"}}}}"), Is.EqualTo(value), key);
        }

        var steps = Shell.Must("docker", "history", "--no-trunc", "--format", "{{.CreatedBy}}", tag).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(steps.Count(s => s.Contains("LABEL", StringComparison.Ordinal)), Is.EqualTo(1), string.Join('\n', steps));
        Assert.That(output.Count(line => line.Contains("Running in", StringComparison.Ordinal)), Is.EqualTo(1), "one intermediate container for all labels, not one per label");

        var container = $"{Sandbox.Prefix}_labels";
        Shell.Must("docker", "create", "--name", container, tag, "none");
        var exported = Path.Combine(Sandbox.Folder, "exported.tar");
        Shell.Must("docker", "export", "--output", exported, container);
        var files = Shell.Must("tar", "-tf", exported).Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(f => f.StartsWith("ctx/", StringComparison.Ordinal) && !f.EndsWith('/'));
        Assert.That(files, Is.EquivalentTo(new[] { "ctx/Dockerfile", "ctx/kept.txt" }), "COPY . sees the app's context: nothing the tool sent beside it");
    }
}
