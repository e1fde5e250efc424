namespace KahaDeploy.Services.Releases;

/// <summary>
/// Chooses how an environment is released, once per environment, from its settings: the first registered strategy that
/// serves them. ServiceRegistration lists them, the in-place one last: it serves any environment, as deploy_kaha.sh did.
/// </summary>
public sealed class ReleaseStrategies(IEnumerable<IReleaseStrategy> strategies)
{
    private readonly Dictionary<string, IReleaseStrategy> _chosen = new(StringComparer.Ordinal);

    public IReleaseStrategy For(DeploySettings settings)
    {
        if (!_chosen.TryGetValue(settings.Environment, out var strategy))
        {
            strategy = strategies.First(s => s.Serves(settings));
            _chosen[settings.Environment] = strategy;
        }

        return strategy;
    }

    /// <summary>Why a step for several servers does not apply to an environment on one.</summary>
    public static string OneServer(DeploySettings settings) => $"{settings.Environment} runs on this server alone.";

    /// <summary>A task's <c>ShouldRun</c> for a step the environment's strategy may not have: when it has not, the log says why.</summary>
    public bool Runs(DeployContext context, string task, ReleaseStep step)
    {
        var whyNot = For(context.Settings).WhyNot(step, context.Settings);
        return context.RunsWhen(task, whyNot is null, whyNot ?? "");
    }
}
