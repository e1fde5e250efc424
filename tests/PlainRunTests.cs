using Cake.Cli.Infrastructure;
using KahaDeploy.Frosting.Internal;
using NUnit.Framework;
using Spectre.Console.Cli;

namespace KahaDeploy.Tests;

/// <summary>
/// Issue 18: a plain run's command line (as the tool's check hands it to the host) is read without Spectre.Console.Cli's
/// command model; the host must then see exactly what Spectre.Console.Cli makes of the same line, and leave every other
/// line to it.
/// </summary>
[NonParallelizable]
public sealed class PlainRunTests
{
    private static readonly string[][] PlainLines =
    [
        ["--target=Rollback", "--env=prod", "--config=/srv/kaha deploy/cake-config.json"],
        ["--target=Deploy", "--env=prod", "--verbosity=verbose", "--dryrun", "--noreport", "--exclusive", "--json", "--lock-wait=5"],
        ["--target=History", "--env=prod", "--since=2026-12-06T10:00:00Z", "--performer=Zoë van Dijk", "--last=3"],
        ["--target=First", "--target=Second", "--env=a", "--env=a", "--verbosity=q", "--sha=3f2c1ab", "--take-over"],
        ["--target=Logs", "--tail=10", "--follow", "--image=registry.local:5000/kaha:1.2=3"],
    ];

    [TestCaseSource(nameof(PlainLines))]
    public void A_plain_line_gives_the_command_what_Spectre_Console_Cli_gives_it(string[] line)
    {
        var plain = PlainRun.Read(line);
        var spectre = ReadBySpectre(line);

        Assert.That(plain, Is.Not.Null, "a plain line is read by the host itself");
        var (settings, context) = plain!.Value;
        Assert.Multiple(() =>
        {
            Assert.That(settings.Targets, Is.EqualTo(spectre.Settings.Targets), "targets");
            Assert.That(settings.Verbosity, Is.EqualTo(spectre.Settings.Verbosity), "verbosity");
            Assert.That(settings.DryRun, Is.EqualTo(spectre.Settings.DryRun), "dry run");
            Assert.That(settings.Exclusive, Is.EqualTo(spectre.Settings.Exclusive), "exclusive");
            Assert.That(settings.NoReport, Is.EqualTo(spectre.Settings.NoReport), "noreport");
            Assert.That(settings.WorkingDirectory, Is.EqualTo(spectre.Settings.WorkingDirectory), "working directory");
            Assert.That((settings.Tree, settings.Description, settings.Version, settings.Info), Is.EqualTo((false, false, false, false)));
            Assert.That(CakeArgumentsOf(context, settings), Is.EqualTo(CakeArgumentsOf(spectre.Context, spectre.Settings)), "the Cake arguments");
            Assert.That(context.Remaining.Raw, Is.EqualTo(spectre.Context.Remaining.Raw), "raw remaining arguments");
        });
    }

    [TestCase("--help")]
    [TestCase("--tree")]
    [TestCase("--env=prod")]
    [TestCase("--target=Look", "-w", "/srv")]
    [TestCase("--target=Look", "--working=/srv")]
    [TestCase("--target=Look", "-v=quiet")]
    [TestCase("--target=Look", "--Verbosity=quiet")]
    [TestCase("--target=Look", "--verbosity=loud")]
    [TestCase("--target=Look", "--dryrun=true")]
    [TestCase("--target=Look", "--whatif")]
    [TestCase("--target=Look", "--performer=\"Jane\"")]
    [TestCase("--target=Look", "--since=-1h")]
    [TestCase("--target=Look", "--env=")]
    [TestCase("--target=Look", "--", "--env=prod")]
    public void Any_other_line_is_left_to_Spectre_Console_Cli(params string[] line) =>
        Assert.That(PlainRun.Read(line), Is.Null);

    [Test]
    public void The_host_options_it_knows_are_every_long_name_the_settings_declare()
    {
        var declared = typeof(DefaultCommandSettings).GetProperties()
            .SelectMany(p => p.GetCustomAttributes(typeof(CommandOptionAttribute), false).Cast<CommandOptionAttribute>())
            .SelectMany(option => option.LongNames)
            .Append("help");

        Assert.That(PlainRun.HostOptionNames, Is.EquivalentTo(declared));
    }

    private static Dictionary<string, string?[]> CakeArgumentsOf(CommandContext context, DefaultCommandSettings settings) =>
        context.Remaining.ToCakeArguments(settings.NoReport, settings.Targets).GetArguments()
            .ToDictionary(argument => argument.Key, argument => argument.Value.ToArray(), StringComparer.OrdinalIgnoreCase)!;

    private static (DefaultCommandSettings Settings, CommandContext Context) ReadBySpectre(string[] line)
    {
        Capture.Seen = null;
        var app = new CommandApp<Capture>();
        // As the host configures it (CakeHost.Run).
        app.Configure(config =>
        {
            config.Settings.ConvertFlagsToRemainingArguments = true;
            config.PropagateExceptions();
        });
        Assert.That(app.Run(line), Is.EqualTo(0));
        return Capture.Seen ?? throw new AssertionException("Spectre.Console.Cli ran no command");
    }

    private sealed class Capture : Command<DefaultCommandSettings>
    {
        public static (DefaultCommandSettings, CommandContext)? Seen { get; set; }

        public override int Execute(CommandContext context, DefaultCommandSettings settings, CancellationToken cancellationToken)
        {
            Seen = (settings, context);
            return 0;
        }
    }
}
