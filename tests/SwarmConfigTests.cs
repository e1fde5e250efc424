using System.Text.Json.Nodes;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Issue 15, item 1: an environment's swarm section (replicas, registry and its login as secrets, update parallelism,
/// placement) is validated like the rest, one line per mistake, before anything runs. A valid section is accepted (a dry
/// run plans the deploy; SwarmDeployTests releases to a real swarm).
/// </summary>
[NonParallelizable]
public sealed class SwarmConfigTests
{
    private Sandbox _sandbox = null!;

    [SetUp]
    public void CreateSandbox()
    {
        _sandbox = new Sandbox();
        _sandbox.Secrets["REGISTRY_USER"] = "kaha-ci";
        _sandbox.Secrets["REGISTRY_PASSWORD"] = "registry-pw-" + Guid.NewGuid().ToString("N")[..12];
    }

    [TearDown]
    public void RemoveSandbox() => _sandbox.Dispose();

    [Test]
    public void A_valid_swarm_section_is_accepted()
    {
        var result = DeployProd(_ => { }, dryRun: true);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.All, Does.Not.Contain("Error:"));
        Assert.That(DockerCli.Containers(_sandbox.Prefix), Is.Empty, "a dry run changes nothing");
    }

    [Test]
    public void A_registry_without_a_login_is_accepted()
    {
        var result = DeployProd(swarm =>
        {
            swarm.Remove("registryUser");
            swarm.Remove("registryPassword");
        }, dryRun: true);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
    }

    [Test]
    public void The_single_server_proxy_turned_on() =>
        Expect.OneErrorLine(DeployProd(_ => { }, prod => prod["proxy"] = new JsonObject { ["enabled"] = true }),
            "environments.prod.proxy.enabled: a swarm environment does not use the single-server proxy container");

    [Test]
    public void A_registry_with_a_scheme() =>
        Expect.OneErrorLine(DeployProd(swarm => swarm["registry"] = "https://registry.internal:5000"),
            "environments.prod.swarm.registry \"https://registry.internal:5000\" has a scheme", "write HOST[:PORT] without it");

    [Test]
    public void A_registry_that_is_no_address() =>
        Expect.OneErrorLine(DeployProd(swarm => swarm["registry"] = "Registry Internal"),
            "environments.prod.swarm.registry \"Registry Internal\" is not a registry address", "\"registry.internal:5000\"");

    [Test]
    public void Replicas_out_of_range() =>
        Expect.OneErrorLine(DeployProd(swarm => swarm["replicas"] = 0), "environments.prod.swarm.replicas 0 is out of range", "1 to 100");

    [Test]
    public void Update_parallelism_above_the_replicas() =>
        Expect.OneErrorLine(DeployProd(swarm => swarm["updateParallelism"] = 3),
            "environments.prod.swarm.updateParallelism 3 is out of range", "1 to replicas (2)");

    [Test]
    public void A_placement_that_is_no_constraint() =>
        Expect.OneErrorLine(DeployProd(swarm => swarm["placement"] = new JsonArray("node.labels.app==true", "app=true")),
            "environments.prod.swarm.placement[1] \"app=true\" is not a placement constraint", "node.ATTRIBUTE==VALUE");

    [Test]
    public void A_port_bound_to_an_address()
    {
        var result = DeployProd(_ => { }, prod => prod["ports"] = new JsonArray($"127.0.0.1:{_sandbox.ProdPort}:3000"));

        Expect.OneErrorLine(result, $"environments.prod.ports[0] \"127.0.0.1:{_sandbox.ProdPort}:3000\" binds an address, which a swarm cannot",
            $"write \"{_sandbox.ProdPort}:3000\"");
    }

    [Test]
    public void The_checkout_mounted_into_the_app() =>
        Expect.OneErrorLine(DeployProd(_ => { }, prod => prod["mountSource"] = true),
            "environments.prod.mountSource mounts this server's checkout, which the swarm's other nodes do not have");

    [Test]
    public void A_user_without_a_password() =>
        Expect.OneErrorLine(DeployProd(swarm => swarm.Remove("registryPassword")),
            "environments.prod.swarm: set both registryUser and registryPassword");

    [Test]
    public void A_password_written_out_is_refused_without_printing_it()
    {
        var written = "hunter2-" + Guid.NewGuid().ToString("N")[..8];

        var result = DeployProd(swarm => swarm["registryPassword"] = written);

        Expect.OneErrorLine(result, "environments.prod.swarm.registryPassword is written out in the config file", "\"${REGISTRY_PASSWORD}\"");
        Assert.That(result.All, Does.Not.Contain(written));
    }

    [Test]
    public void An_unset_password_secret_is_named()
    {
        _sandbox.Secrets["REGISTRY_PASSWORD"] = null;

        Expect.OneErrorLine(DeployProd(_ => { }), "environments.prod.swarm.registryPassword: secret ${REGISTRY_PASSWORD} is not set");
    }

    /// <summary>Deploy to prod, configured as a swarm environment with <paramref name="swarm"/> and <paramref name="prod"/> changed.</summary>
    private ProcessResult DeployProd(Action<JsonObject> swarm, Action<JsonObject>? prod = null, bool dryRun = false)
    {
        _sandbox.WriteConfig(adjust: config =>
        {
            var environment = config["environments"]!["prod"]!.AsObject();
            environment["ports"] = new JsonArray($"{_sandbox.ProdPort}:3000");
            var section = new JsonObject
            {
                ["replicas"] = 2,
                ["registry"] = "registry.internal:5000",
                ["registryUser"] = "${REGISTRY_USER}",
                ["registryPassword"] = "${REGISTRY_PASSWORD}",
                ["updateParallelism"] = 1,
                ["placement"] = new JsonArray("node.labels.app==true"),
            };
            swarm(section);
            environment["swarm"] = section;
            prod?.Invoke(environment);
        });
        return dryRun ? _sandbox.Tool("--target=Deploy", "--env=prod", "--dryrun") : _sandbox.Tool("--target=Deploy", "--env=prod");
    }
}
