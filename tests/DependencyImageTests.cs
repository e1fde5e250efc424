using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// app.dependenciesStage: the Dockerfile's dependencies stage is built as an image of its own only when the package files
/// change, and each deploy builds on it, sending the app's files without node_modules.
/// </summary>
public sealed partial class DependencyImageTests : SandboxFixture
{
    protected override void Prepare()
    {
        WriteConfig("dependencies");
        Sandbox.StartBackingRedis();
    }

    private void WriteConfig(string stage) => Sandbox.WriteConfig(adjust: config =>
    {
        config["app"]!["dependenciesStage"] = stage;
        config["environments"]!["prod"]!["proxy"] = new JsonObject { ["enabled"] = true, ["drainSeconds"] = 0 };
    });

    [Test]
    public void The_dependency_image_is_built_again_only_when_the_lock_file_changes()
    {
        WriteConfig("deps");
        var unknown = Sandbox.Tool("--target=BuildImage", "--env=prod");
        Assert.That(unknown.ExitCode, Is.Not.EqualTo(0));
        Assert.That(unknown.ErrorLines, Is.EqualTo(new[] { "Error: app.dependenciesStage \"deps\" names no stage of Dockerfile (no line FROM … AS deps); name the "
                                                  + "stage that copies node_modules, or remove app.dependenciesStage." }), unknown.ToString());

        WriteConfig("dependencies");
        var first = Deploy();
        var built = BuiltDependencyImage(first);
        Assert.That(Http.VersionAt(Sandbox.ProdUrl), Is.EqualTo(Sandbox.Git(Sandbox.Author, "rev-parse", "HEAD")[..12]), "the app runs with the packages of the dependency image");

        var edited = Sandbox.CommitAndPush("change the page", dir => File.AppendAllText(Path.Combine(dir, "server.js"), "\n// release two\n"));
        var second = Deploy();

        Assert.That(second.StdOut, Does.Contain($"Dependency image {built} is current (same package files, node_modules, base images and stage 'dependencies'): not rebuilt."));
        Assert.That(second.StdOut, Does.Not.Contain("Building dependency image"));
        Assert.That(ContextKilobytes(second), Is.LessThan(100), "node_modules (about 5 MB) is not sent: " + second.StdOut);
        Assert.That(Http.VersionAt(Sandbox.ProdUrl), Is.EqualTo(edited[..12]));

        Sandbox.CommitAndPush("version 1.0.1", dir =>
        {
            SetVersion(Path.Combine(dir, "package.json"), node => node["version"] = "1.0.1");
            SetVersion(Path.Combine(dir, "package-lock.json"), node =>
            {
                node["version"] = "1.0.1";
                node["packages"]![""]!["version"] = "1.0.1";
            });
        });
        var third = Deploy();

        var rebuilt = BuiltDependencyImage(third);
        Assert.That(rebuilt, Is.Not.EqualTo(built), "a changed lock file makes another dependency image");
        Assert.That(Http.VersionAt(Sandbox.ProdUrl), Is.EqualTo(Sandbox.Git(Sandbox.Author, "rev-parse", "HEAD")[..12]));
    }

    private ProcessResult Deploy()
    {
        var result = Sandbox.Tool("--target=Deploy", "--env=prod");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        return result;
    }

    /// <summary>The dependency image the deploy says it built (IMAGE-dependencies:HASH), checked to exist.</summary>
    private string BuiltDependencyImage(ProcessResult deploy)
    {
        var match = BuildingLine().Match(deploy.StdOut);
        Assert.That(match.Success, Is.True, "the deploy builds the dependency image: " + deploy.StdOut);
        var tag = match.Groups["tag"].Value;
        Assert.That(tag, Does.StartWith($"{Sandbox.Image}-dependencies:"));
        Assert.That(Shell.Run("docker", "image", "inspect", tag).ExitCode, Is.EqualTo(0), tag);
        return tag;
    }

    /// <summary>The size of the app build's context, the last one the deploy sent.</summary>
    private static double ContextKilobytes(ProcessResult deploy)
    {
        var sizes = ContextLine().Matches(deploy.StdOut);
        Assert.That(sizes, Is.Not.Empty, deploy.StdOut);
        var last = sizes[^1];
        var value = double.Parse(last.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture);
        return last.Groups["unit"].Value switch { "B" => value / 1024, "kB" => value, _ => value * 1024 };
    }

    private static void SetVersion(string file, Action<JsonNode> change)
    {
        var json = JsonNode.Parse(File.ReadAllText(file))!;
        change(json);
        File.WriteAllText(file, json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    [GeneratedRegex(@"Building dependency image (?<tag>\S+) from stage 'dependencies'")]
    private static partial Regex BuildingLine();

    [GeneratedRegex(@"Sending build context to Docker \((?<value>[\d.]+) (?<unit>B|kB|MB)\)")]
    private static partial Regex ContextLine();
}
