using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vellum.Journal.Format;

/// <summary>
/// Multiplies a CRC32C register by x^(8n) mod P, the effect of n zero bytes, from a table
/// of x^(8 * b * 256^d) for each byte value b of each byte d of n: at most four products.
/// Polynomials are in the CRC's bit-reflected form (x^k at bit 31 − k).
/// </summary>
internal static class ZeroBytePowers
{
    private const uint One = 1u << 31;
    private const uint XPower1 = 1u << 30;
    private const uint XPower8 = 1u << 23;
    private const uint Polynomial = 0x82F63B78;

    // With PCLMULQDQ a product is one carry-less multiply reduced by the CRC32 instruction,
    // which multiplies by x^33 on the way; the table entries carry x^-33 to cancel it.
    private static readonly bool Fast = Pclmulqdq.IsSupported;
    private static readonly uint[] Table = Build();

    public static uint MultiplyBy(uint state, int entry)
    {
        var power = Table[entry];
        if (!Fast)
            return Multiply(state, power);
        var product = Pclmulqdq.CarrylessMultiply(Vector128.CreateScalar((ulong)state), Vector128.CreateScalar((ulong)power), 0);
        return BitOperations.Crc32C(0u, product.ToScalar());
    }

    private static uint[] Build()
    {
        var table = new uint[4 * 256];
        var step = XPower8;
        for (var digit = 0; digit < 4; digit++)
        {
            table[digit * 256] = One;
            for (var b = 1; b < 256; b++)
                table[digit * 256 + b] = Multiply(table[digit * 256 + b - 1], step);
            // The next digit's step is this digit's step to the 256th power.
            step = Multiply(table[digit * 256 + 255], step);
        }
        if (Fast)
        {
            var scale = Power(XInverse(), 33);
            for (var i = 0; i < table.Length; i++)
                table[i] = Multiply(table[i], scale);
        }
        return table;
    }

    /// <summary>x^-1 mod P: P = x·Q + 1, so x·Q ≡ 1.</summary>
    private static uint XInverse()
    {
        var inverse = ((Polynomial & ~One) << 1) | 1;
        if (Multiply(inverse, XPower1) != One)
            throw new InvalidOperationException("x^-1 mod P does not check out");
        return inverse;
    }

    private static uint Power(uint value, int exponent)
    {
        var result = One;
        for (var i = 0; i < exponent; i++)
            result = Multiply(result, value);
        return result;
    }

    /// <summary>Bitwise product modulo P, for building the table and where PCLMULQDQ is missing.</summary>
    private static uint Multiply(uint a, uint b)
    {
        uint product = 0;
        for (var m = One; m != 0; m >>= 1)
        {
            if ((a & m) != 0)
                product ^= b;
            b = (b & 1) != 0 ? (b >> 1) ^ Polynomial : b >> 1;
        }
        return product;
    }
}
