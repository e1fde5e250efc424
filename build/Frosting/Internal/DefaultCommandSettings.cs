using System.ComponentModel;
using Cake.Cli;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Spectre.Console.Cli;

namespace KahaDeploy.Frosting.Internal;

/// <summary>Cake.Frosting's command line: these options are the host's; every other one is a Cake argument.</summary>
internal sealed class DefaultCommandSettings : CommandSettings
{
    [CommandOption("--target|-t <TARGET>")]
    [DefaultValue("Default")]
    [Description("Target task to invoke.")]
    public string[] Targets { get; set; } = [];

    [CommandOption("--working|-w <PATH>")]
    [TypeConverter(typeof(Cake.Cli.DirectoryPathConverter))]
    [Description("Sets the working directory")]
    public DirectoryPath? WorkingDirectory { get; set; }

    [CommandOption("--verbosity|-v <VERBOSITY>")]
    [Description("Specifies the amount of information to be displayed.\n(Quiet, Minimal, Normal, Verbose, Diagnostic)")]
    [TypeConverter(typeof(VerbosityConverter))]
    public Verbosity? Verbosity { get; set; }

    [CommandOption("--description|--descriptions|--showdescription|--showdescriptions")]
    [Description("Shows description for each task.")]
    public bool Description { get; set; }

    [CommandOption("--tree|--showtree")]
    [Description("Shows the task dependency tree.")]
    public bool Tree { get; set; }

    [CommandOption("--dryrun|--noop|--whatif")]
    [Description("Performs a dry run.")]
    public bool DryRun { get; set; }

    [CommandOption("--exclusive|-e")]
    [Description("Executes the target task without any dependencies.")]
    public bool Exclusive { get; set; }

    [CommandOption("--noreport")]
    [Description("Does not show the task report at the end of the run.")]
    public bool NoReport { get; set; }

    [CommandOption("--version|--ver")]
    [Description("Displays version information.")]
    public bool Version { get; set; }

    [CommandOption("--info")]
    [Description("Displays additional information about Cake.")]
    public bool Info { get; set; }
}
