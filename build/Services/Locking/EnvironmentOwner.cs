using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Locking;

/// <summary>
/// Which checkout an environment on this engine belongs to. Two checkouts of one app share the container names: the
/// second must not take over the first's releases, prune its images or restart its Redis with another password. The
/// owner is an <see cref="EngineRecords">engine record</see>, NAME_owner, since container labels cannot be changed;
/// the containers a checkout creates carry <see cref="ReleaseNames.CheckoutLabel"/> too, which names the owner when the record is lost.
/// </summary>
public sealed class EnvironmentOwner(EngineRecords records, AppContainers containers, ICakeLog log)
{
    public static string CheckoutOf(DeploySettings settings) => $"{Environment.MachineName}:{Path.GetDirectoryName(settings.ConfigFile)}";

    public static string NameFor(DeploySettings settings) => ReleaseNames.Owner(settings.Container);

    /// <summary>The environment this run may record as this checkout's when it succeeds; null when that is recorded already.</summary>
    private DeploySettings? _claimed;

    /// <summary>
    /// Goes on when this checkout owns the environment, or nobody does yet (a first run, or releases made before owners
    /// were kept); another checkout's environment stops the run, unless <paramref name="takeOver"/> moves it here. The
    /// record is written by <see cref="RecordClaimAsync"/> once the run succeeded: a refused or failed run leaves none.
    /// </summary>
    public async Task ClaimAsync(DeploySettings settings, bool takeOver)
    {
        var me = CheckoutOf(settings);
        var record = await records.ReadAsync(NameFor(settings));
        var owner = record?.Labels.GetValueOrDefault(ReleaseNames.CheckoutLabel) ?? await LabelledOwnerAsync(settings, me);
        if (owner is not null && owner != me)
        {
            if (!takeOver)
            {
                var (host, folder) = Split(owner);
                throw new EnvironmentOwnedException(
                    $"{settings.AppName} {settings.Environment} on this engine belongs to the checkout {folder} on host {host}; run from there, "
                    + $"or pass --take-over to move it to this checkout ({Split(me).Folder}) if that one is no longer used.");
            }

            log.Warning("--take-over: {0} {1} on this engine belonged to the checkout {2}; it belongs to this checkout ({3}) once this run succeeds.",
                settings.AppName, settings.Environment, owner, Split(me).Folder);
        }

        _claimed = record is not null && owner == me ? null : settings;
    }

    /// <summary>After a successful run, under its lock: the environment is recorded as this checkout's.</summary>
    public async Task RecordClaimAsync()
    {
        if (_claimed is not { } settings)
        {
            return;
        }

        _claimed = null;
        var name = NameFor(settings);
        try
        {
            if (await records.ReadAsync(name) is { } previous)
            {
                await records.RemoveAsync(previous.Id);
            }

            await records.TryCreateAsync(name, new Dictionary<string, string>
            {
                [ReleaseNames.CheckoutLabel] = CheckoutOf(settings),
                [ReleaseNames.AppLabel] = settings.AppName,
                [ReleaseNames.EnvironmentLabel] = settings.Environment,
                [ReleaseNames.RoleLabel] = "owner",
            });
            log.Verbose("{0} {1} on this engine belongs to this checkout ({2}).", settings.AppName, settings.Environment, Split(CheckoutOf(settings)).Folder);
        }
        catch (DockerEngineException ex)
        {
            // Its releases carry the checkout's label, which names the owner while the record is missing.
            log.Warning("Could not record this checkout as the owner of {0} {1} ({2}).", settings.AppName, settings.Environment, ex.Message);
        }
    }

    /// <summary>The checkout named by the environment's own containers when its record is gone; null when none names one.</summary>
    private async Task<string?> LabelledOwnerAsync(DeploySettings settings, string me)
    {
        string?[] names = [settings.Container, settings.PreviousContainer, settings.Proxy?.Container, settings.LocalRedis?.Container];
        string? mine = null;
        foreach (var container in names.OfType<string>())
        {
            var owner = (await containers.InspectAsync(container))?.Labels.GetValueOrDefault(ReleaseNames.CheckoutLabel);
            if (owner is not null && owner != me)
            {
                return owner;
            }

            mine ??= owner;
        }

        return mine;
    }

    private static (string Host, string Folder) Split(string checkout)
    {
        var colon = checkout.IndexOf(':');
        return colon < 0 ? ("unknown", checkout) : (checkout[..colon], checkout[(colon + 1)..]);
    }
}

public sealed class EnvironmentOwnedException(string message) : Exception(message);
