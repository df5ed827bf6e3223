namespace Caravan.ServiceDefaults.Data;

/// <summary>
/// Money is stored as whole cents (BIGINT/INTEGER) and shown by the API as a decimal with exactly two
/// places. Range checks (the largest price or charge) belong to the service that owns the amount.
/// </summary>
public static class Money
{
    /// <summary>True when <paramref name="amount"/> is a whole number of cents (at most two decimal places).</summary>
    public static bool HasAtMostTwoDecimals(decimal amount) => decimal.Round(amount, 2) == amount;

    /// <summary>
    /// Converts an amount to cents, rounding half away from zero (exact for an amount that
    /// <see cref="HasAtMostTwoDecimals"/>); throws <see cref="OverflowException"/> beyond the range of a long.
    /// </summary>
    public static long ToCents(decimal amount) => decimal.ToInt64(decimal.Round(amount * 100m, MidpointRounding.AwayFromZero));

    /// <summary>Cents as a decimal with exactly two decimal places, so that 1250 cents serialises as 12.50, not 12.5.</summary>
    public static decimal FromCents(long cents)
    {
        // The magnitude of long.MinValue does not fit a long, but it does fit a ulong.
        var magnitude = cents < 0 ? unchecked(0UL - (ulong)cents) : (ulong)cents;
        return new decimal(unchecked((int)(uint)magnitude), unchecked((int)(uint)(magnitude >> 32)), 0, cents < 0, 2);
    }
}
