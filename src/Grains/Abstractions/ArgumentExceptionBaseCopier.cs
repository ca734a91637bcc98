using Orleans.Serialization.Cloning;
using Orleans.Serialization.Serializers;

namespace Dynamo.Orleans;

/// <summary>
/// Lets Orleans deep-copy <see cref="RequestValidationException"/>. A call whose caller shares the grain's silo copies its
/// result instead of serializing it, and the generated copier of an exception first copies its base type: Orleans ships
/// a base copier for <see cref="Exception"/> but none for <see cref="ArgumentException"/>, so the copy threw and the
/// caller got an internal error in place of the validation error. The base's own state is <see cref="Exception"/>'s.
/// </summary>
[RegisterCopier]
public sealed class ArgumentExceptionBaseCopier(ICodecProvider codecs) : IBaseCopier<ArgumentException>
{
    private readonly IBaseCopier<Exception> exception = codecs.GetBaseCopier<Exception>();

    public void DeepCopy(ArgumentException input, ArgumentException output, CopyContext context) => exception.DeepCopy(input, output, context);
}
