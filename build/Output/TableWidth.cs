using Spectre.Console;
using Spectre.Console.Rendering;

namespace KahaDeploy.Output;

public static class TableWidth
{
    /// <summary>Whether the table shows every cell on one line at the console's width, without breaking any.</summary>
    public static bool Fits(this IAnsiConsole console, Table table) =>
        ((IRenderable)table).Measure(RenderOptions.Create(console), int.MaxValue).Max <= console.Profile.Width;
}
