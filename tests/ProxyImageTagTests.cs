using System.Text;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// The proxy image is tagged by a hash of the proxy files published with the tool, and a new tag replaces the running
/// proxy. Building the tool twice is too slow for a test, so this checks what made two builds of the same proxy
/// sources differ: the commit (in the informational version) and the checkout's folder (in the pdb path).
/// </summary>
public sealed class ProxyImageTagTests
{
    [Test]
    public void The_published_proxy_names_neither_the_commit_nor_the_checkout_folder()
    {
        var tool = Path.Combine(Repo.Root, "build", "bin", "tool");
        var commit = File.ReadAllText(Path.Combine(tool, ".built")).Trim();
        Assume.That(commit, Is.Not.Empty, "the tool was built without git, so no commit could leak into it");
        var published = Directory.EnumerateFiles(Path.Combine(tool, "proxy"), "*", SearchOption.AllDirectories).ToList();
        Assert.That(published.Select(Path.GetFileName), Does.Contain("kaha-proxy.dll"));

        var leaks = published
            .SelectMany(file => new[] { commit, Repo.Root }
                .Where(text => Contains(File.ReadAllBytes(file), text))
                .Select(text => $"{Path.GetFileName(file)} holds {text}"))
            .ToList();

        Assert.That(leaks, Is.Empty, "a rebuild from another commit or folder would change the proxy image's tag");
    }

    private static bool Contains(byte[] bytes, string text) =>
        bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0 || bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(text)) >= 0;
}
