using Dynamo.Orleans.Bench.Workloads;

namespace Dynamo.Orleans.Bench.Tests.Workloads;

public sealed class SessionScriptTests
{
    private static TrafficClass Class(int prefix = 0, int turns = 1, string input = "100", string output = "20") =>
        new("chat", new Arrival.Concurrency(4), LengthDistribution.Parse(input), LengthDistribution.Parse(output), Sessions: 10, SharedPrefixTokens: prefix, Turns: turns);

    [Fact]
    public void Prompts_have_exactly_the_drawn_length_and_ask_for_the_drawn_output()
    {
        var script = new SessionScript(Class(input: "uniform:50-60", output: "uniform:5-9"), seed: 1, PromptVocabulary.Gpt2);
        var requests = Enumerable.Range(0, 200).Select(s => Assert.Single(script.Session(s, warmup: false))).ToList();

        Assert.All(requests, r => Assert.InRange(r.Prompt.Length, 50, 60));
        Assert.All(requests, r => Assert.InRange(r.OutputTokens, 5, 9));
        Assert.All(requests, r => Assert.All(r.Prompt, id => Assert.InRange(id, PromptVocabulary.Gpt2.FirstId, PromptVocabulary.Gpt2.EndId - 1)));
        Assert.True(requests.Select(r => r.Prompt.Length).Distinct().Count() > 5);
    }

    [Fact]
    public void Every_prompt_of_a_class_starts_with_the_same_shared_prefix_and_differs_after_it()
    {
        var script = new SessionScript(Class(prefix: 64), seed: 2, PromptVocabulary.Gpt2);
        var a = script.Session(0, false)[0].Prompt;
        var b = script.Session(1, false)[0].Prompt;

        Assert.Equal(164, a.Length);
        Assert.Equal(script.SharedPrefix, a[..64]);
        Assert.Equal(script.SharedPrefix, b[..64]);
        Assert.NotEqual(a[64..], b[64..]);
    }

    [Fact]
    public void A_conversation_grows_by_each_answer_and_the_next_user_message_and_resends_its_history()
    {
        var script = new SessionScript(Class(prefix: 10, turns: 4, input: "30", output: "20"), seed: 3, PromptVocabulary.Gpt2);
        var turns = script.Session(7, warmup: false);

        Assert.Equal([0, 1, 2, 3], turns.Select(t => t.Turn));
        Assert.Equal([40, 90, 140, 190], turns.Select(t => t.Prompt.Length)); // prefix 10 + k·(30 in + 20 out) + 30
        for (int k = 1; k < turns.Count; k++) Assert.Equal(turns[k - 1].Prompt, turns[k].Prompt[..turns[k - 1].Prompt.Length]);
        Assert.Equal(190, Class(prefix: 10, turns: 4, input: "30", output: "20").MaxPromptTokens);
    }

    [Fact]
    public void Sessions_repeat_exactly_and_warm_up_never_repeats_a_measured_prompt()
    {
        var one = new SessionScript(Class(), seed: 4, PromptVocabulary.Gpt2);
        var two = new SessionScript(Class(), seed: 4, PromptVocabulary.Gpt2);

        Assert.Equal(one.Session(3, false)[0].Prompt, two.Session(3, false)[0].Prompt);
        Assert.NotEqual(one.Session(3, false)[0].Prompt, one.Session(3, true)[0].Prompt);
        Assert.True(one.Session(3, true)[0].Warmup);
    }
}
