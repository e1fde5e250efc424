namespace KahaDeploy.Services.Releases;

/// <summary>
/// The names this tool gives containers and the labels it puts on them, in one place: they are its contract with the
/// engine (and with people typing 'docker start kaha_prod_previous' at 3 a.m.), so a change here is a change of that contract.
/// Every container of an environment is named after the live one, NAME, with a suffix for the part it plays.
/// </summary>
public static class ReleaseNames
{
    /// <summary>The backup of the live release, as deploy_kaha.sh named it: 'docker start NAME_previous' is the rollback by hand.</summary>
    public static string Previous(string live) => live + "_previous";

    /// <summary>A release started beside the live one, before the switch (behind a proxy).</summary>
    public static string Candidate(string live) => live + "_next";

    public static bool IsCandidate(string container) => container.EndsWith("_next", StringComparison.Ordinal);

    /// <summary>A release that failed its health check, kept for inspection.</summary>
    public static string Failed(string live) => live + "_failed";

    /// <summary>The backup a running deploy replaces; removed only once the new release is healthy.</summary>
    public static string Older(string live) => live + "_older";

    /// <summary>Where a swap parks a release for a moment (see RenameJournal): a release that was live or previous, never a leftover.</summary>
    public static string Swapping(string live) => live + "_swapping";

    /// <summary>A release retired behind a proxy (stopped, kept for --to until pruned): named after its slot, or its id when it has none.</summary>
    public static string Retired(string live, ContainerInfo release) => $"{live}_{release.Labels.GetValueOrDefault(SlotLabel, release.Id[..8])}";

    public static string Proxy(string live) => live + "_proxy";

    /// <summary>A proxy container being replaced, kept aside until its successor serves.</summary>
    public static string ReplacedProxy(string proxy) => proxy + "_replaced";

    /// <summary>The Redis container run by this tool, unless the configuration names one.</summary>
    public static string Redis(string live) => live + "_redis";

    /// <summary>The engine record holding the environment's deploy lock.</summary>
    public static string Lock(string live) => live + "_lock";

    /// <summary>The engine record naming the checkout that owns the environment.</summary>
    public static string Owner(string live) => live + "_owner";

    public const string AppLabel = "org.kaha.app";
    public const string EnvironmentLabel = "org.kaha.env";
    public const string RoleLabel = "org.kaha.role";

    /// <summary>The live container's name: what ties an environment's releases together on a shared engine.</summary>
    public const string ServiceLabel = "org.kaha.service";
    public const string VersionLabel = "org.kaha.version";
    public const string CommitLabel = "org.kaha.commit";
    public const string DeployedByLabel = "org.kaha.deployed-by";
    public const string DeployedAtLabel = "org.kaha.deployed-at";

    /// <summary>A digest of what the container was created with besides its image: see <see cref="AppContainers.SettingsDigest"/>.</summary>
    public const string SettingsLabel = "org.kaha.settings";

    /// <summary>The route slot of a release started behind a proxy; its network alias is NAME-SLOT.</summary>
    public const string SlotLabel = "org.kaha.slot";

    /// <summary>The name of the tree under DATA_HOME/APP/ENV/releases a container mounts, so the sweep knows which trees are still in use.</summary>
    public const string SourceTreeLabel = "org.kaha.source-tree";

    /// <summary>The commit's subject on an image, so Releases can show it where the checkout does not have the commit.</summary>
    public const string MessageLabel = "org.kaha.commit-message";

    /// <summary>The checkout that created a container: <c>host:/absolute/folder/of/cake-config.json</c>.</summary>
    public const string CheckoutLabel = "org.kaha.checkout";

    /// <summary>The prefix of the labels naming a deploy lock's holder (user, host, pid, ...).</summary>
    public const string LockLabelPrefix = "org.kaha.lock.";

    /// <summary>On the images of the proxy this tool builds, so the unused ones can be swept.</summary>
    public const string ProxyImageLabel = "org.kaha.proxy";

    /// <summary>On a base image made from the host's binaries, and the image reference it stands in for.</summary>
    public const string BaseImageLabel = "org.kaha.base-image";
    public const string ReplacesLabel = "org.kaha.replaces";
}
