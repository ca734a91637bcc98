namespace Dynamo.Orleans.Bench.Workloads;

/// <summary>
/// Writes the requests of one traffic class's sessions. Every prompt of the class starts with the same system prefix;
/// a conversation's turn k sends the prefix, every earlier user message and answer, and a new user message — so the
/// prompt grows turn by turn and its start is the previous turn's whole context, as a chat client resends it. Answers are
/// stood in for by as many drawn tokens as the turn produced (token ids are not streamed back, and the prefix-cache
/// behaviour depends on the lengths, not on which ids).
/// </summary>
public sealed class SessionScript
{
    private readonly TrafficClass _class;
    private readonly int _seed;
    private readonly PromptVocabulary _vocabulary;

    public SessionScript(TrafficClass trafficClass, int seed, PromptVocabulary vocabulary)
    {
        _class = trafficClass;
        _seed = seed;
        _vocabulary = vocabulary;
        SharedPrefix = vocabulary.Draw(new Random(seed), trafficClass.SharedPrefixTokens);
    }

    public int[] SharedPrefix { get; }

    /// <summary>The turns of session <paramref name="session"/>; the same session number always gives the same requests.</summary>
    public IReadOnlyList<PlannedRequest> Session(int session, bool warmup)
    {
        // Warm-up sessions draw from their own numbers so that they never repeat (and so prefix-cache) a measured prompt.
        var random = new Random(unchecked(_seed * 1_000_003 + session * 7_919 + (warmup ? 104_729 : 0)) & int.MaxValue);
        // (Not HashCode.Combine: it is salted per process, and runs must repeat.)
        var context = new List<int>(SharedPrefix);
        var turns = new List<PlannedRequest>(_class.Turns);
        for (int turn = 0; turn < _class.Turns; turn++)
        {
            context.AddRange(_vocabulary.Draw(random, _class.Input.Sample(random)));
            int output = _class.Output.Sample(random);
            turns.Add(new PlannedRequest(_class.Name, session, turn, warmup, context.ToArray(), output));
            context.AddRange(_vocabulary.Draw(random, output));
        }
        return turns;
    }
}
