using System.Net.Http.Json;
using System.Text.Json;
using Dynamo.Orleans.Workers;

namespace Dynamo.Orleans.Silo.Tests;

/// <summary>What the cluster tests wait for and ask of a running fabric, from outside it.</summary>
internal static class FabricWaits
{
    /// <summary>A prompt of token ids that differs by length (no prefix-cache hits between lengths).</summary>
    public static int[] Prompt(int length) => Enumerable.Range(0, length).Select(i => (i * 389 + length) % 50000).ToArray();

    /// <summary>Waits until the fabric lists exactly these worker counts; fails after a minute with <paramref name="logs"/>.</summary>
    public static async Task WorkersAsync(IFabricStatusGrain fabric, int prefill, int decode, Func<string> logs)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var status = await fabric.GetStatus();
            if (status.PrefillWorkers.Count == prefill && status.DecodeWorkers.Count == decode) return;
            Assert.True(DateTime.UtcNow < deadline, $"expected {prefill} prefill and {decode} decode workers, the fabric lists {status.PrefillWorkers.Count} and {status.DecodeWorkers.Count}\n{logs()}");
            await Task.Delay(200);
        }
    }

    /// <summary>A greedy completion over the OpenAI API; a gateway that has not seen the workers yet answers 503 until it has.</summary>
    public static async Task<string> CompleteOverHttpAsync(string baseAddress, string model, int[] prompt, int maxTokens)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseAddress), Timeout = TimeSpan.FromSeconds(60) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            using var response = await http.PostAsJsonAsync("completions", new { model, prompt, max_tokens = maxTokens, temperature = 0 });
            var body = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode == 503 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
                continue;
            }
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} from {baseAddress}: {body}");
            using var json = JsonDocument.Parse(body);
            return json.RootElement.GetProperty("choices")[0].GetProperty("text").GetString()!;
        }
    }
}
