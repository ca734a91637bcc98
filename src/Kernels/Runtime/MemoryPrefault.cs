using System.Runtime.InteropServices;

namespace Dynamo.Orleans.Kernels.Runtime;

/// <summary>
/// Asks Linux to populate a range of pages in one system call (madvise MADV_POPULATE_READ/WRITE, kernel 5.14+)
/// instead of taking one page fault per 4 KiB page later: on tmpfs the faults, not the copy, dominated a shared-memory
/// transfer. Where the call is unsupported the copy faults as before.
/// </summary>
public static partial class MemoryPrefault
{
    private const int PopulateRead = 22;
    private const int PopulateWrite = 23;
    private static readonly nint PageSize = Environment.SystemPageSize;
    private static bool _unsupported = !OperatingSystem.IsLinux();

    public static unsafe void ForRead(byte* start, long length) => Populate(start, length, PopulateRead);

    public static unsafe void ForWrite(byte* start, long length) => Populate(start, length, PopulateWrite);

    private static unsafe void Populate(byte* start, long length, int advice)
    {
        if (_unsupported || length <= 0) return;
        // madvise wants a page-aligned start; the pages it covers around the range belong to the same mapping.
        nint begin = (nint)start & ~(PageSize - 1);
        nint end = (nint)(start + length);
        if (madvise(begin, (nuint)(end - begin), advice) != 0 && Marshal.GetLastPInvokeError() is 22 or 38) // EINVAL, ENOSYS: old kernel
            _unsupported = true;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(nint address, nuint length, int advice);
}
