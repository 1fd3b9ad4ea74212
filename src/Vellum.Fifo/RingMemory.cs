using System.Runtime.InteropServices;

namespace Vellum.Fifo;

/// <summary>
/// The ring's bytes: process memory, or the mapped data area of a <see cref="RingFile"/>
/// when what was written must survive the process (a journaled mount's write-ahead).
/// </summary>
internal sealed unsafe class RingMemory : IDisposable
{
    private readonly RingFile? _file;
    private byte* _pointer;

    private RingMemory(byte* pointer, int length, RingFile? file)
    {
        _pointer = pointer;
        Length = length;
        _file = file;
    }

    public int Length { get; }

    public static RingMemory Allocate(int length) =>
        new((byte*)NativeMemory.AlignedAlloc((nuint)length, 64), length, null);

    public static RingMemory Over(RingFile file) => new(file.Data, file.RingSize, file);

    public ref byte this[int offset] => ref _pointer[offset];

    public Span<byte> AsSpan(int offset, int length) => new(_pointer + offset, length);

    public Span<byte> AsSpan(int offset) => new(_pointer + offset, Length - offset);

    public void Dispose()
    {
        if (_pointer is null)
            return;
        if (_file is null)
            NativeMemory.AlignedFree(_pointer);
        _pointer = null;
    }
}
