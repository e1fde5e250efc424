using System.Security.Cryptography;
using System.Text.Json.Nodes;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>Issue 17: Redis backups taken, kept, proved by loading them, and put back, on the real engine with the sample app.</summary>
[NonParallelizable]
public sealed class BackupTests : SandboxFixture
{
    [Test]
    public void A_restored_backup_brings_back_the_count_Verify_loads_it_and_a_damaged_file_fails_Verify()
    {
        Sandbox.WriteConfig();
        var deploy = Sandbox.Tool("--target=Deploy", "--env=dev");
        Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());
        for (var i = 0; i < 3; i++)
        {
            Http.PostHit(Sandbox.DevUrl);
        }

        var backup = Sandbox.Tool("--target=Backup", "--env=dev");
        Assert.That(backup.ExitCode, Is.EqualTo(0), backup.ToString());
        var folder = Path.Combine(Sandbox.DataFolder("dev"), "backups");
        Assert.That(File.GetUnixFileMode(folder), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        var taken = Listed("dev");
        Assert.That(taken, Has.Count.EqualTo(1));
        Assert.That(taken[0]!["sidecar"]!["keys"]!.GetValue<long>(), Is.EqualTo(1), "the counter is the one key");

        // The data changes after the backup: the counter moves on, then is deleted.
        Http.PostHit(Sandbox.DevUrl);
        Assert.That(Http.PostHit(Sandbox.DevUrl), Is.EqualTo(5));
        Shell.Must("docker", "exec", "-e", $"REDISCLI_AUTH={Sandbox.Secrets["DEV_REDIS_PASSWORD"]}", $"{Sandbox.Prefix}_dev_redis", "redis-cli", "DEL", "kaha:hits");
        Assert.That(Http.Hits(Sandbox.DevUrl), Is.EqualTo(0));

        Expect.OneErrorLine(Sandbox.Tool("--target=Restore", "--env=dev"), "Restore needs --from", "--from=latest");
        var restore = Sandbox.Tool("--target=Restore", "--env=dev", "--from=latest");
        Assert.That(restore.ExitCode, Is.EqualTo(0), restore.ToString());
        Assert.That(restore.StdOut, Does.Contain("Restored").And.Contain("1 keys, as the backup holds"));
        Assert.That(HitsOnceUp(Sandbox.DevUrl), Is.EqualTo(3), "the app shows the count of the backup");
        Assert.That(Listed("dev"), Has.Count.EqualTo(2), "the data from before the restore was backed up first");

        var verify = Sandbox.Tool("--target=Verify", "--env=dev");
        Assert.That(verify.ExitCode, Is.EqualTo(0), verify.ToString());
        Assert.That(verify.StdOut, Does.Contain("Verified"));

        var latest = Listed("dev")[0]!["file"]!.GetValue<string>();
        using (var file = File.OpenWrite(latest))
        {
            file.Position = file.Length / 2;
            file.WriteByte(0x5a);
        }

        Expect.OneErrorLine(Sandbox.Tool("--target=Verify", "--env=dev"), Path.GetFileName(latest), "is damaged");
    }

    [Test]
    public void A_prod_deploy_backs_up_first_and_stops_before_any_change_when_its_Redis_is_unreachable()
    {
        // Prod's default (beforeDeploy on) instead of the suite's.
        Sandbox.WriteConfig(adjust: config => config["environments"]!["prod"]!.AsObject().Remove("backups"));
        Sandbox.StartBackingRedis();
        var deploy = Sandbox.Tool("--target=Deploy", "--env=prod");
        Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());
        var folder = Path.Combine(Sandbox.DataFolder("prod"), "backups");
        var rdb = Directory.GetFiles(folder, "*-prod.rdb").Single();
        var sidecar = JsonNode.Parse(File.ReadAllText(Path.ChangeExtension(rdb, ".json")))!;
        Assert.That(sidecar["sizeBytes"]!.GetValue<long>(), Is.EqualTo(new FileInfo(rdb).Length));
        Assert.That(sidecar["sha256"]!.GetValue<string>(), Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(rdb)))));
        Assert.That(sidecar["redisVersion"]!.GetValue<string>(), Does.Match(@"^\d+\.\d+\.\d+$"));
        Assert.That(sidecar["keys"]!.GetValue<long>(), Is.EqualTo(0), "the first deploy backs up an empty Redis");
        Assert.That(Http.PostHit(Sandbox.ProdUrl), Is.EqualTo(1));

        // A Redis given by URL is not overwritten: the steps are given instead.
        Expect.OneErrorLine(Sandbox.Tool("--target=Restore", "--env=prod", "--from=latest"), "redis.url", "to restore it by hand", "CONFIG GET dir", Path.GetFileName(rdb));

        Shell.Must("docker", "stop", $"{Sandbox.Prefix}_prod_redis");
        var before = DockerCli.Snapshot(Sandbox.Prefix);
        var live = Http.VersionAt(Sandbox.ProdUrl);
        Expect.OneErrorLine(Sandbox.Tool("--target=Deploy", "--env=prod", "--force"),
            "Could not back up", $"{Sandbox.Prefix}_prod_redis:6379", "stopped before changing anything", "--skip-backup");
        Assert.That(DockerCli.Snapshot(Sandbox.Prefix), Is.EqualTo(before), "no container was created, replaced or stopped");
        Assert.That(Http.VersionAt(Sandbox.ProdUrl), Is.EqualTo(live));
        Assert.That(Directory.GetFiles(folder), Has.Length.EqualTo(2), "a failed backup leaves no file behind");
    }

    [Test]
    public void Retention_keeps_the_newest_N_and_the_newest_of_each_day_for_M_days_across_20_backups()
    {
        Sandbox.WriteConfig(adjust: config => config["environments"]!["backing"]!["backups"] = new JsonObject { ["keep"] = 3, ["dailyDays"] = 5 });
        Sandbox.StartBackingRedis();
        var folder = Path.Combine(Sandbox.DataFolder("backing"), "backups");
        Directory.CreateDirectory(folder);

        // 19 earlier backups, named with the times they were taken; the tool takes the 20th now.
        var today = DateTime.UtcNow.Date;
        var earlier = new List<DateTime>
        {
            today.AddDays(-1).AddHours(6), today.AddDays(-1).AddHours(12), today.AddDays(-1).AddHours(18),
            today.AddDays(-2).AddHours(9), today.AddDays(-2).AddHours(21),
            today.AddDays(-3).AddHours(10),
            today.AddDays(-4).AddHours(3), today.AddDays(-4).AddHours(4),
        };
        earlier.AddRange(Enumerable.Range(5, 11).Select(days => today.AddDays(-days).AddHours(12)));
        Assert.That(earlier, Has.Count.EqualTo(19));
        foreach (var time in earlier)
        {
            File.WriteAllText(Path.Combine(folder, Name(time) + ".rdb"), "REDIS");
            File.WriteAllText(Path.Combine(folder, Name(time) + ".json"), "{}");
        }

        // And what a run killed two days ago left half-written.
        var partial = Path.Combine(folder, $".partial-{Name(today.AddDays(-2))}.rdb");
        File.WriteAllText(partial, "RED");
        File.SetLastWriteTimeUtc(partial, today.AddDays(-2));

        var backup = Sandbox.Tool("--target=Backup", "--env=backing");
        Assert.That(backup.ExitCode, Is.EqualTo(0), backup.ToString());
        Assert.That(backup.StdOut, Does.Contain("Removed 14 older backup(s)"));

        // The newest 3 (now, yesterday 18:00 and 12:00) and the newest of each of the last 5 days (today to 4 days ago).
        var newest = Path.GetFileNameWithoutExtension(Directory.GetFiles(folder, "*.rdb").Max())!;
        string[] kept =
        [
            newest, Name(today.AddDays(-1).AddHours(18)), Name(today.AddDays(-1).AddHours(12)),
            Name(today.AddDays(-2).AddHours(21)), Name(today.AddDays(-3).AddHours(10)), Name(today.AddDays(-4).AddHours(4)),
        ];
        Assert.That(newest, Does.StartWith(Name(DateTime.UtcNow)[..9]), "the backup just taken is today's");
        Assert.That(Directory.GetFiles(folder).Select(Path.GetFileName).Order(),
            Is.EqualTo(kept.SelectMany(name => new[] { name + ".json", name + ".rdb" }).Order()), "each kept backup with its sidecar, nothing else (no half-written file)");
        Assert.That(Listed("backing").Select(b => Path.GetFileNameWithoutExtension(b!["file"]!.GetValue<string>())), Is.EqualTo(kept.OrderDescending()), "newest first");
    }

    [TestCase("keep", "0", "environments.dev.backups.keep 0 is out of range; use 1 to 1000")]
    [TestCase("dailyDays", "3651", "environments.dev.backups.dailyDays 3651 is out of range; use 0 to 3650")]
    [TestCase("folder", "\"\"", "environments.dev.backups.folder is empty")]
    public void A_bad_backups_section_is_refused_with_one_line(string key, string json, string error)
    {
        Sandbox.WriteConfig(adjust: config => config["environments"]!["dev"]!["backups"] = new JsonObject { [key] = JsonNode.Parse(json) });
        Expect.OneErrorLine(Sandbox.Tool("--target=Backup", "--env=dev"), error);
    }

    [Test]
    public void Backups_before_a_deploy_of_an_environment_without_Redis_are_refused_with_one_line()
    {
        Sandbox.WriteConfig(adjust: config =>
        {
            var prod = config["environments"]!["prod"]!.AsObject();
            prod.Remove("redis");
            prod["backups"] = new JsonObject { ["beforeDeploy"] = true };
        });
        Expect.OneErrorLine(Sandbox.Tool("--target=Deploy", "--env=prod"), "environments.prod.backups.beforeDeploy is true but prod has no redis to back up");
    }

    private static string Name(DateTime time) => $"{time:yyyyMMdd'T'HHmmss.fff'Z'}-backing";

    private List<JsonNode?> Listed(string environment)
    {
        var list = Sandbox.Tool("--target=Backups", $"--env={environment}", "--json");
        Assert.That(list.ExitCode, Is.EqualTo(0), list.ToString());
        return JsonNode.Parse(list.StdOut)!["backups"]!.AsArray().ToList();
    }

    /// <summary>The counter once the app, started again by the restore, answers.</summary>
    private static int HitsOnceUp(Uri url)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return Http.Hits(url);
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(250);
            }
        }
    }
}
