namespace Caravan.ServiceDefaults.Problems;

/// <summary>
/// Reads optional query-string values by hand, so that a malformed one becomes a 400 naming its field
/// (framework binding would fail the whole request with a generic message). Empty means absent.
/// For <c>page</c> and <c>limit</c> use <see cref="Paging.PageRequest.Parse(string?, string?, FieldErrors)"/>.
/// </summary>
public static class QueryValues
{
    /// <summary>How many values a repeatable filter (<see cref="ReadGuids"/>) accepts by default.</summary>
    public const int MaxRepeated = 100;

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
    /// The GUIDs of a repeatable parameter (<c>?id=a&amp;id=b</c>), without duplicates, in the order given;
    /// empty values are ignored. More than <paramref name="max"/> values, or any malformed one, adds an
    /// error naming <paramref name="field"/>.
    /// </summary>
    public static IReadOnlyList<Guid> ReadGuids(IReadOnlyList<string?>? values, string field, FieldErrors errors, int max = MaxRepeated)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var given = values?.Where(value => !string.IsNullOrEmpty(value)).ToList() ?? [];
        if (!errors.Check(given.Count <= max, field, $"'{field}' may be given at most {max} times."))
        {
            return [];
        }

        var parsed = new List<Guid>(given.Count);
        foreach (var value in given)
        {
            if (!Guid.TryParse(value, out var guid))
            {
                errors.Add(field, $"'{field}' must be a GUID; '{value}' is not.");
                return [];
            }

            if (!parsed.Contains(guid))
            {
                parsed.Add(guid);
            }
        }

        return parsed;
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
