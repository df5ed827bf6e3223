using System.Globalization;
using System.Text;

namespace Caravan.Gateway.GraphQL.Services;

/// <summary>Builds <c>path?name=value&amp;…</c>, escaping each value and leaving out nulls; a name may repeat.</summary>
internal static class Query
{
    public static string Build(string path, params (string Name, object? Value)[] values)
    {
        var text = new StringBuilder(path);
        var separator = '?';
        foreach (var (name, value) in values)
        {
            if (value is null)
            {
                continue;
            }

            text.Append(separator).Append(name).Append('=')
                .Append(Uri.EscapeDataString(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""));
            separator = '&';
        }

        return text.ToString();
    }
}
