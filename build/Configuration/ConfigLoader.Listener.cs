using System.Net;

namespace KahaDeploy.Configuration;

/// <summary>The listener section: checked as strictly as the environments, so a listener never starts half configured.</summary>
public sealed partial class ConfigLoader
{
    /// <summary>Below this a webhook secret or token could be guessed.</summary>
    private const int ShortestSecret = 16;

    public ListenerSettings LoadListener(string configFile, Action<string> warn, bool resolveSecrets = true)
    {
        var config = Read(configFile);
        var name = Path.GetFileName(configFile);
        var root = Path.GetDirectoryName(Path.GetFullPath(configFile))!;
        var listener = config.Listener
                       ?? throw new ConfigException($"{name}: there is no \"listener\" section; add one to run the webhook listener (see README, \"Push to deploy\").");
        var at = $"{name}: listener";
        var stateFolder = Path.Combine(root, ".deploy");
        var secrets = new SecretStore(masker, Path.Combine(stateFolder, "secrets.listener"), [], warn, resolveSecrets);
        var environments = config.Environments.Keys.ToList();

        Require(IPAddress.TryParse(listener.Address, out var address),
            $"{at}.address \"{listener.Address}\" is not an IP address; use \"127.0.0.1\" behind nginx, or \"0.0.0.0\" to take requests directly.");
        Require(listener.Port is > 0 and < 65536, $"{at}.port {listener.Port} is not a port; use a number from 1 to 65535.");
        Require(listener.MaxBodyBytes is >= 1024 and <= 64 * 1024 * 1024, $"{at}.maxBodyBytes {listener.MaxBodyBytes} is out of range; use 1024 to 67108864 (GitHub sends at most 25 MiB, a push is usually a few KiB).");
        Require(listener.RequestTimeoutSeconds is >= 2 and <= 300, $"{at}.requestTimeoutSeconds {listener.RequestTimeoutSeconds} is out of range; use 2 to 300.");
        Require(listener.LockWaitSeconds is >= 0 and <= 86400, $"{at}.lockWaitSeconds {listener.LockWaitSeconds} is out of range; use 0 to 86400.");
        Require(listener.ShutdownGraceSeconds is >= 0 and <= 86400, $"{at}.shutdownGraceSeconds {listener.ShutdownGraceSeconds} is out of range; use 0 to 86400.");
        Require(listener.GitHub is not null || listener.DockerHub is not null,
            $"{at}: configure \"github\", \"dockerHub\" or both; a listener without hooks has nothing to do.");

        GitHubHookSettings? github = null;
        if (listener.GitHub is { } hook)
        {
            var where = $"{at}.github";
            Require(GitHubPush.RepositoryName().IsMatch(hook.Repository), $"{where}.repository \"{hook.Repository}\" is not OWNER/NAME; write it as GitHub shows it, e.g. \"kaha-team/kaha\".");
            Require(hook.Branches.Count > 0, $"{where}.branches is empty; map at least one branch to an environment, e.g. {{\"refs/heads/master\": \"stage\"}}.");
            foreach (var (branch, environment) in hook.Branches)
            {
                Require(branch.StartsWith("refs/heads/", StringComparison.Ordinal) && branch.Length > "refs/heads/".Length,
                    $"{where}.branches: \"{branch}\" is not a branch ref; write it as GitHub sends it, e.g. \"refs/heads/master\".");
                RequireEnvironment(environments, environment, $"{where}.branches[\"{branch}\"]");
            }

            github = new GitHubHookSettings(
                RequireSecret(secrets, hook.Secret, $"{where}.secret"),
                hook.Repository,
                hook.Branches,
                hook.AllowedNetworks.Select((text, i) => ParseNetwork(text, $"{where}.allowedNetworks[{i}]")).ToList());
        }

        DockerHubHookSettings? dockerHub = null;
        if (listener.DockerHub is { } hub)
        {
            var where = $"{at}.dockerHub";
            Require(hub.Images.Count > 0, $"{where}.images is empty; map an image to an environment that pulls it, e.g. {{\"kaha/app:latest\": \"prod\"}}.");
            var pullRepositories = new Dictionary<string, string>();
            foreach (var (image, mapping) in hub.Images)
            {
                var environment = mapping.Environment;
                var colon = image.LastIndexOf(':');
                Require(colon > 0 && ImageReference.DockerHubRepositoryPattern().IsMatch(image[..colon]) && (image[(colon + 1)..] == "*" || ImageReference.TagPattern().IsMatch(image[(colon + 1)..])),
                    $"{where}.images: \"{image}\" is not REPOSITORY:TAG; write e.g. \"kaha/app:latest\", or \"kaha/app:*\" for every tag.");
                RequireEnvironment(environments, environment, $"{where}.images[\"{image}\"]");
                var pullImage = config.Environments[environment].PullImage;
                Require(pullImage is not null,
                    $"{where}.images[\"{image}\"]: environment '{environment}' does not pull its image; set environments.{environment}.pullImage (e.g. \"{image[..colon]}:latest\") so a pushed tag can be pulled.");
                Require(ImageReference.TryParse(pullImage!, out var pulled),
                    $"{name}: environments.{environment}.pullImage \"{pullImage}\" is not an image reference; write it out as REGISTRY/REPOSITORY:TAG (no ${{...}}), e.g. \"kaha/app:latest\".");
                pullRepositories[environment] = pulled!.Repository;
            }

            dockerHub = new DockerHubHookSettings(
                RequireSecret(secrets, hub.Token, $"{where}.token"),
                hub.Images.ToDictionary(pair => pair.Key, pair => pair.Value.Environment),
                pullRepositories,
                hub.CallbackHosts.Select((text, i) => ParseCallbackOrigin(text, $"{where}.callbackHosts[{i}]")).ToList(),
                hub.Images.Where(pair => pair.Value.AllowOlder).Select(pair => pair.Key).ToHashSet());
        }

        var statusToken = listener.StatusToken is null ? null : RequireSecret(secrets, listener.StatusToken, $"{at}.statusToken");
        secrets.ThrowIfMissing();
        return new ListenerSettings
        {
            ConfigFile = Path.GetFullPath(configFile),
            StateFolder = Path.Combine(stateFolder, "listener"),
            Address = address!,
            Port = listener.Port,
            TrustedProxies = listener.TrustedProxies.Select((text, i) => ParseNetwork(text, $"{at}.trustedProxies[{i}]")).ToList(),
            MaxBodyBytes = listener.MaxBodyBytes,
            RequestTimeout = TimeSpan.FromSeconds(listener.RequestTimeoutSeconds),
            LockWait = TimeSpan.FromSeconds(listener.LockWaitSeconds),
            ShutdownGrace = TimeSpan.FromSeconds(listener.ShutdownGraceSeconds),
            StatusToken = statusToken,
            GitHub = github,
            DockerHub = dockerHub,
        };
    }

    private static string RequireSecret(SecretStore secrets, string text, string where)
    {
        var value = secrets.Resolve(text, where);
        Require(!secrets.CanCheckValues || value.Length >= ShortestSecret,
            $"{where} is {(value.Length == 0 ? "empty" : $"shorter than {ShortestSecret} characters")}; the listener will not start without a real secret: generate one with 'openssl rand -hex 32' and set it in GitHub or Docker Hub too.");
        return value;
    }

    private static void RequireEnvironment(IReadOnlyList<string> environments, string environment, string where) =>
        Require(environments.Contains(environment),
            $"{where}: environment '{environment}' is not defined; use one of {string.Join(", ", environments)}, or add it under \"environments\".");

    /// <summary>A bare host means Docker Hub's own kind of callback, https on 443; anything else is written out whole.</summary>
    private static CallbackOrigin ParseCallbackOrigin(string text, string where)
    {
        if (Uri.CheckHostName(text) is not UriHostNameType.Unknown)
        {
            return new CallbackOrigin("https", text, 443);
        }

        Require(Uri.TryCreate(text, UriKind.Absolute, out var origin) && origin.Scheme is "http" or "https" && origin.AbsolutePath == "/"
                && origin.Query.Length == 0 && origin.Fragment.Length == 0 && origin.UserInfo.Length == 0,
            $"{where}: \"{text}\" is neither a host name nor SCHEME://HOST[:PORT]; write e.g. \"registry.hub.docker.com\" (https on 443) or \"http://10.0.0.5:8080\".");
        return new CallbackOrigin(origin!.Scheme, origin.IdnHost, origin.Port);
    }

    /// <summary>ADDRESS/PREFIX, or a bare address for one host; host bits must be clear, so a typo cannot widen the network.</summary>
    private static IPNetwork ParseNetwork(string text, string where)
    {
        var fix = $"{where}: \"{text}\" is not a network; write ADDRESS/PREFIX, e.g. \"192.30.252.0/22\", or one address, e.g. \"127.0.0.1\".";
        if (IPAddress.TryParse(text, out var single) && !text.Contains('/'))
        {
            return new IPNetwork(single, single.GetAddressBytes().Length * 8);
        }

        var slash = text.IndexOf('/');
        Require(slash > 0 && IPNetwork.TryParse(text, out _) && IPAddress.TryParse(text[..slash], out _), fix);
        var network = IPNetwork.Parse(text);
        Require(network.BaseAddress.Equals(IPAddress.Parse(text[..slash])),
            $"{where}: \"{text}\" has host bits set; write the network's first address, \"{network}\".");
        return network;
    }
}
