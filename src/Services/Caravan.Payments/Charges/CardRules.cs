namespace Caravan.Payments.Charges;

/// <summary>The simulated provider's card rules, and how little of a card number is ever kept.</summary>
internal static class CardRules
{
    public const string DeclinedReason = "card declined";

    /// <summary>The test card number that the provider always declines.</summary>
    public const string DeclinedCardNumber = "4000000000000002";

    /// <summary>Why a card is refused, or null when it may be charged.</summary>
    public static string? Refusal(string? cardNumber)
    {
        if (string.IsNullOrWhiteSpace(cardNumber))
        {
            return "card number is required";
        }

        var trimmed = cardNumber.Trim();
        return string.Equals(trimmed, "invalid", StringComparison.OrdinalIgnoreCase) || Digits(trimmed) == DeclinedCardNumber
            ? DeclinedReason
            : null;
    }

    /// <summary>The last four digits of the card number, or null when it has fewer than four; the full number is never stored.</summary>
    public static string? LastFour(string? cardNumber)
    {
        var digits = Digits(cardNumber ?? string.Empty);
        return digits.Length >= 4 ? digits[^4..] : null;
    }

    private static string Digits(string cardNumber) => string.Concat(cardNumber.Where(char.IsAsciiDigit));
}
