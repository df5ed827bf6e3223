namespace Caravan.Inventory.Storage;

/// <summary>Prices are stored as whole cents and shown as decimals with exactly two places.</summary>
internal static class Money
{
    /// <summary>The highest price a product may have; keeps every cents value far from overflow.</summary>
    public const decimal MaxPrice = 1_000_000m;

    public static bool HasAtMostTwoDecimals(decimal amount) => decimal.Truncate(amount * 100m) == amount * 100m;

    /// <summary>Converts a validated amount (at most two decimals, within <see cref="MaxPrice"/>).</summary>
    public static long ToCents(decimal amount) => (long)(amount * 100m);

    /// <summary>Builds the decimal with scale 2, so that 1250 cents serialises as 12.50, not 12.5.</summary>
    public static decimal FromCents(long cents)
    {
        var magnitude = (ulong)Math.Abs(cents);
        return new decimal(unchecked((int)(uint)magnitude), unchecked((int)(uint)(magnitude >> 32)), 0, cents < 0, 2);
    }
}
