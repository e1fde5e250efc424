using Cake.Core;
using KahaDeploy.Frosting;
using Spectre.Console;

namespace KahaDeploy.Tasks;

[TaskName(CakeHost.DefaultTarget)]
[TaskDescription("Lists the targets; what runs when no --target is given")]
public sealed class Default(ICakeEngine engine, IAnsiConsole console) : FrostingTask<DeployContext>
{
    public override void Run(DeployContext context)
    {
        console.MarkupLine("Usage: [bold]./build.sh --target=NAME --env=ENV[/] (e.g. --target=Deploy --env=dev); --tree shows the graph, --dryrun what would run.");
        var table = new Table().AddColumns("Target", "What it does");
        foreach (var task in engine.Tasks.Where(t => t.Name != CakeHost.DefaultTarget).OrderBy(t => t.Name))
        {
            table.AddRow(Markup.Escape(task.Name), Markup.Escape(task.Description ?? ""));
        }

        console.Write(table);
    }
}
