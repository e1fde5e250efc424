using Cake.Core;
using KahaDeploy.Frosting;
using Spectre.Console;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Default))]
[ReadOnly]
[TaskDescription("Shows this help: the targets, the steps they are made of, and the options; what runs when no --target is given (or with --help)")]
public sealed class Default(ICakeEngine engine, IAnsiConsole console) : FrostingTask<DeployContext>
{
    public override void Run(DeployContext context)
    {
        console.MarkupLine("Usage: [bold]./build.sh --target=NAME --env=ENV [[options]][/]   e.g. ./build.sh --target=Deploy --env=dev --dryrun");
        var tasks = engine.Tasks.Where(t => t.Name != nameof(Default)).ToList();
        var targets = Arguments.UserTargets.SelectMany(name => tasks.Where(t => t.Name == name)).ToList();
        Section("Targets", targets.Select(t => (t.Name, t.Description ?? "")));
        Section("Steps (each target runs those it depends on; --tree shows the graph)",
            tasks.Except(targets).OrderBy(t => t.Name).Select(t => (t.Name, t.Description ?? "")));
        Section("Options", Arguments.All.Select(option => (option.Usage, option.Help)));
    }

    private void Section(string heading, IEnumerable<(string Name, string Text)> rows)
    {
        console.WriteLine();
        console.MarkupLine($"[bold]{Markup.Escape(heading)}[/]");
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadLeft(2).PadRight(2)).AddColumn();
        foreach (var (name, text) in rows)
        {
            grid.AddRow(Markup.Escape(name), Markup.Escape(text));
        }

        console.Write(grid);
    }
}
