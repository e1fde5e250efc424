using Cake.Core.Diagnostics;
using Cake.Core.IO;

namespace KahaDeploy.Services.Host;

/// <summary>Installs a missing Debian/Ubuntu package when the tool runs as root on such a host, and says so.</summary>
public sealed class HostPackages(IProcessRunner processes, ICakeLog log)
{
    private bool _updated;

    public static bool CanInstall =>
        OperatingSystem.IsLinux() && Environment.UserName == "root" && File.Exists("/etc/debian_version") && File.Exists("/usr/bin/apt-get");

    /// <summary>Makes sure <paramref name="program"/> exists, installing <paramref name="package"/> if it may; returns its path.</summary>
    public string Require(string program, string package, string purpose)
    {
        if (Find(program) is { } found)
        {
            return found;
        }

        if (!CanInstall)
        {
            throw new HostSetupException($"{program} is missing; it is needed to {purpose}. Install it (apt-get install {package}) and run again.");
        }

        log.Warning("{0} is missing; installing the Debian package {1} to {2}.", program, package, purpose);
        if (!_updated)
        {
            Run("apt-get", "update -q");
            _updated = true;
        }

        Run("apt-get", $"install -y -q --no-install-recommends {package}");
        return Find(program) ?? throw new HostSetupException($"Installing {package} did not provide {program}; install it by hand and run again.");
    }

    public static string? Find(string program)
    {
        if (program.Contains('/'))
        {
            return File.Exists(program) ? program : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        return path.Split(':').Concat(["/usr/sbin", "/sbin"]).Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);
    }

    private void Run(string tool, string arguments)
    {
        var result = processes.Capture(tool, arguments, environment: new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" });
        log.Verbose(result.Output);
        if (result.ExitCode != 0)
        {
            throw new HostSetupException($"{tool} {arguments} failed: {result.Reason}");
        }
    }
}

public sealed class HostSetupException(string message) : Exception(message);
