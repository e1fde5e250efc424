using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>A Docker host whose disk is full: the error says so and how to free space, not that the engine is unreachable.</summary>
[NonParallelizable]
public sealed class FullDiskTests
{
    /// <param name="disk">the size of the tmpfs that is the engine's data root: 48 MB fills up in the first base image's
    /// build (Redis: the engine reports it in the build's output), 80 MB in the node image's (the engine refuses the request).</param>
    [TestCase("48m")]
    [TestCase("80m")]
    public void A_build_on_a_full_docker_host_names_the_full_disk_and_the_fix(string disk)
    {
        using var engine = new PrivateEngine(tmpfsSize: disk);
        using var sandbox = new Sandbox();
        sandbox.WriteConfig();
        var onEngine = new Dictionary<string, string?>(sandbox.Secrets) { ["DOCKER_HOST"] = engine.DockerHost };

        var deploy = sandbox.ToolWith(onEngine, "--target=Deploy", "--env=dev");

        Assert.That(deploy.ExitCode, Is.EqualTo(1), deploy.ToString());
        Expect.OneErrorLine(deploy, "no space left on device on the Docker host", "docker system prune", "then retry");
        Assert.That(deploy.All, Does.Not.Contain("cannot reach the Docker engine"));
        TestContext.Progress.WriteLine(deploy.ErrorLines[0]);
    }
}
