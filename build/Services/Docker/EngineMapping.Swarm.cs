using System.Globalization;
using Docker.DotNet.Models;
using EngineContainerSpec = Docker.DotNet.Models.ContainerSpec;

namespace KahaDeploy.Services.Docker;

/// <summary>Swarm's half: services, tasks and nodes.</summary>
internal static partial class EngineMapping
{
    /// <summary>How long Swarm watches a new task for failure before it moves to the next (and rolls back on failure).</summary>
    private static readonly TimeSpan UpdateMonitor = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The pause after each batch of an update. Swarm's updater hands out the next batch and counts a failed task in one
    /// select: with no pause it takes the next batch half the time as the failure arrives, and a stop-first update then
    /// stops the next old task while the failed one is not yet rolled back (no task served on any node for seconds, seen
    /// in the tests). With a pause the failure is counted first. It also leaves SwarmConverge room to roll back a failure
    /// that Swarm does not count, before the next batch.
    /// </summary>
    private static readonly TimeSpan UpdateDelay = TimeSpan.FromSeconds(2);

    internal static ServiceSpec ToServiceSpec(SwarmServiceSpec spec)
    {
        var order = spec.StartFirst ? "start-first" : "stop-first";
        return new ServiceSpec
        {
            Name = spec.Name,
            Labels = new Dictionary<string, string>(spec.Labels),
            Mode = spec.Replicas is { } replicas
                ? new ServiceMode { Replicated = new ReplicatedService { Replicas = (ulong)replicas } }
                : new ServiceMode { Global = new GlobalService() },
            TaskTemplate = new TaskSpec
            {
                ContainerSpec = new EngineContainerSpec
                {
                    Image = spec.Image,
                    Labels = new Dictionary<string, string>(spec.Labels),
                    Env = spec.Environment.Select(kv => $"{kv.Key}={kv.Value}").ToList(),
                    Args = spec.Command?.ToList()!, // null: keep the image's CMD
                    Healthcheck = spec.Health is { } health
                        ? new HealthcheckConfig
                        {
                            Test = ["CMD", .. health.Command],
                            Interval = health.Interval,
                            Timeout = health.Timeout,
                            Retries = health.Retries,
                            StartPeriod = health.StartPeriod,
                        }
                        : null!,
                    Mounts = spec.Volumes.Select(v => new Mount { Type = "volume", Source = v.Value, Target = v.Key }).ToList(),
                },
                Networks = [new NetworkAttachmentConfig { Target = spec.Network }],
                Placement = new Placement
                {
                    Constraints = spec.Constraints.ToList(),
                    Preferences = spec.Replicas is null ? null! : [new PlacementPreference { Spread = new SpreadOver { SpreadDescriptor = "node.id" } }],
                    MaxReplicas = (ulong)spec.MaxPerNode,
                },
            },
            UpdateConfig = new SwarmUpdateConfig
            {
                Parallelism = (ulong)spec.UpdateParallelism,
                Order = order,
                FailureAction = "rollback",
                Monitor = UpdateMonitor,
                Delay = UpdateDelay,
            },
            RollbackConfig = new SwarmUpdateConfig
            {
                Parallelism = (ulong)spec.UpdateParallelism,
                Order = order,
                FailureAction = "pause",
                Monitor = UpdateMonitor,
            },
            // No virtual IP: this kernel has no IPVS, and ingress publishing needs it. dnsrr resolves to the tasks themselves.
            EndpointSpec = new EndpointSpec
            {
                Mode = "dnsrr",
                Ports = spec.Ports.Select(p => new PortConfig
                {
                    Protocol = "tcp",
                    TargetPort = (uint)p.ContainerPort,
                    PublishedPort = (uint)p.HostPort,
                    PublishMode = "host",
                }).ToList(),
            },
        };
    }

    internal static SwarmServiceInfo ToServiceInfo(SwarmService service) => new(
        Id: service.ID,
        Name: service.Spec?.Name ?? "",
        Image: service.Spec?.TaskTemplate?.ContainerSpec?.Image ?? "",
        Labels: new Dictionary<string, string>(service.Spec?.Labels ?? new Dictionary<string, string>()),
        PreviousImage: service.PreviousSpec?.TaskTemplate?.ContainerSpec?.Image,
        PreviousLabels: new Dictionary<string, string>(service.PreviousSpec?.Labels ?? new Dictionary<string, string>()),
        UpdateState: service.UpdateStatus?.State is { Length: > 0 } state ? state : null,
        UpdateMessage: service.UpdateStatus?.Message ?? "",
        UpdateStartedAt: service.UpdateStatus?.StartedAt is { } started ? UtcTime(started) : null,
        Replicas: service.Spec?.Mode?.Replicated?.Replicas is { } replicas ? (int)replicas : null,
        UpdatedAt: service.UpdatedAt is { } updated ? UtcTime(updated) : null);

    internal static SwarmTaskInfo ToTaskInfo(TaskResponse task) => new(
        Id: task.ID,
        ServiceId: task.ServiceID ?? "",
        Slot: (int)(task.Slot ?? 0),
        NodeId: task.NodeID ?? "",
        Image: task.Spec?.ContainerSpec?.Image ?? "",
        Labels: new Dictionary<string, string>(task.Spec?.ContainerSpec?.Labels ?? new Dictionary<string, string>()),
        State: StateWord(task.Status?.State),
        DesiredState: StateWord(task.DesiredState),
        Message: task.Status?.Message ?? "",
        Error: task.Status?.Err ?? "",
        ContainerId: task.Status?.ContainerStatus?.ContainerID is { Length: > 0 } container ? container : null,
        Timestamp: task.Status?.Timestamp is { } time ? UtcTime(time) : null);

    internal static SwarmNodeInfo ToNodeInfo(NodeListResponse node) => new(
        Id: node.ID,
        Hostname: node.Description?.Hostname ?? "",
        Address: node.Status?.Addr ?? "",
        State: node.Status?.State ?? "",
        Availability: node.Spec?.Availability ?? "",
        Manager: node.ManagerStatus is not null,
        Leader: node.ManagerStatus?.Leader ?? false,
        Message: node.Status?.Message ?? "");

    /// <summary>Swarm's own lower-case words (<c>running</c>, <c>shutdown</c>), as the CLI prints them.</summary>
    private static string StateWord(TaskState? state) =>
        state is { } value ? value.ToString().ToLower(CultureInfo.InvariantCulture) : "";
}
