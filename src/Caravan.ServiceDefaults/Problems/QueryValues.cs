namespace Caravan.ServiceDefaults.Problems;

/// <summary>
/// Reads optional query-string values by hand, so that a malformed one becomes a 400 naming its field
/// (framework binding would fail the whole request with a generic message). Empty means absent.
/// For <c>page</c> and <c>limit</c> use <see cref="Paging.PageRequest.Parse(string?, string?, FieldErrors)"/>.
/// </summary>
public static class QueryValues
{
    /// <summary>The GUID in <paramref name="value"/>, or null when it is absent or malformed (then an error names <paramref name="field"/>).</summary>
    public static Guid? ReadGuid(string? value, string field, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return errors.Check(Guid.TryParse(value, out var parsed), field, $"'{field}' must be a GUID.") ? parsed : null;
    }

    /// <summary>
    /// The member of <typeparamref name="TEnum"/> named by <paramref name="value"/> (ignoring case), or null
    /// when it is absent or names no member (then an error names <paramref name="field"/> and lists the names).
    /// </summary>
    public static TEnum? ReadEnum<TEnum>(string? value, string field, FieldErrors errors)
        where TEnum : struct, Enum
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        // Names only: Enum.TryParse would also accept numbers such as "7".
        var name = Enum.GetNames<TEnum>().FirstOrDefault(name => string.Equals(name, value, StringComparison.OrdinalIgnoreCase));
        errors.Check(name is not null, field, $"'{field}' must be one of: {string.Join(", ", Enum.GetNames<TEnum>())}.");
        return name is null ? null : Enum.Parse<TEnum>(name);
    }
}
