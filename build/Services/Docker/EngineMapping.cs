using System.Globalization;
using Docker.DotNet.Models;

namespace KahaDeploy.Services.Docker;

/// <summary>Translates between our records (<see cref="ContainerSpec"/>, <see cref="ContainerInfo"/>, ...) and the engine's request and response types.</summary>
internal static partial class EngineMapping
{
    internal static CreateContainerParameters ToCreateParameters(ContainerSpec spec)
    {
        var exposed = new Dictionary<string, EmptyStruct>();
        var bindings = new Dictionary<string, IList<PortBinding>>();
        foreach (var port in spec.Ports)
        {
            var key = port.ContainerPort.ToString(CultureInfo.InvariantCulture) + "/tcp";
            exposed[key] = default;
            if (!bindings.TryGetValue(key, out var list))
            {
                bindings[key] = list = new List<PortBinding>();
            }

            list.Add(new PortBinding
            {
                HostIP = port.HostIp,
                HostPort = port.HostPort == 0 ? "" : port.HostPort.ToString(CultureInfo.InvariantCulture),
            });
        }

        if (spec.Network is null && spec.NetworkAliases.Count > 0)
        {
            throw new ArgumentException($"Container '{spec.Name}' has network aliases but no network: aliases need a user-defined network.", nameof(spec));
        }

        return new CreateContainerParameters
        {
            Name = spec.Name,
            Image = spec.Image,
            Env = spec.Environment.Select(kv => $"{kv.Key}={kv.Value}").ToList(),
            Labels = new Dictionary<string, string>(spec.Labels),
            ExposedPorts = exposed,
            Cmd = spec.Command?.ToList()!, // null: keep the image's CMD
            HostConfig = new HostConfig
            {
                Binds = spec.Binds.ToList(),
                PortBindings = bindings,
                RestartPolicy = ParseRestartPolicy(spec.RestartPolicy),
                NetworkMode = spec.Network!, // null: the default bridge
                CPUShares = spec.CpuShares,
            },
            NetworkingConfig = spec.Network is null
                ? null
                : new NetworkingConfig
                {
                    EndpointsConfig = new Dictionary<string, EndpointSettings>
                    {
                        [spec.Network] = new() { Aliases = spec.NetworkAliases.ToList() },
                    },
                },
        };
    }

    internal static RestartPolicy ParseRestartPolicy(string policy)
    {
        var text = policy.Trim();
        var retries = 0L;
        var colon = text.IndexOf(':');
        if (colon >= 0)
        {
            if (!long.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out retries))
            {
                throw new ArgumentException($"Restart policy '{policy}' is not valid: the retry count after ':' must be a number.", nameof(policy));
            }

            text = text[..colon];
        }

        var kind = text switch
        {
            "" or "no" => RestartPolicyKind.No,
            "always" => RestartPolicyKind.Always,
            "unless-stopped" => RestartPolicyKind.UnlessStopped,
            "on-failure" => RestartPolicyKind.OnFailure,
            _ => throw new ArgumentException($"Restart policy '{policy}' is not one of no, always, unless-stopped, on-failure.", nameof(policy)),
        };

        if (colon >= 0 && kind != RestartPolicyKind.OnFailure)
        {
            throw new ArgumentException($"Restart policy '{policy}' is not valid: only on-failure takes a retry count.", nameof(policy));
        }

        return new RestartPolicy { Name = kind, MaximumRetryCount = retries };
    }

    internal static ContainerInfo ToInfo(ContainerInspectResponse response)
    {
        var ports = new List<PublishedPort>();
        if (response.HostConfig?.PortBindings is { } bindings)
        {
            foreach (var (key, list) in bindings)
            {
                var slash = key.IndexOf('/');
                var protocol = slash < 0 ? "tcp" : key[(slash + 1)..];
                if (protocol != "tcp" || !int.TryParse(slash < 0 ? key : key[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var containerPort))
                {
                    continue;
                }

                foreach (var binding in list ?? [])
                {
                    int.TryParse(binding.HostPort, NumberStyles.None, CultureInfo.InvariantCulture, out var hostPort);
                    ports.Add(new PublishedPort(binding.HostIP ?? "", hostPort, containerPort));
                }
            }
        }

        return new ContainerInfo(
            Id: response.ID,
            Name: (response.Name ?? "").TrimStart('/'),
            ImageId: response.Image ?? "",
            ImageReference: response.Config?.Image ?? "",
            State: response.State?.Status ?? "",
            Running: response.State?.Running ?? false,
            StartedAt: ParseEngineTime(response.State?.StartedAt),
            Labels: new Dictionary<string, string>(response.Config?.Labels ?? new Dictionary<string, string>()),
            Networks: (response.NetworkSettings?.Networks?.Keys ?? []).OrderBy(n => n, StringComparer.Ordinal).ToList(),
            Ports: ports.OrderBy(p => p.ContainerPort).ThenBy(p => p.HostPort).ToList(),
            Mounts: (response.Mounts ?? []).Where(m => m.Destination is not null).ToDictionary(m => m.Destination, m => m.Source ?? "", StringComparer.Ordinal));
    }

    /// <summary>The engine's times are UTC; the client may hand them over without saying so.</summary>
    internal static DateTimeOffset UtcTime(DateTime time) =>
        time.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)) : new DateTimeOffset(time.ToUniversalTime());

    internal static ImageSummaryInfo ToSummary(ImagesListResponse image)
    {
        var tags = (image.RepoTags ?? []).Where(t => t != "<none>:<none>").ToList();
        return new ImageSummaryInfo(image.ID, tags, UtcTime(image.Created), image.Size, new Dictionary<string, string>(image.Labels ?? new Dictionary<string, string>()));
    }

    /// <summary>Engine times are RFC 3339 with nanoseconds; the zero time means "never".</summary>
    internal static DateTimeOffset? ParseEngineTime(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.StartsWith("0001-01-01", StringComparison.Ordinal))
        {
            return null;
        }

        // .NET parses at most 7 fractional digits; the engine writes up to 9.
        var dot = text.IndexOf('.');
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            if (end - dot - 1 > 7)
            {
                text = text[..(dot + 8)] + text[end..];
            }
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : null;
    }
}
