using System.Diagnostics;
using System.Text.Json;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

[NonParallelizable]
public sealed class LockTests
{
    private Sandbox _sandbox = null!;

    [SetUp]
    public void CreateSandbox()
    {
        _sandbox = new Sandbox();
        _sandbox.WriteConfig();
        Directory.CreateDirectory(Path.Combine(_sandbox.Folder, ".deploy", "dev"));
    }

    [TearDown]
    public void RemoveSandbox() => _sandbox.Dispose();

    private string LockFile => Path.Combine(_sandbox.Folder, ".deploy", "dev", "deploy.lock");

    [Test]
    public void A_lock_left_by_a_killed_run_is_taken_over_with_a_warning()
    {
        using var gone = Process.Start(new ProcessStartInfo("true"))!;
        gone.WaitForExit();
        File.WriteAllText(LockFile, JsonSerializer.Serialize(new
        {
            User = "ci", Host = Environment.MachineName, Pid = gone.Id,
            ProcessStarted = DateTimeOffset.UtcNow.AddMinutes(-5), Target = "Deploy", Since = DateTimeOffset.UtcNow.AddMinutes(-5),
        }));

        var result = _sandbox.Tool("--target=Deploy", "--env=dev");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.All, Does.Contain("Taking over the dev lock left by ci@"));
        Assert.That(File.Exists(LockFile), Is.False, "the lock is released at the end of the run");
    }

    [Test]
    public void With_lock_wait_a_deploy_waits_for_the_holder_to_finish()
    {
        using var holder = Process.GetCurrentProcess();
        File.WriteAllText(LockFile, JsonSerializer.Serialize(new
        {
            User = "alice", Host = Environment.MachineName, Pid = Environment.ProcessId,
            ProcessStarted = holder.StartTime.ToUniversalTime(), Target = "Deploy", Since = DateTimeOffset.UtcNow,
        }));
        var release = Task.Delay(TimeSpan.FromSeconds(3)).ContinueWith(_ => File.Delete(LockFile));

        var result = _sandbox.Tool("--target=Deploy", "--env=dev", "--lock-wait=60");
        release.Wait();

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.All, Does.Contain("Environment 'dev' is locked by alice@").And.Contain("waiting up to 60 s"));
        Assert.That(Http.VersionAt(_sandbox.DevUrl), Is.Not.Empty);
    }
}
