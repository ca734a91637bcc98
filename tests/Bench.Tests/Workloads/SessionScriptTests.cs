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
    public void Every_session_has_its_own_system_prompt_which_repeats_for_the_same_seed_and_every_turn_resends()
    {
        var chat = Class(turns: 3, input: "20", output: "8") with { SystemPrompt = LengthDistribution.Parse("uniform:40-60") };
        var script = new SessionScript(chat, seed: 5, PromptVocabulary.Gpt2);
        var again = new SessionScript(chat, seed: 5, PromptVocabulary.Gpt2);
        var otherSeed = new SessionScript(chat, seed: 6, PromptVocabulary.Gpt2);

        var prompts = Enumerable.Range(0, 8).Select(s => script.SystemPrompt(s, warmup: false)).ToList();
        Assert.All(prompts, p => Assert.InRange(p.Length, 40, 60));
        Assert.Equal(8, prompts.Select(p => string.Join(',', p)).Distinct().Count());
        Assert.Equal(prompts[3], again.SystemPrompt(3, warmup: false));
        Assert.NotEqual(prompts[3], otherSeed.SystemPrompt(3, warmup: false));
        Assert.NotEqual(prompts[3], script.SystemPrompt(3, warmup: true));
        var turns = script.Session(3, warmup: false);
        Assert.All(turns, t => Assert.Equal(prompts[3], t.Prompt[..prompts[3].Length]));
        Assert.Equal(prompts[3].Length + 20, turns[0].Prompt.Length);
        Assert.Equal(60 + 3 * 20 + 2 * 8, chat.MaxPromptTokens);
    }

    [Fact]
    public void Consecutive_sessions_draw_independent_lengths_and_pauses()
    {
        // System.Random seeded with nearby numbers starts alike: sessions 0, 1, 2… once got system prompts 25 tokens
        // apart and first pauses 0.35 s apart, in session order.
        var chat = Class(turns: 2) with { SystemPrompt = LengthDistribution.Parse("uniform:256-512"), Think = ThinkTime.Parse("4000-8000") };
        var script = new SessionScript(chat, seed: 1, PromptVocabulary.Gpt2);
        var lengths = Enumerable.Range(0, 8).Select(s => script.SystemPrompt(s, false).Length).ToList();
        var pauses = Enumerable.Range(0, 8).Select(s => script.Session(s, false)[0].ThinkBefore.TotalMilliseconds).ToList();

        Assert.True(lengths.Zip(lengths.Skip(1), (a, b) => b - a).Distinct().Count() > 3, string.Join(", ", lengths));
        Assert.True(pauses.Zip(pauses.Skip(1), (a, b) => Math.Round(b - a)).Distinct().Count() > 3, string.Join(", ", pauses));
        Assert.False(lengths.SequenceEqual(lengths.Order()), string.Join(", ", lengths));
    }

    [Fact]
    public void A_system_prompt_leaves_the_turns_that_follow_it_as_they_were()
    {
        var plain = new SessionScript(Class(turns: 2), seed: 7, PromptVocabulary.Gpt2).Session(2, false);
        var script = new SessionScript(Class(turns: 2) with { SystemPrompt = new LengthDistribution.Fixed(32) }, seed: 7, PromptVocabulary.Gpt2);
        var withSystem = script.Session(2, false);

        Assert.Equal(plain[1].Prompt, withSystem[1].Prompt[32..]);
        Assert.Empty(new SessionScript(Class(), seed: 7, PromptVocabulary.Gpt2).SystemPrompt(2, false));
    }

    [Fact]
    public void Think_time_comes_before_every_measured_turn_within_its_range_repeats_and_spreads_the_users_starts()
    {
        var chat = Class(turns: 4) with { Think = ThinkTime.Parse("200-400") };
        var script = new SessionScript(chat, seed: 8, PromptVocabulary.Gpt2);
        var one = script.Session(1, false);
        var two = new SessionScript(chat, seed: 8, PromptVocabulary.Gpt2).Session(1, false);

        Assert.All(one, t => Assert.InRange(t.ThinkBefore, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400)));
        Assert.Equal(one.Select(t => t.ThinkBefore), two.Select(t => t.ThinkBefore));
        Assert.True(Enumerable.Range(0, 8).Select(s => script.Session(s, false)[0].ThinkBefore).Distinct().Count() > 4);
        Assert.All(script.Session(1, warmup: true), t => Assert.Equal(TimeSpan.Zero, t.ThinkBefore));
        Assert.All(new SessionScript(Class(turns: 3), seed: 8, PromptVocabulary.Gpt2).Session(1, false), t => Assert.Equal(TimeSpan.Zero, t.ThinkBefore));
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
