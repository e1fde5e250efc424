using System.Security.Cryptography;
using Cake.Core.IO;

namespace KahaDeploy.Services.Host;

/// <summary>
/// What the last successful <c>npm ci</c> in an app folder was made from, kept inside its <c>node_modules</c>.
/// A deploy whose package files, installed tree and node are the same as then has nothing to install: <c>npm ci</c>
/// would delete <c>node_modules</c> (in dev, the packages the live container runs from) and spend seconds of CPU
/// on the server that is serving the live release, to put back the same files.
/// </summary>
public sealed class InstalledPackages(IProcessRunner processes, HostPackages packages)
{
    public const string StampName = ".kaha-deploy-installed";

    /// <summary>True when <c>node_modules</c> was installed by <c>npm ci</c> from exactly these package files, with this node, and npm has not changed it since.</summary>
    public bool AreCurrent(string appFolder)
    {
        var stamp = Path.Combine(appFolder, "node_modules", StampName);
        return File.Exists(stamp) && Fingerprint(appFolder) is { } now && File.ReadAllText(stamp).Trim() == now;
    }

    /// <summary>Records the tree <c>npm ci</c> just installed.</summary>
    public void Remember(string appFolder)
    {
        if (Fingerprint(appFolder) is { } now)
        {
            File.WriteAllText(Path.Combine(appFolder, "node_modules", StampName), now + "\n");
        }
    }

    /// <summary>
    /// package.json, package-lock.json, npm's record of the installed tree (<c>node_modules/.package-lock.json</c>,
    /// rewritten by every npm install or uninstall) and node's version (native modules are built for it); null without
    /// an installed tree.
    /// </summary>
    private string? Fingerprint(string appFolder)
    {
        string[] files = [Path.Combine(appFolder, "package.json"), Path.Combine(appFolder, "package-lock.json"), Path.Combine(appFolder, "node_modules", ".package-lock.json")];
        if (!files.All(File.Exists))
        {
            return null;
        }

        var node = processes.Capture(packages.Require("node", "nodejs", "install the app's npm packages"), "--version");
        if (node.ExitCode != 0)
        {
            return null;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            hash.AppendData(SHA256.HashData(File.ReadAllBytes(file)));
        }

        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(node.Output.Trim()));
        return $"node {node.Output.Trim()} sha256:{Convert.ToHexStringLower(hash.GetHashAndReset())}";
    }
}
