using Cake.Core;
using Cake.Core.Diagnostics;
using DirectoryPath = Cake.Core.IO.DirectoryPath;
using KahaDeploy.Frosting;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Issue 13: the host behaves as Cake.Frosting 7 does, case for case. Each test builds a tiny host in-process, as a
/// Frosting project's Program.cs would, and states the Frosting behaviour it mirrors. What the tasks saw is recorded
/// through services the test registers (a <see cref="Seen"/> and a log), as an app would register its own.
/// </summary>
[NonParallelizable]
public sealed class FrostingHostTests
{
    private Seen _seen = null!;
    private RecordedLog _log = null!;
    private string _directory = null!;

    [SetUp]
    public void NewRecord()
    {
        _seen = new Seen();
        _log = new RecordedLog();
        _directory = Environment.CurrentDirectory;
    }

    /// <summary>Cake's environment changes the process's directory along with its working directory.</summary>
    [TearDown]
    public void BackToTheDirectory() => Environment.CurrentDirectory = _directory;

    [TestCase("--help")]
    [TestCase("-h")]
    [TestCase("--showtree")]
    [TestCase("--tree")]
    [TestCase("--showdescriptions")]
    [TestCase("--description")]
    public void Help_tree_and_descriptions_run_no_task(string option)
    {
        // Frosting: --help/-h print the command line's help; --tree/--showtree and --description(s)/--showdescription(s)
        // print the graph or the descriptions. None of them runs the Default target.
        var exit = Host().Run([option]);

        Assert.That(exit, Is.EqualTo(0), _log.Text);
        Assert.That(_seen.Ran, Is.Empty);
    }

    [Test]
    public void Several_targets_run_as_one_graph()
    {
        // Frosting: --target may be given more than once; every target runs, each shared dependency once.
        var exit = Host().Run(["--target=First", "--target=Second"]);

        Assert.That(exit, Is.EqualTo(0), _log.Text);
        Assert.That(_seen.Ran, Is.EqualTo(new[] { "Shared", "First", "Second" }));
    }

    [Test]
    public void Working_sets_the_working_directory_and_cake_config_there_sets_the_verbosity()
    {
        // Frosting: -w/--working sets the environment's working directory; the verbosity, when the command line gives
        // none, is read from cake.config there ([Settings] Verbosity=...).
        var folder = Directory.CreateTempSubdirectory("frosting-w").FullName;
        File.WriteAllText(Path.Combine(folder, "cake.config"), "[Settings]\nVerbosity=Diagnostic\n");
        try
        {
            var exit = Host().Run(["--target=Look", "-w", folder]);

            Assert.That(exit, Is.EqualTo(0), _log.Text);
            Assert.That(_seen.WorkingDirectory, Is.EqualTo(folder));
            Assert.That(_seen.Verbosity, Is.EqualTo(Verbosity.Diagnostic));
            Assert.That(Host().Run(["--target=Look", "--working", folder, "--verbosity=quiet"]), Is.EqualTo(0));
            Assert.That(_seen.Verbosity, Is.EqualTo(Verbosity.Quiet), "the command line wins over cake.config");
        }
        finally
        {
            Environment.CurrentDirectory = _directory;
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void A_missing_working_directory_is_an_error()
    {
        // Frosting: "The working directory '...' does not exist." and exit code 1.
        var exit = Host().Run(["--target=Look", "--working=/nonexistent/frosting"]);

        Assert.That(exit, Is.EqualTo(1));
        Assert.That(_log.Errors, Has.Some.Contains("The working directory '/nonexistent/frosting' does not exist."));
        Assert.That(_seen.Ran, Is.Empty);
    }

    [Test]
    public void Verbosity_comes_from_CAKE_SETTINGS_VERBOSITY_when_the_command_line_gives_none()
    {
        // Frosting: Cake's configuration (environment variables CAKE_*, cake.config, UseCakeSetting) sets the verbosity.
        Environment.SetEnvironmentVariable("CAKE_SETTINGS_VERBOSITY", "Verbose");
        try
        {
            Assert.That(Host().Run(["--target=Look"]), Is.EqualTo(0), _log.Text);
            Assert.That(_seen.Verbosity, Is.EqualTo(Verbosity.Verbose));
        }
        finally
        {
            Environment.SetEnvironmentVariable("CAKE_SETTINGS_VERBOSITY", null);
        }

        Assert.That(Host().UseCakeSetting("Settings_Verbosity", "Minimal").Run(["--target=Look"]), Is.EqualTo(0));
        Assert.That(_seen.Verbosity, Is.EqualTo(Verbosity.Minimal), "UseCakeSetting");
    }

    [Test]
    public void The_hosts_options_are_no_arguments_and_a_bare_flag_has_no_value()
    {
        // Frosting: --dryrun, --verbosity, --exclusive, --noreport are the host's and are not Cake arguments; every other
        // option is, a bare --flag with no value; the targets are the "target" argument.
        var exit = Host().Run(["--target=Look", "--verbosity=verbose", "--exclusive", "--noreport", "--env=prod", "--json"]);

        Assert.That(exit, Is.EqualTo(0), _log.Text);
        var arguments = _seen.Arguments!;
        Assert.Multiple(() =>
        {
            Assert.That(arguments.HasArgument("verbosity"), Is.False);
            Assert.That(arguments.HasArgument("exclusive"), Is.False);
            Assert.That(arguments.HasArgument("dryrun"), Is.False);
            Assert.That(arguments.GetArguments("env"), Is.EqualTo(new[] { "prod" }));
            Assert.That(arguments.HasArgument("json"), Is.True);
            Assert.That(arguments.GetArguments("json"), Is.EqualTo(new string?[] { null }));
            Assert.That(arguments.GetArguments("target"), Is.EqualTo(new[] { "Look" }));
        });
    }

    [Test]
    public void A_dry_run_is_no_argument_it_is_the_hosts_mode()
    {
        // Frosting: a dry run lists the tasks through its own execution strategy; "dryrun" is no argument the context can read.
        var exit = Host().UseSetup<RecordingSetup>().Run(["--target=Look", "--dryrun"]);

        Assert.That(exit, Is.EqualTo(0), _log.Text);
        Assert.That(_seen.Ran, Is.EqualTo(new[] { "setup" }), "a dry run runs no task (Cake's dry run still runs the setup)");
        Assert.That(_log.Text, Does.Contain("1. Look"));
        Assert.That(_seen.SetupArguments!.HasArgument("dryrun"), Is.False);
    }

    [Test]
    public void Noreport_leaves_out_the_report()
    {
        // Frosting: --noreport is a host option; the run's report is not printed.
        var printer = new CountingPrinter();
        Assert.That(Host().ConfigureServices(s => s.AddSingleton<ICakeReportPrinter>(printer)).Run(["--target=Look"]), Is.EqualTo(0));
        Assert.That(printer.Reports, Is.EqualTo(1));

        Assert.That(Host().ConfigureServices(s => s.AddSingleton<ICakeReportPrinter>(printer)).Run(["--target=Look", "--noreport"]), Is.EqualTo(0), _log.Text);
        Assert.That(printer.Reports, Is.EqualTo(1), "no second report");
    }

    [Test]
    public void Lifetimes_and_the_execution_strategy_come_from_the_services()
    {
        // Frosting: IFrostingSetup, IFrostingTeardown, IFrostingTaskSetup, IFrostingTaskTeardown and IExecutionStrategy
        // are services; registering them through ConfigureServices is the same as UseSetup(...) and friends.
        var exit = Host()
            .ConfigureServices(services =>
            {
                services.AddSingleton<IFrostingSetup, RecordingSetup>();
                services.AddSingleton<IFrostingTeardown, RecordingTeardown>();
                services.AddSingleton<IFrostingTaskSetup, RecordingTaskSetup>();
                services.AddSingleton<IFrostingTaskTeardown, RecordingTaskTeardown>();
                services.AddSingleton<IExecutionStrategy, RecordingStrategy>();
            })
            .Run(["--target=Look"]);

        Assert.That(exit, Is.EqualTo(0), _log.Text);
        Assert.That(_seen.Ran, Is.EqualTo(new[] { "setup", "strategy setup", "task setup Look", "strategy Look", "Look", "task teardown Look", "teardown" }));
    }

    [Test]
    public void Use_methods_register_lifetimes_startup_and_working_directory()
    {
        // Frosting: UseSetup, UseTeardown, UseTaskSetup, UseTaskTeardown (with FrostingSetup, FrostingTeardown<T>,
        // FrostingTaskSetup, FrostingTaskTeardown), UseStartup, UseWorkingDirectory; CakeHost.Create().
        var folder = Path.GetTempPath().TrimEnd('/');
        var exit = CakeHost.Create()
            .UseStartup<Startup>()
            .ConfigureServices(Record)
            .UseSetup<RecordingSetup>()
            .UseTeardown<RecordingTeardown>()
            .UseTaskSetup<RecordingTaskSetup>()
            .UseTaskTeardown<RecordingTaskTeardown>()
            .UseWorkingDirectory(new DirectoryPath(folder))
            .Run(["--target=Started"]);

        Assert.That(exit, Is.EqualTo(0), _log.Text);
        Assert.That(_seen.Ran, Is.EqualTo(new[] { "setup", "task setup Started", "Started", "task teardown Started", "teardown" }));
        Assert.That(_seen.WorkingDirectory, Is.EqualTo(folder));
    }

    [Test]
    public void Lifetimes_of_any_context_are_abstract_and_have_a_non_generic_form()
    {
        // Frosting: FrostingLifetime<T>'s and FrostingTaskLifetime<T>'s Setup and Teardown are abstract; FrostingLifetime,
        // FrostingTaskLifetime and AsyncFrostingTask are the forms for any ICakeContext.
        foreach (var type in new[] { typeof(FrostingLifetime<>), typeof(FrostingTaskLifetime<>) })
        {
            Assert.That(type.GetMethod("Setup")!.IsAbstract && type.GetMethod("Teardown")!.IsAbstract, Is.True, type.Name);
        }

        var exit = Host().UseLifetime<AnyLifetime>().UseTaskLifetime<AnyTaskLifetime>().Run(["--target=AnyAsync"]);

        Assert.That(exit, Is.EqualTo(0), _log.Text);
        Assert.That(_seen.Ran, Is.EqualTo(new[] { "any setup", "any task setup AnyAsync", "AnyAsync", "any task teardown AnyAsync", "any teardown" }));
    }

    [Test]
    public void The_context_is_a_class_that_is_a_frosting_context()
    {
        // Frosting: UseContext<TContext>() where TContext : class, IFrostingContext; FrostingContext is one.
        var parameter = typeof(CakeHostExtensions).GetMethod(nameof(CakeHostExtensions.UseContext))!.GetGenericArguments()[0];

        Assert.That(parameter.GetGenericParameterConstraints(), Is.EqualTo(new[] { typeof(IFrostingContext) }));
        Assert.That(parameter.GenericParameterAttributes.HasFlag(System.Reflection.GenericParameterAttributes.ReferenceTypeConstraint), Is.True);
        Assert.That(typeof(IFrostingContext).IsAssignableFrom(typeof(FrostingContext)), Is.True);
    }

    [Test]
    public void Add_assembly_adds_public_task_classes_to_those_found()
    {
        // Frosting: AddAssembly adds to the assemblies searched (the entry assembly stays); only public task classes
        // are found; the services' own tasks stay too.
        var exit = Host().AddAssembly(typeof(FrostingHostTests).Assembly).Run(["--target=Scanned"]);

        Assert.That(exit, Is.EqualTo(0), _log.Text);
        Assert.That(_seen.Ran, Is.EqualTo(new[] { "Scanned" }));
        Assert.That(Host().AddAssembly(typeof(FrostingHostTests).Assembly).Run(["--target=Look"]), Is.EqualTo(0), "the services' tasks stay");
        Assert.That(Host().AddAssembly(typeof(FrostingHostTests).Assembly).Run(["--target=NotScanned"]), Is.EqualTo(1));
        Assert.That(_log.Errors, Has.Some.Contains("The target 'NotScanned' was not found."), "an internal task class is not found");
    }

    [Test]
    public void A_task_for_another_context_is_warned_about_and_left_out()
    {
        // Frosting: "Task cannot be used since the context isn't convertible to T." and the task is not registered.
        var exit = Host().ConfigureServices(s => s.AddSingleton<IFrostingTask, OtherContextTask>()).Run(["--target=Look"]);

        Assert.That(exit, Is.EqualTo(0), _log.Text);
        Assert.That(_log.Warnings, Has.Some.EqualTo($"Task cannot be used since the context isn't convertible to {typeof(OtherContext).FullName}."));
        Assert.That(Host().ConfigureServices(s => s.AddSingleton<IFrostingTask, OtherContextTask>()).Run(["--target=OtherContextTask"]), Is.EqualTo(1));
    }

    [Test]
    public void A_dependency_that_is_no_task_is_named()
    {
        // Frosting: FrostingException "The dependency 'DateTime' is not a valid task."
        var exit = Host().ConfigureServices(s => s.AddSingleton<IFrostingTask, DependsOnNoTask>()).Run(["--target=Look"]);

        Assert.That(exit, Is.EqualTo(1));
        Assert.That(_log.Errors, Has.Some.EqualTo("Error: The dependency 'DateTime' is not a valid task."));
        Assert.That(_seen.Ran, Is.Empty);
    }

    [Test]
    public void An_unknown_target_is_the_engines_error()
    {
        // Frosting: the Cake engine's "The target 'X' was not found.", exit code 1.
        var exit = Host().Run(["--target=Publish"]);

        Assert.That(exit, Is.EqualTo(1));
        Assert.That(_log.Errors, Has.Some.EqualTo("Error: The target 'Publish' was not found."));
    }

    [Test]
    public void Continue_on_error_and_the_skipped_message()
    {
        // Frosting: [ContinueOnError] lets the run go on past a failing task; a task's SkippedMessage is what the
        // engine logs when ShouldRun says no.
        var exit = Host().Run(["--target=AfterFailure", "--verbosity=diagnostic"]);

        Assert.That(_seen.Ran, Is.EqualTo(new[] { "Fails", "AfterFailure" }), _log.Text);
        Assert.That(exit, Is.EqualTo(0), _log.Text);
        Assert.That(_log.Text, Does.Contain("Not today."));
    }

    [Test]
    public void Installing_a_tool_says_it_cannot_be_done_offline()
    {
        // Frosting installs tools from NuGet before the run; this host cannot reach a package source, and says so.
        var exit = Host().InstallTool(new Uri("nuget:?package=GitVersion.Tool&version=5.12.0")).Run(["--target=Look"]);

        Assert.That(exit, Is.EqualTo(1));
        Assert.That(_log.Errors, Has.Some.Contains("nuget:?package=GitVersion.Tool&version=5.12.0 cannot be installed").And.Contains("offline"));
        Assert.That(_seen.Ran, Is.Empty);
    }

    private CakeHost Host() => new CakeHost().ConfigureServices(Record);

    private void Record(IServiceCollection services)
    {
        services.AddSingleton(_seen);
        services.AddSingleton<ICakeLog>(_log);
        foreach (var task in new[] { typeof(Look), typeof(Shared), typeof(First), typeof(Second), typeof(Fails), typeof(SkippedOne), typeof(AfterFailure), typeof(AnyAsync) })
        {
            services.AddSingleton(typeof(IFrostingTask), task);
        }
    }

    /// <summary>What the tasks and lifetimes saw.</summary>
    public sealed class Seen
    {
        public List<string> Ran { get; } = [];

        public string? WorkingDirectory { get; set; }

        public Verbosity? Verbosity { get; set; }

        public ICakeArguments? Arguments { get; set; }

        public ICakeArguments? SetupArguments { get; set; }
    }

    private sealed class RecordedLog : ICakeLog
    {
        private readonly List<(LogLevel Level, string Text)> _lines = [];

        public Verbosity Verbosity { get; set; } = Verbosity.Normal;

        public IEnumerable<string> Errors => _lines.Where(l => l.Level <= LogLevel.Error).Select(l => l.Text);

        public IEnumerable<string> Warnings => _lines.Where(l => l.Level == LogLevel.Warning).Select(l => l.Text);

        public string Text => string.Join("\n", _lines.Select(l => l.Text));

        public void Write(Verbosity verbosity, LogLevel level, string format, params object[] args) =>
            _lines.Add((level, args.Length == 0 ? format : string.Format(format, args)));
    }

    private sealed class CountingPrinter : ICakeReportPrinter
    {
        public int Reports { get; private set; }

        public void Write(CakeReport report) => Reports++;

        public void WriteLifeCycleStep(string name, Verbosity verbosity)
        {
        }

        public void WriteStep(string name, Verbosity verbosity)
        {
        }

        public void WriteSkippedStep(string name, Verbosity verbosity)
        {
        }
    }

    [TaskName("Look")]
    private sealed class Look(Seen seen) : FrostingTask<FrostingContext>
    {
        public override void Run(FrostingContext context)
        {
            seen.Ran.Add("Look");
            seen.WorkingDirectory = context.Environment.WorkingDirectory.FullPath;
            seen.Verbosity = context.Log.Verbosity;
            seen.Arguments = context.Arguments;
        }
    }

    private sealed class Shared(Seen seen) : FrostingTask<FrostingContext>
    {
        public override void Run(FrostingContext context) => seen.Ran.Add(nameof(Shared));
    }

    [IsDependentOn(typeof(Shared))]
    private sealed class First(Seen seen) : FrostingTask<FrostingContext>
    {
        public override void Run(FrostingContext context) => seen.Ran.Add(nameof(First));
    }

    [IsDependentOn(typeof(Shared))]
    private sealed class Second(Seen seen) : FrostingTask<FrostingContext>
    {
        public override void Run(FrostingContext context) => seen.Ran.Add(nameof(Second));
    }

    [ContinueOnError]
    private sealed class Fails(Seen seen) : FrostingTask<FrostingContext>
    {
        public override void Run(FrostingContext context)
        {
            seen.Ran.Add(nameof(Fails));
            throw new InvalidOperationException("Fails on purpose.");
        }
    }

    private sealed class SkippedOne : FrostingTask<FrostingContext>
    {
        public override string SkippedMessage => "Not today.";

        public override bool ShouldRun(FrostingContext context) => false;
    }

    [IsDependentOn(typeof(Fails))]
    [IsDependentOn(typeof(SkippedOne))]
    private sealed class AfterFailure(Seen seen) : FrostingTask
    {
        public override void Run(ICakeContext context) => seen.Ran.Add(nameof(AfterFailure));

        public override bool ShouldRun(ICakeContext context) => true;
    }

    private sealed class AnyAsync(Seen seen) : AsyncFrostingTask
    {
        public override Task RunAsync(ICakeContext context)
        {
            seen.Ran.Add(nameof(AnyAsync));
            return Task.CompletedTask;
        }
    }

    private sealed class OtherContext(ICakeContext context) : FrostingContext(context);

    private sealed class OtherContextTask : FrostingTask<OtherContext>;

    [IsDependentOn(typeof(DateTime))]
    private sealed class DependsOnNoTask : FrostingTask<FrostingContext>;

    private sealed class Started(Seen seen) : FrostingTask<FrostingContext>
    {
        public override void Run(FrostingContext context)
        {
            seen.Ran.Add(nameof(Started));
            seen.WorkingDirectory = context.Environment.WorkingDirectory.FullPath;
        }
    }

    private sealed class Startup : IFrostingStartup
    {
        public void Configure(IServiceCollection services) => services.AddSingleton<IFrostingTask, Started>();
    }

    private sealed class RecordingSetup(Seen seen) : FrostingSetup
    {
        public override void Setup(ICakeContext context, ISetupContext info)
        {
            seen.Ran.Add("setup");
            seen.SetupArguments = context.Arguments;
        }
    }

    private sealed class RecordingTeardown(Seen seen) : FrostingTeardown<FrostingContext>
    {
        public override void Teardown(FrostingContext context, ITeardownContext info) => seen.Ran.Add("teardown");
    }

    private sealed class RecordingTaskSetup(Seen seen) : FrostingTaskSetup
    {
        public override void Setup(ICakeContext context, ITaskSetupContext info) => seen.Ran.Add($"task setup {info.Task.Name}");
    }

    private sealed class RecordingTaskTeardown(Seen seen) : FrostingTaskTeardown
    {
        public override void Teardown(ICakeContext context, ITaskTeardownContext info) => seen.Ran.Add($"task teardown {info.Task.Name}");
    }

    private sealed class AnyLifetime(Seen seen) : FrostingLifetime
    {
        public override void Setup(ICakeContext context, ISetupContext info) => seen.Ran.Add("any setup");

        public override void Teardown(ICakeContext context, ITeardownContext info) => seen.Ran.Add("any teardown");
    }

    private sealed class AnyTaskLifetime(Seen seen) : FrostingTaskLifetime
    {
        public override void Setup(ICakeContext context, ITaskSetupContext info) => seen.Ran.Add($"any task setup {info.Task.Name}");

        public override void Teardown(ICakeContext context, ITaskTeardownContext info) => seen.Ran.Add($"any task teardown {info.Task.Name}");
    }

    private sealed class RecordingStrategy(ICakeLog log, ICakeReportPrinter printer, Seen seen) : IExecutionStrategy
    {
        private readonly DefaultExecutionStrategy _cake = new(log, printer);

        public void PerformSetup(Action<ISetupContext> action, ISetupContext context)
        {
            _cake.PerformSetup(action, context);
            seen.Ran.Add("strategy setup");
        }

        public Task ExecuteAsync(CakeTask task, ICakeContext context)
        {
            seen.Ran.Add($"strategy {task.Name}");
            return _cake.ExecuteAsync(task, context);
        }

        public void PerformTeardown(Action<ITeardownContext> action, ITeardownContext context) => _cake.PerformTeardown(action, context);

        public void Skip(CakeTask task, CakeTaskCriteria criteria) => _cake.Skip(task, criteria);

        public Task ReportErrorsAsync(Func<Exception, Task> action, Exception exception) => _cake.ReportErrorsAsync(action, exception);

        public Task HandleErrorsAsync(Func<Exception, ICakeContext, Task> action, Exception exception, ICakeContext context) => _cake.HandleErrorsAsync(action, exception, context);

        public Task InvokeFinallyAsync(Func<ICakeContext, Task> action, ICakeContext context) => _cake.InvokeFinallyAsync(action, context);

        public void PerformTaskSetup(Action<ITaskSetupContext> action, ITaskSetupContext context) => _cake.PerformTaskSetup(action, context);

        public void PerformTaskTeardown(Action<ITaskTeardownContext> action, ITaskTeardownContext context) => _cake.PerformTaskTeardown(action, context);
    }
}

/// <summary>A public task class: Frosting finds it in an assembly given to AddAssembly.</summary>
public sealed class Scanned(FrostingHostTests.Seen seen) : FrostingTask<FrostingContext>
{
    public override void Run(FrostingContext context) => seen.Ran.Add(nameof(Scanned));
}

/// <summary>An internal task class: Frosting does not find it in an assembly.</summary>
internal sealed class NotScanned : FrostingTask<FrostingContext>;
