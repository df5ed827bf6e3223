using System.Globalization;
using Caravan.ServiceDefaults.Paging;
using Caravan.ServiceDefaults.Problems;

namespace Caravan.Payments.Api;

/// <summary>
/// Reads query-string values by hand, so that a malformed one becomes a 400 naming its field
/// (framework binding would fail the whole request with a generic message). Empty means absent.
/// </summary>
internal static class QueryValues
{
    public static Guid? Guid(string? value, string field, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return errors.Check(System.Guid.TryParse(value, out var parsed), field, $"'{field}' must be a GUID.") ? parsed : null;
    }

    public static TEnum? Enum<TEnum>(string? value, string field, FieldErrors errors)
        where TEnum : struct, Enum
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        // Names only: Enum.TryParse would also accept numbers such as "7".
        var name = System.Enum.GetNames<TEnum>().FirstOrDefault(name => string.Equals(name, value, StringComparison.OrdinalIgnoreCase));
        errors.Check(name is not null, field, $"'{field}' must be one of: {string.Join(", ", System.Enum.GetNames<TEnum>())}.");
        return name is null ? null : System.Enum.Parse<TEnum>(name);
    }

    public static PageRequest Page(string? page, string? limit, FieldErrors errors) =>
        PageRequest.Parse(Int(page, "page", errors), Int(limit, "limit", errors), errors);

    private static int? Int(string? value, string field, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        var valid = int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed);
        errors.Check(valid, field, $"'{field}' must be a whole number.");
        return valid ? parsed : null;
    }
}
