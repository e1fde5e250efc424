using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Slack;

/// <summary>
/// Talks HTTP to Slack the way Slack asks: retries what is worth retrying (429 with Retry-After, 5xx, timeouts),
/// says in one line why Slack refused, and never throws: Slack being down must not fail a deploy.
/// </summary>
public sealed class SlackClient(ICakeLog log, SecretMasker masker)
{
    private const int Attempts = 3;
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(10);

    /// <summary>Posts a message to an incoming webhook; true when Slack took it.</summary>
    public async Task<bool> PostWebhookAsync(SlackSettings slack, JsonObject payload) =>
        await SendAsync(slack.Timeout, () => new HttpRequestMessage(HttpMethod.Post, slack.WebhookUrl) { Content = JsonContent.Create(payload) },
            "the message", "check the webhook URL secret") is not null;

    /// <summary>Calls a Web API method with the bot token; its answer when Slack says <c>"ok": true</c>, else null.</summary>
    public async Task<JsonObject?> CallAsync(SlackSettings slack, SlackUpload api, string method, IReadOnlyDictionary<string, string> arguments)
    {
        var body = await SendAsync(slack.Timeout, () => new HttpRequestMessage(HttpMethod.Post, new Uri(api.ApiUrl, method))
        {
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", api.BotToken) },
            Content = new FormUrlEncodedContent(arguments),
        }, method, "check the bot token secret and its files:write scope");
        if (body is null)
        {
            return null;
        }

        JsonObject? answer;
        try
        {
            answer = JsonNode.Parse(body) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            answer = null;
        }

        if (answer?["ok"]?.GetValue<bool>() == true)
        {
            return answer;
        }

        log.Warning("Slack refused {0} ({1}); check the bot token secret, its files:write scope and the channel id.",
            method, Shorten(masker.Apply(answer?["error"]?.ToString() ?? body)));
        return null;
    }

    /// <summary>Sends a file's bytes to the address files.getUploadURLExternal gave; true when Slack took them.</summary>
    public async Task<bool> UploadAsync(SlackSettings slack, string uploadUrl, byte[] content) =>
        await SendAsync(slack.Timeout, () => new HttpRequestMessage(HttpMethod.Post, uploadUrl)
        {
            Content = new ByteArrayContent(content) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } },
        }, "the log file", "the upload address has expired or was refused") is not null;

    /// <returns>The answer's body when Slack took the request, else null (the reason is logged).</returns>
    private async Task<string?> SendAsync(TimeSpan timeout, Func<HttpRequestMessage> request, string what, string fix)
    {
        using var client = new HttpClient { Timeout = timeout };
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            TimeSpan retryAfter;
            try
            {
                using var message = request();
                using var response = await client.SendAsync(message);
                var body = (await response.Content.ReadAsStringAsync()).Trim();
                if (response.IsSuccessStatusCode)
                {
                    return body;
                }

                var reason = $"{(int)response.StatusCode} {Shorten(masker.Apply(body))}";
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    retryAfter = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                }
                else if ((int)response.StatusCode >= 500)
                {
                    retryAfter = TimeSpan.FromSeconds(attempt);
                }
                else
                {
                    log.Warning("Slack refused {0} ({1}); {2}. The deploy itself is not affected.", what, reason, fix);
                    return null;
                }

                log.Warning("Slack answered {0} (attempt {1} of {2}).", reason, attempt, Attempts);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                log.Warning("Slack did not answer: {0} (attempt {1} of {2}).", masker.Apply(ex.Message), attempt, Attempts);
                retryAfter = TimeSpan.FromSeconds(attempt);
            }

            if (attempt < Attempts)
            {
                await Task.Delay(retryAfter < LongestWait ? retryAfter : LongestWait);
            }
        }

        log.Warning("Slack did not take {0} after {1} attempts. The deploy itself is not affected.", what, Attempts);
        return null;
    }

    private static string Shorten(string body) => body.Length <= 80 ? body : body[..80];
}
