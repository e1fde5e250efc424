using Cake.Core.IO;

namespace KahaDeploy.Frosting.Internal;

/// <summary>The working directory <see cref="CakeHostExtensions.UseWorkingDirectory"/> set.</summary>
internal sealed record WorkingDirectory(DirectoryPath Path);

/// <summary>A Cake setting <see cref="CakeHostExtensions.UseCakeSetting"/> set.</summary>
internal sealed record ConfigurationValue(string Key, string Value);
