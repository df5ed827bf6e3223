using System.Globalization;

namespace Caravan.Shipping.Storage;

/// <summary>Timestamps are stored as round-trip UTC text, which also sorts in time order.</summary>
internal static class Timestamps
{
    public static string ToText(DateTimeOffset value) => value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    public static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
