using Dynamo.Orleans.Gateway.Protocol;

namespace Dynamo.Orleans.Gateway.Serving;

/// <summary>The part of a request's translation both endpoints share: the common refusals, then sampling and stop rules.</summary>
internal static class GenerationRequestTranslation
{
    /// <param name="maxTokens">The endpoint's choice among its max-tokens fields; null leaves the engine's default.</param>
    public static GenerateRequest TranslateCommonFields(this GenerationRequest r, int? maxTokens)
    {
        ParameterRules.RequireSingleChoice(r.N);
        ParameterRules.RejectPenalty("frequency_penalty", r.FrequencyPenalty);
        ParameterRules.RejectPenalty("presence_penalty", r.PresencePenalty);
        ParameterRules.RejectLogitBias(r.LogitBias);
        ParameterRules.RequireStreamForStreamOptions(r.Stream, r.StreamOptions);
        return new GenerateRequest
        {
            Model = r.Model,
            MaxTokens = maxTokens,
            Temperature = r.Temperature,
            TopP = r.TopP,
            TopK = ParameterRules.TopK(r.TopK),
            Seed = ParameterRules.Seed(r.Seed),
            Stop = r.Stop ?? [],
            StopTokenIds = r.StopTokenIds ?? [],
            IgnoreEos = r.IgnoreEos ?? false,
        };
    }
}
