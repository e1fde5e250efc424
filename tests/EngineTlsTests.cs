using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// A manager reached as <c>DOCKER_HOST=tcp://HOST:2376</c> with <c>DOCKER_TLS_VERIFY</c> and <c>DOCKER_CERT_PATH</c>, as the
/// docker CLI reads them (issue 15). On an engine of the test's own that listens with <c>--tlsverify</c> on a loopback port,
/// with a certificate authority, a server and a client certificate made by openssl here.
/// </summary>
[NonParallelizable]
public sealed class EngineTlsTests
{
    [Test]
    public void The_tool_speaks_tls_to_a_tcp_engine_with_the_docker_cli_certificates_and_names_a_missing_one()
    {
        var folder = Directory.CreateTempSubdirectory("kaha-tls-").FullName;
        try
        {
            var client = Path.Combine(folder, "client");
            MakeCertificates(folder, client);
            var port = FreePort.OnLoopback();
            using var engine = new PrivateEngine(extraArguments:
            [
                "--tlsverify", "--tlscacert", Path.Combine(folder, "ca.pem"), "--tlscert", Path.Combine(folder, "server-cert.pem"),
                "--tlskey", Path.Combine(folder, "server-key.pem"), "-H", $"tcp://127.0.0.1:{port}",
            ]);
            using var sandbox = new Sandbox();
            sandbox.WriteConfig();
            var overTls = new Dictionary<string, string?>(sandbox.Secrets)
            {
                ["DOCKER_HOST"] = $"tcp://127.0.0.1:{port}", ["DOCKER_TLS_VERIFY"] = "1", ["DOCKER_CERT_PATH"] = client,
            };

            var status = sandbox.ToolWith(overTls, "--target=Status", "--env=prod");

            Assert.That(status.ExitCode, Is.EqualTo(0), status.ToString());
            Assert.That(status.All, Does.Contain($"at tcp://127.0.0.1:{port}"), status.ToString());

            File.Delete(Path.Combine(client, "key.pem"));
            Expect.OneErrorLine(sandbox.ToolWith(overTls, "--target=Status", "--env=prod"),
                $"DOCKER_TLS_VERIFY is set but {Path.Combine(client, "key.pem")} does not exist", "DOCKER_CERT_PATH");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A CA, the engine's certificate for 127.0.0.1 and a client certificate, as Docker's "protect the daemon socket" page makes them.</summary>
    private static void MakeCertificates(string folder, string client)
    {
        Directory.CreateDirectory(client);
        void Openssl(params string[] arguments) => Shell.MustIn(folder, "openssl", arguments);
        Openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=kaha test CA", "-keyout", "ca-key.pem", "-out", "ca.pem");
        Openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server-key.pem", "-out", "server.csr");
        File.WriteAllText(Path.Combine(folder, "server.ext"), "subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n");
        Openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-days", "1",
            "-extfile", "server.ext", "-out", "server-cert.pem");
        Openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=kaha-deploy", "-keyout", "client/key.pem", "-out", "client.csr");
        File.WriteAllText(Path.Combine(folder, "client.ext"), "extendedKeyUsage = clientAuth\n");
        Openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-days", "1",
            "-extfile", "client.ext", "-out", "client/cert.pem");
        File.Copy(Path.Combine(folder, "ca.pem"), Path.Combine(client, "ca.pem"));
    }
}
