using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>Acceptance 7: build.ps1 under PowerShell 7 does what build.sh does.</summary>
[NonParallelizable]
public sealed class PowerShellTests
{
    [TestCase("--tree")]
    [TestCase("--description")]
    [TestCase("--target=Deploy", "--env=prod", "--dryrun")]
    public void Build_ps1_prints_what_build_sh_prints(params string[] arguments)
    {
        var bash = Tool.Run(arguments);
        var pwsh = Tool.RunPowerShell(arguments, null);

        Assert.That(pwsh.ExitCode, Is.EqualTo(0), pwsh.ToString());
        Assert.That(pwsh.StdOut, Is.EqualTo(bash.StdOut));
    }

    [Test]
    public void Build_ps1_passes_on_the_exit_code_and_the_error()
    {
        var pwsh = Tool.RunPowerShell(["--target=Deploy", "--env=nowhere"], null);

        Assert.That(pwsh.ExitCode, Is.Not.EqualTo(0));
        Assert.That(pwsh.ErrorLines, Has.Count.EqualTo(1), pwsh.ToString());
        Assert.That(pwsh.ErrorLines[0], Does.Contain("Unknown environment 'nowhere'"));
    }

    [Test]
    public void Build_ps1_deploys_the_sample_app()
    {
        using var sandbox = new Sandbox();
        sandbox.WriteConfig();

        var result = Tool.RunPowerShell(["--target=Deploy", "--env=dev", $"--config={sandbox.ConfigFile}"], sandbox.Secrets);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(Http.VersionAt(sandbox.DevUrl), Is.EqualTo(Sandbox.Git(sandbox.Checkout, "rev-parse", "HEAD")[..12]));
    }
}
