namespace Caravan.Payments.Storage;

/// <summary>Money is stored as whole cents (BIGINT) and shown as a decimal with two places.</summary>
internal static class Money
{
    /// <summary>The largest amount the simulated provider accepts: far below what a BIGINT of cents can hold.</summary>
    public const decimal MaxAmount = 1_000_000_000m;

    /// <summary>Converts a positive amount to cents; returns why it cannot be charged (not positive, not whole cents, too large), or null.</summary>
    public static string? ToCents(decimal amount, out long cents)
    {
        cents = 0;
        var problem = amount switch
        {
            <= 0 => "amount must be positive",
            > MaxAmount => "amount must be at most 1000000000.00",
            _ when decimal.Round(amount, 2) != amount => "amount must be a whole number of cents",
            _ => null,
        };
        if (problem is null)
        {
            cents = (long)(amount * 100);
        }

        return problem;
    }

    /// <summary>Cents as a decimal with exactly two decimal places (so JSON shows 12.50, not 12.5).</summary>
    public static decimal FromCents(long cents)
    {
        var magnitude = cents < 0 ? (ulong)-cents : (ulong)cents;
        return new decimal((int)(uint)magnitude, (int)(uint)(magnitude >> 32), 0, cents < 0, 2);
    }
}
