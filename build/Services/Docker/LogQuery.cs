namespace KahaDeploy.Services.Docker;

/// <summary>Which of a container's output to show: the last <paramref name="Tail"/> lines (or all), only those since a time, and whether to keep following it.</summary>
public sealed record LogQuery(int Tail, DateTimeOffset? Since, bool Follow)
{
    public const int All = -1;

    public const int DefaultTail = 100;
}
