namespace KahaDeploy.Services.Releases;

/// <summary>An image of the app: the reference a container is created from, and the engine's <c>sha256:</c> id.</summary>
public sealed record AppImage(string Reference, string Id);
