using Cake.Core;

namespace KahaDeploy.Frosting;

/// <summary>The context a Frosting host hands its tasks and lifetimes.</summary>
public interface IFrostingContext : ICakeContext;

public class FrostingContext(ICakeContext context) : CakeContextAdapter(context), IFrostingContext;
