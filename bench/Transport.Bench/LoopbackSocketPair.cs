using System.Net;
using System.Net.Sockets;

namespace Dynamo.Orleans.Transport.Bench;

/// <summary>The baseline the TCP transport is judged against: two connected loopback sockets moving plain bytes.</summary>
internal sealed class LoopbackSocketPair : IDisposable
{
    private readonly Socket _sender;
    private readonly Socket _receiver;

    private LoopbackSocketPair(Socket sender, Socket receiver)
    {
        _sender = sender;
        _receiver = receiver;
    }

    public static async Task<LoopbackSocketPair> ConnectAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var sender = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accepting = listener.AcceptAsync();
        await sender.ConnectAsync(listener.LocalEndPoint!);
        var receiver = await accepting;
        receiver.NoDelay = true;
        return new LoopbackSocketPair(sender, receiver);
    }

    /// <summary>Sends <paramref name="source"/> and receives it into <paramref name="destination"/>, both in chunks of <paramref name="chunkBytes"/>.</summary>
    public async Task TransferAsync(ReadOnlyMemory<byte> source, Memory<byte> destination, int chunkBytes)
    {
        var sending = Task.Run(async () =>
        {
            for (int offset = 0; offset < source.Length;)
                offset += await _sender.SendAsync(source.Slice(offset, Math.Min(chunkBytes, source.Length - offset)), SocketFlags.None);
        });
        for (int received = 0; received < destination.Length;)
            received += await _receiver.ReceiveAsync(destination.Slice(received, Math.Min(chunkBytes, destination.Length - received)), SocketFlags.None);
        await sending;
    }

    public void Dispose()
    {
        _sender.Dispose();
        _receiver.Dispose();
    }
}
