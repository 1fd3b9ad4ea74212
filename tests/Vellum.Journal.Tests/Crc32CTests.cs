using System.Diagnostics;
using System.Runtime.Intrinsics.X86;
using Vellum.Journal.Format;

namespace Vellum.Journal.Tests;

public class Crc32CTests
{
    [Fact]
    public void The_check_value_of_123456789_is_E3069283()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
    }

    [Fact]
    public void The_crc_of_nothing_is_zero()
    {
        Assert.Equal(0u, Crc32C.Compute([]));
    }

    [Fact]
    public void Every_length_up_to_10000_at_every_alignment_matches_a_bitwise_reference()
    {
        var rng = new Random(1);
        var buffer = new byte[10_008];
        rng.NextBytes(buffer);
        for (var start = 0; start < 8; start++)
        {
            var data = buffer.AsSpan(start, 10_000);
            // One pass of the bitwise reference yields the CRC of every prefix.
            var state = 0xFFFFFFFFu;
            Assert.Equal(~state, Crc32C.Compute(data[..0]));
            for (var length = 1; length <= data.Length; length++)
            {
                state = BitwiseUpdate(state, data[length - 1]);
                var actual = Crc32C.Compute(data[..length]);
                if (actual != ~state)
                    Assert.Fail($"length {length} at offset {start}: expected 0x{~state:X8}, got 0x{actual:X8}");
            }
        }
    }

    /// <summary>
    /// Where the CPU has 512-bit VPCLMULQDQ, large buffers never reach the three-lane path in
    /// this process; a child process with AVX-512 turned off checks that path too.
    /// </summary>
    [Fact]
    public void The_three_lane_path_used_without_AVX_512_matches_a_bitwise_reference()
    {
        var start = new ProcessStartInfo(DotnetHost(), ["exec", typeof(Crc32CTests).Assembly.Location, Program.Crc32CCheck])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_EnableAVX512"] = "0";

        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();

        Assert.True(child.ExitCode == 0, output);
        Assert.Contains("512-bit folding: False", output);
    }

    /// <summary>Run by <see cref="Program"/> in the child: 0 when every length matches the reference.</summary>
    internal static int ChildCheck()
    {
        Console.WriteLine($"512-bit folding: {Pclmulqdq.V512.IsSupported}");
        var rng = new Random(4);
        var data = new byte[3 * 1024 * 1024 + 77];
        rng.NextBytes(data);
        var state = 0xFFFFFFFFu;
        for (var length = 1; length <= data.Length; length++)
        {
            state = BitwiseUpdate(state, data[length - 1]);
            if ((length <= 6000 || length % 4099 == 0 || length == data.Length) && Crc32C.Compute(data.AsSpan(0, length)) != ~state)
            {
                Console.WriteLine($"length {length}: expected 0x{~state:X8}, got 0x{Crc32C.Compute(data.AsSpan(0, length)):X8}");
                return 1;
            }
        }
        return 0;
    }

    [Fact]
    public void Buffers_of_a_few_mebibytes_match_a_bitwise_reference()
    {
        var rng = new Random(2);
        foreach (var length in new[] { 3 * 1024 * 1024, 3 * 1024 * 1024 + 1531, 4 * 1024 * 1024 - 7 })
        {
            var data = new byte[length];
            rng.NextBytes(data);
            Assert.Equal(Bitwise(data), Crc32C.Compute(data));
        }
    }

    [Fact]
    public void Appending_split_buffers_equals_computing_in_one_go()
    {
        var rng = new Random(3);
        for (var round = 0; round < 300; round++)
        {
            var data = new byte[rng.Next(round < 200 ? 5000 : 200_000)];
            rng.NextBytes(data);
            var crc = 0u;
            for (var at = 0; at < data.Length;)
            {
                var piece = Math.Min(data.Length - at, rng.Next(4) == 0 ? rng.Next(10) : rng.Next(4000));
                crc = Crc32C.Append(crc, data.AsSpan(at, piece));
                at += piece;
            }
            Assert.Equal(Crc32C.Compute(data), crc);
        }
    }

    [Fact]
    public void Copying_while_checksumming_copies_every_byte_and_continues_the_register()
    {
        var rng = new Random(5);
        foreach (var length in new[] { 0, 1, 255, 256, 257, 1000, 4096, 65_537, 1 << 20 })
        {
            var source = new byte[length];
            rng.NextBytes(source);
            var destination = new byte[length + 32];
            rng.NextBytes(destination);
            var guard = destination[length..].ToArray();
            var prefix = new byte[rng.Next(100)];
            rng.NextBytes(prefix);
            var start = Crc32C.Update(~0u, prefix);

            var state = Crc32C.CopyAndUpdate(start, source, destination);

            Assert.Equal(source, destination[..length]);
            Assert.Equal(guard, destination[length..]);
            Assert.Equal(Bitwise([.. prefix, .. source]), ~state);
        }
    }

    [Fact]
    public void Shifting_joins_the_registers_of_pieces_checksummed_apart()
    {
        var rng = new Random(6);
        for (var round = 0; round < 200; round++)
        {
            var data = new byte[round < 150 ? rng.Next(3000) : rng.Next(300_000)];
            rng.NextBytes(data);
            var cut = rng.Next(data.Length + 1);
            var head = Crc32C.Update(~0u, data.AsSpan(0, cut));
            var tail = Crc32C.Update(0u, data.AsSpan(cut));

            Assert.Equal(Crc32C.Compute(data), ~(Crc32C.Shift(head, data.Length - cut) ^ tail));
        }
    }

    [Fact]
    public void Shifting_by_a_count_of_zero_bytes_equals_feeding_them()
    {
        var zeros = new byte[70_000];
        foreach (var count in new[] { 0, 1, 7, 255, 256, 257, 65_535, 65_536, 69_999 })
            Assert.Equal(Crc32C.Update(0x1234_5678, zeros.AsSpan(0, count)), Crc32C.Shift(0x1234_5678, count));
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";

    private static uint Bitwise(ReadOnlySpan<byte> data)
    {
        var state = 0xFFFFFFFFu;
        foreach (var b in data)
            state = BitwiseUpdate(state, b);
        return ~state;
    }

    private static uint BitwiseUpdate(uint state, byte value)
    {
        state ^= value;
        for (var bit = 0; bit < 8; bit++)
            state = (state & 1) != 0 ? (state >> 1) ^ 0x82F63B78u : state >> 1;
        return state;
    }
}
