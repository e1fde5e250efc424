using Cake.Core;

namespace KahaDeploy.Frosting;

public class FrostingContext(ICakeContext context) : CakeContextAdapter(context)
{
    /// <summary>A task found there is nothing left to do: the host skips the remaining tasks and the run succeeds.</summary>
    public bool Finished { get; private set; }

    public void FinishEarly() => Finished = true;
}
