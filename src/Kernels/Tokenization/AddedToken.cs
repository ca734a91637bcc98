namespace Dynamo.Orleans.Kernels.Tokenization;

/// <summary>
/// A token matched whole in the raw text before subword splitting, as Hugging Face's <c>added_tokens</c>.
/// <see cref="LStrip"/>/<see cref="RStrip"/> let the match swallow the whitespace beside it.
/// </summary>
internal sealed record AddedToken(int Id, string Content, bool Special, bool LStrip = false, bool RStrip = false);
