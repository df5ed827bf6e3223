using System.Globalization;

namespace Caravan.ServiceDefaults.Data;

/// <summary>
/// Timestamps are stored as round-trip UTC text (<c>2025-01-31T12:00:00.0000000Z</c>), which also sorts
/// in time order and reads the same on SQLite and PostgreSQL TEXT columns.
/// </summary>
public static class Timestamps
{
    /// <summary>The stored text of <paramref name="value"/>, converted to UTC.</summary>
    public static string ToText(DateTimeOffset value) => value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>Reads text written by <see cref="ToText"/>; a value without an offset is taken as UTC.</summary>
    public static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
