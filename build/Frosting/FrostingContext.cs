using Cake.Core;

namespace KahaDeploy.Frosting;

public class FrostingContext(ICakeContext context) : CakeContextAdapter(context);
