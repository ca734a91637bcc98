namespace Dynamo.Orleans.Bench.Workloads;

/// <summary>
/// Writes the requests of one traffic class's sessions. Every prompt of the class starts with the same shared prefix,
/// then (if the class has one) the session's own system prompt — each user of a chat service has their own instructions
/// and history, so only the worker that served them before holds their context; a conversation's turn k sends both,
/// every earlier user message and answer, and a new user message — so the prompt grows turn by turn and its start is the
/// previous turn's whole context, as a chat client resends it. Answers are stood in for by as many drawn tokens as the
/// turn produced (token ids are not streamed back, and the prefix-cache behaviour depends on the lengths, not on which
/// ids). Before every turn, the first included, the user thinks for a drawn time: users of a closed loop then start spread
/// over a think time rather than all in the same instant, and stay spread. Warm-up sessions never think: they only get
/// the server past its first calls.
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

    /// <summary>
    /// The system prompt of session <paramref name="session"/> (empty when the class has none): the same for the same seed
    /// and session, different for every other session, and warm-up sessions have their own (a warm-up must not put a
    /// measured user's context into a cache).
    /// </summary>
    public int[] SystemPrompt(int session, bool warmup)
    {
        if (_class.SystemPrompt is not { } length) return [];
        // Its own random stream: the turns' prompts do not change when a system prompt is added or resized.
        var random = SessionRandom(session, warmup, 1);
        return _vocabulary.Draw(random, length.Sample(random));
    }

    /// <summary>The turns of session <paramref name="session"/>; the same session number always gives the same requests.</summary>
    public IReadOnlyList<PlannedRequest> Session(int session, bool warmup)
    {
        // Warm-up sessions draw from their own generator so that they never repeat (and so prefix-cache) a measured prompt.
        var random = SessionRandom(session, warmup, 0);
        // Think times from a third stream, for the same reason as the system prompt's.
        var thinking = SessionRandom(session, warmup, 2);
        var think = _class.Think ?? ThinkTime.None;
        var context = new List<int>(SharedPrefix);
        context.AddRange(SystemPrompt(session, warmup));
        var turns = new List<PlannedRequest>(_class.Turns);
        for (int turn = 0; turn < _class.Turns; turn++)
        {
            context.AddRange(_vocabulary.Draw(random, _class.Input.Sample(random)));
            int output = _class.Output.Sample(random);
            var pause = warmup || think.IsNone ? TimeSpan.Zero : think.Draw(thinking);
            turns.Add(new PlannedRequest(_class.Name, session, turn, warmup, context.ToArray(), output, pause));
            context.AddRange(_vocabulary.Draw(random, output));
        }
        return turns;
    }

    /// <summary>
    /// A generator of its own for each seed, session, warm-up or not, and stream, seeded through SplitMix64's finaliser:
    /// System.Random seeded with nearby numbers gives nearly the same first draws, which made the first lengths and
    /// pauses of consecutive sessions an arithmetic progression. (Not HashCode.Combine: it is salted per process, and runs must repeat.)
    /// </summary>
    private Random SessionRandom(int session, bool warmup, int stream)
    {
        ulong x = Mix((uint)_seed);
        x = Mix(x ^ (uint)session);
        x = Mix(x ^ ((ulong)(uint)stream << 1) ^ (warmup ? 1UL : 0UL));
        return new Random((int)(x & int.MaxValue));
    }

    private static ulong Mix(ulong z)
    {
        unchecked
        {
            z += 0x9E3779B97F4A7C15;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            return z ^ (z >> 31);
        }
    }
}
