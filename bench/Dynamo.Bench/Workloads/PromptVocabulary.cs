namespace Dynamo.Orleans.Bench.Workloads;

/// <summary>
/// Which token ids a synthetic prompt draws from. Prompts are sent as token-id arrays so that their lengths are exact;
/// the range stays clear of byte tokens and of the special tokens at the top of the GPT-2 vocabulary (50256 is EOS).
/// </summary>
public sealed record PromptVocabulary(int FirstId, int EndId)
{
    /// <summary>GPT-2's ordinary merged tokens: the synthetic benchmark models use its tokenizer (vocabulary 50,304).</summary>
    public static PromptVocabulary Gpt2 { get; } = new(256, 50000);

    public int[] Draw(Random random, int count)
    {
        var ids = new int[count];
        for (int i = 0; i < count; i++) ids[i] = random.Next(FirstId, EndId);
        return ids;
    }
}
