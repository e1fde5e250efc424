using KahaDeploy.Cli;
using Cake.Core.Diagnostics;
using NUnit.Framework;

namespace KahaDeploy.Tests;

public sealed class CommandLineTests
{
    [Test]
    public void Frosting_options_are_recognised_and_everything_else_is_a_cake_argument()
    {
        var line = CommandLine.Parse(["--target=Deploy", "--env=prod", "--verbosity=diagnostic", "--exclusive", "--sha", "abc1234", "--json"]);

        Assert.Multiple(() =>
        {
            Assert.That(line.Targets, Is.EqualTo(new[] { "Deploy" }));
            Assert.That(line.Verbosity, Is.EqualTo(Verbosity.Diagnostic));
            Assert.That(line.Exclusive, Is.True);
            Assert.That(line.Mode, Is.EqualTo(HostMode.Run));
            Assert.That(line.Arguments["env"], Is.EqualTo(new[] { "prod" }));
            Assert.That(line.Arguments["sha"], Is.EqualTo(new[] { "abc1234" }));
            Assert.That(line.Arguments["json"], Is.EqualTo(new[] { "true" }));
        });
    }

    [TestCase("--dryrun", HostMode.DryRun)]
    [TestCase("--whatif", HostMode.DryRun)]
    [TestCase("--noop", HostMode.DryRun)]
    [TestCase("--tree", HostMode.Tree)]
    [TestCase("--showtree", HostMode.Tree)]
    [TestCase("--showdescriptions", HostMode.Description)]
    [TestCase("--description", HostMode.Description)]
    [TestCase("--version", HostMode.Version)]
    [TestCase("--info", HostMode.Info)]
    public void Mode_flags_do_not_swallow_the_next_option(string flag, HostMode mode)
    {
        var line = CommandLine.Parse([flag, "--env=dev"]);

        Assert.That(line.Mode, Is.EqualTo(mode));
        Assert.That(line.Arguments["env"], Is.EqualTo(new[] { "dev" }));
    }

    [Test]
    public void A_declared_flag_does_not_take_the_next_word_as_its_value()
    {
        var error = Assert.Throws<CommandLineException>(() => CommandLine.Parse(["--target=Deploy", "--force", "prod"]));

        Assert.That(error!.Message, Does.StartWith("Unexpected argument 'prod'"));
    }

    [TestCase("Deploy", "Unexpected argument 'Deploy'")]
    [TestCase("--verbosity=loud", "--verbosity=loud is not a verbosity")]
    [TestCase("--target", "--target needs a value")]
    public void Malformed_command_lines_name_the_mistake(string argument, string expected)
    {
        var error = Assert.Throws<CommandLineException>(() => CommandLine.Parse([argument]));

        Assert.That(error!.Message, Does.StartWith(expected));
    }
}
