using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using OpenAI.Chat;

namespace Dynamo.Orleans.Gateway.Tests;

/// <summary>Every refusal has OpenAI's error shape, the right status and, where there is one, the offending parameter.</summary>
[Collection(nameof(GatewayCluster))]
public sealed class ErrorMappingTests(GatewayClusterFixture fixture)
{
    internal static async Task<(HttpStatusCode Status, JsonObject Error, HttpResponseMessage Response)> Send(HttpClient http, string path, HttpContent content)
    {
        var response = await http.PostAsync(path, content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        var error = JsonNode.Parse(body)!["error"]!.AsObject();
        // OpenAI's shape: all four fields present (param and code may be null).
        Assert.Equal(["message", "type", "param", "code"], error.Select(p => p.Key).ToArray());
        Assert.False(string.IsNullOrEmpty((string?)error["message"]));
        return (response.StatusCode, error, response);
    }

    private Task<(HttpStatusCode Status, JsonObject Error, HttpResponseMessage Response)> Chat(object body) =>
        Send(fixture.Http, "v1/chat/completions", JsonContent.Create(body));

    private object UserMessage => new[] { new { role = "user", content = "hi" } };

    [Fact]
    public async Task Malformed_json_is_400()
    {
        var (status, error, _) = await Send(fixture.Http, "v1/chat/completions", new StringContent("{\"model\": \"x\", \"messages\": [", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_request_error", (string)error["type"]!);
    }

    [Fact]
    public async Task A_wrongly_typed_field_is_400_naming_it()
    {
        var (status, error, _) = await Send(fixture.Http, "v1/chat/completions",
            new StringContent($"{{\"model\": \"{fixture.Model}\", \"messages\": [], \"temperature\": \"hot\"}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("temperature", (string)error["param"]!);
    }

    [Fact]
    public async Task An_unknown_model_is_404_model_not_found_as_OpenAI_answers()
    {
        var chat = fixture.OpenAI().GetChatClient("gpt-4o");
        var e = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(404, e.Status);
        var (_, error, _) = await Chat(new { model = "gpt-4o", messages = UserMessage });
        Assert.Equal("model_not_found", (string)error["code"]!);
        Assert.Equal("model", (string)error["param"]!);
    }

    [Fact]
    public async Task An_endpoint_this_server_lacks_is_404_in_openai_shape()
    {
        var (status, error, _) = await Send(fixture.Http, "v1/embeddings", JsonContent.Create(new { model = fixture.Model, input = "x" }));
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("unknown_url", (string)error["code"]!);
    }

    [Fact]
    public async Task A_missing_model_is_400()
    {
        var (status, error, _) = await Chat(new { messages = UserMessage });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("model", (string)error["param"]!);
    }

    [Theory]
    [InlineData("temperature", -1.0)]
    [InlineData("top_p", 0.0)]
    [InlineData("top_p", 1.5)]
    public async Task Out_of_range_sampling_values_are_400_naming_the_parameter(string name, double value)
    {
        var body = new JsonObject { ["model"] = fixture.Model, ["messages"] = JsonNode.Parse("[{\"role\":\"user\",\"content\":\"hi\"}]"), [name] = value };
        var (status, error, _) = await Chat(body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(name, (string)error["param"]!);
    }

    [Theory]
    [InlineData("n", 2, "n")]
    [InlineData("frequency_penalty", 0.5, "frequency_penalty")]
    [InlineData("presence_penalty", -1, "presence_penalty")]
    [InlineData("max_tokens", 0, "max_tokens")]
    [InlineData("max_completion_tokens", 0, "max_completion_tokens")]
    public async Task Unsupported_or_invalid_values_are_400_not_ignored(string name, double value, string param)
    {
        var body = new JsonObject { ["model"] = fixture.Model, ["messages"] = JsonNode.Parse("[{\"role\":\"user\",\"content\":\"hi\"}]"), [name] = value };
        var (status, error, _) = await Chat(body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(param, (string)error["param"]!);
    }

    [Fact]
    public async Task Zero_penalties_and_n_1_and_unknown_fields_are_accepted()
    {
        using var response = await fixture.Http.PostAsJsonAsync("v1/chat/completions", new
        {
            model = fixture.Model, messages = UserMessage, max_tokens = 2, n = 1, frequency_penalty = 0, presence_penalty = 0,
            user = "someone", some_future_field = new { x = 1 },
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Image_parts_and_unknown_roles_are_400()
    {
        var (status, error, _) = await Chat(new
        {
            model = fixture.Model,
            messages = new object[] { new { role = "user", content = new object[] { new { type = "image_url", image_url = new { url = "http://x/y.png" } } } } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("messages[0].content[0].type", (string)error["param"]!);
        (status, error, _) = await Chat(new { model = fixture.Model, messages = new[] { new { role = "tool", content = "x" } } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("messages[0].role", (string)error["param"]!);
    }

    [Fact]
    public async Task Batched_prompts_are_400()
    {
        var (status, error, _) = await Send(fixture.Http, "v1/completions", JsonContent.Create(new { model = fixture.Model, prompt = new[] { "a", "b" } }));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("prompt", (string)error["param"]!);
        (status, _, _) = await Send(fixture.Http, "v1/completions", JsonContent.Create(new { model = fixture.Model, prompt = new[] { new[] { 1, 2 }, new[] { 3 } } }));
        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task Token_ids_outside_the_vocabulary_are_400()
    {
        var (status, error, _) = await Send(fixture.Http, "v1/completions", JsonContent.Create(new { model = fixture.Model, prompt = new[] { 1, 99_999_999 } }));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("prompt", (string)error["param"]!);
    }

    [Fact]
    public async Task Prompt_plus_max_tokens_over_the_context_window_is_400()
    {
        var (status, error, _) = await Chat(new { model = fixture.Model, messages = UserMessage, max_tokens = GatewayClusterFixture.ContextWindow });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("max_tokens", (string)error["param"]!);
        Assert.Contains("context window", (string)error["message"]!);
    }

    [Fact]
    public async Task An_oversized_body_is_413()
    {
        await using var gateway = await fixture.StartGatewayAsync(o => o.MaxRequestBodyBytes = 1024);
        using var http = GatewayClusterFixture.NewHttpClient(gateway);
        var big = new string('a', 4096);
        var (status, error, _) = await Send(http, "v1/completions", JsonContent.Create(new { model = fixture.Model, prompt = big }));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("request_too_large", (string)error["code"]!);
        // Without Content-Length (chunked), Kestrel stops the body at the limit.
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes($"{{\"model\":\"{fixture.Model}\",\"prompt\":\"{big}\"}}")));
        chunked.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/completions") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task With_an_api_key_v1_needs_the_bearer_token_and_probes_stay_open()
    {
        await using var gateway = await fixture.StartGatewayAsync(o => o.ApiKey = "sk-test-key");
        var body = new { model = fixture.Model, messages = UserMessage, max_tokens = 2 };
        using (var anonymous = GatewayClusterFixture.NewHttpClient(gateway))
        {
            var (status, error, response) = await Send(anonymous, "v1/chat/completions", JsonContent.Create(body));
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("invalid_api_key", (string)error["code"]!);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("live")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("health")).StatusCode);
        }
        using (var wrong = GatewayClusterFixture.NewHttpClient(gateway, "sk-wrong"))
            Assert.Equal(HttpStatusCode.Unauthorized, (await Send(wrong, "v1/chat/completions", JsonContent.Create(body))).Status);
        var e = await Assert.ThrowsAsync<ClientResultException>(() => fixture.OpenAI(gateway, "sk-wrong").GetChatClient(fixture.Model).CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(401, e.Status);
        ChatCompletion ok = await fixture.OpenAI(gateway, "sk-test-key").GetChatClient(fixture.Model)
            .CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { MaxOutputTokenCount = 2 });
        Assert.Equal(2, ok.Usage.OutputTokenCount);
        // Off by default: the fixture's gateway takes any key or none.
        using var none = await fixture.Http.PostAsJsonAsync("v1/chat/completions", body);
        Assert.Equal(HttpStatusCode.OK, none.StatusCode);
    }
}
