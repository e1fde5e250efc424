using KahaDeploy.Configuration;
using NUnit.Framework;

namespace KahaDeploy.Tests;

public sealed class SecretMaskerTests
{
    [Test]
    public void Every_registered_value_and_its_url_encoded_form_is_masked()
    {
        var masker = new SecretMasker();
        masker.Add("p@ss/word!");
        masker.Add("hooks.slack.example/T1/B2/xyz");

        var masked = masker.Apply("redis://:p%40ss%2Fword%21@redis:6379 and p@ss/word! posted to https://hooks.slack.example/T1/B2/xyz");

        Assert.That(masked, Is.EqualTo("redis://:***@redis:6379 and *** posted to https://***"));
    }
}
