using Caravan.ServiceDefaults.Data;

namespace Caravan.Payments.Charges;

/// <summary>The amounts the simulated provider accepts: positive, whole cents, at most <see cref="MaxAmount"/>.</summary>
internal static class ChargeAmount
{
    /// <summary>The largest amount the simulated provider accepts: far below what a BIGINT of cents can hold.</summary>
    public const decimal MaxAmount = 1_000_000_000m;

    /// <summary>Converts a chargeable amount to cents; returns why it cannot be charged (not positive, not whole cents, too large), or null.</summary>
    public static string? ToCents(decimal amount, out long cents)
    {
        cents = 0;
        var problem = amount switch
        {
            <= 0 => "amount must be positive",
            > MaxAmount => "amount must be at most 1000000000.00",
            _ when !Money.HasAtMostTwoDecimals(amount) => "amount must be a whole number of cents",
            _ => null,
        };
        if (problem is null)
        {
            cents = Money.ToCents(amount);
        }

        return problem;
    }
}
