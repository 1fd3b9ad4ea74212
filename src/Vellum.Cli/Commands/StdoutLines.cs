using System.Buffers;
using System.Text;

namespace Vellum.Cli.Commands;

/// <summary>Lines on stdout, buffered; a closed stdout (a pipe whose reader left) ends the output quietly (<see cref="Closed"/>).</summary>
internal sealed class StdoutLines
{
    private readonly Stream _stdout = new BufferedStream(Console.OpenStandardOutput(), 1 << 16);

    public bool Closed { get; private set; }

    /// <summary>Writes <paramref name="line"/> and a newline.</summary>
    public void Write(ReadOnlySpan<byte> line)
    {
        if (Closed)
            return;
        try
        {
            _stdout.Write(line);
            _stdout.WriteByte((byte)'\n');
        }
        catch (IOException)
        {
            Closed = true;
        }
    }

    /// <summary>Writes <paramref name="line"/> as UTF-8 and a newline.</summary>
    public void Write(string line)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(line.Length));
        try
        {
            Write(bytes.AsSpan(0, Encoding.UTF8.GetBytes(line, bytes)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Flushes what is buffered and returns <paramref name="exitCode"/>.</summary>
    public int Finish(int exitCode)
    {
        if (Closed)
            return exitCode;
        try
        {
            _stdout.Flush();
        }
        catch (IOException)
        {
            Closed = true;
        }
        return exitCode;
    }
}
