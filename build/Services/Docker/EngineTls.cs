using System.Security.Cryptography;
using Docker.DotNet.Handler.Abstractions;
using Docker.DotNet.X509;

namespace KahaDeploy.Services.Docker;

/// <summary>
/// The client certificate and the certificate authority for an engine reached over TCP with TLS, read from the same
/// variables as the docker CLI: <c>DOCKER_TLS_VERIFY</c> set (not empty) turns it on, <c>DOCKER_CERT_PATH</c> (default
/// <c>~/.docker</c>) holds <c>ca.pem</c>, <c>cert.pem</c> and <c>key.pem</c>. The engine's certificate must be signed by
/// that <c>ca.pem</c>, as <c>docker --tlsverify</c> requires.
/// </summary>
public sealed class EngineTls
{
    private EngineTls(string folder, IAuthProvider credentials)
    {
        Folder = folder;
        Credentials = credentials;
    }

    /// <summary>The folder the certificates came from.</summary>
    public string Folder { get; }

    internal IAuthProvider Credentials { get; }

    /// <summary>Whether <c>DOCKER_TLS_VERIFY</c> asks for TLS (the docker CLI then uses it for a tcp:// engine only).</summary>
    public static bool Requested => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_TLS_VERIFY"));

    /// <summary>The certificates of <c>DOCKER_CERT_PATH</c>, else of <c>~/.docker</c>.</summary>
    public static EngineTls FromEnvironment() =>
        Load(Environment.GetEnvironmentVariable("DOCKER_CERT_PATH") is { Length: > 0 } path
            ? path
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker"));

    /// <summary>Reads the three PEM files of <paramref name="folder"/>; one that is missing or unreadable is one line naming it.</summary>
    public static EngineTls Load(string folder)
    {
        foreach (var file in new[] { "ca.pem", "cert.pem", "key.pem" })
        {
            var path = Path.Combine(folder, file);
            if (!File.Exists(path))
            {
                throw new DockerEngineException(
                    $"DOCKER_TLS_VERIFY is set but {path} does not exist: put the engine's ca.pem and your client cert.pem and key.pem in DOCKER_CERT_PATH ({folder}), as the docker CLI expects");
            }
        }

        try
        {
            var certificates = DockerTlsCertificates.LoadFromDirectory(folder, true, "ca.pem", "cert.pem", "key.pem");
            return new EngineTls(folder, certificates.CreateCredentials());
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new DockerEngineException(
                $"the TLS certificates in {folder} cannot be read ({e.Message.Trim()}): ca.pem, cert.pem and key.pem must be PEM files readable by this user");
        }
    }
}
