namespace KahaDeploy.Services.Docker;

/// <summary>Image references as a swarm service holds them: Swarm pins a service's image by digest, REPOSITORY:TAG@sha256:...</summary>
public static class PinnedImage
{
    /// <summary>Whether the two references name the same image, either of them pinned by digest or not.</summary>
    public static bool Same(string actual, string image) =>
        actual == image || actual.StartsWith(image + "@", StringComparison.Ordinal) || image.StartsWith(actual + "@", StringComparison.Ordinal);
}
