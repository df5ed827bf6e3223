using System.Text.Json.Nodes;

namespace Caravan.Gateway.OpenApi;

/// <summary>
/// References to components (<c>#/components/{kind}/{name}</c>) inside a JSON tree, and their rewriting when
/// a component is renamed. A reference is a <c>$ref</c> string, or a value of a discriminator's
/// <c>mapping</c>; it may point into a component (<c>#/components/schemas/Order/properties/total</c>), so a
/// rename rewrites the prefix.
/// </summary>
internal static class ComponentReferences
{
    private const string RefKeyword = "$ref";
    private const string MappingKeyword = "mapping";
    private const string ComponentsPrefix = "#/components/";

    public static string Pointer(string kind, string name) => $"{ComponentsPrefix}{kind}/{Escape(name)}";

    /// <summary>Rewrites, in place, every reference to a renamed component (old pointer → new pointer).</summary>
    public static void Rewrite(JsonNode? node, IReadOnlyDictionary<string, string> renamed)
    {
        if (renamed.Count == 0)
        {
            return;
        }

        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (value is JsonValue text && text.TryGetValue<string>(out var reference) && key == RefKeyword)
                    {
                        obj[key] = Renamed(reference, renamed);
                    }
                    else if (key == MappingKeyword && value is JsonObject mapping)
                    {
                        foreach (var (name, target) in mapping.ToList())
                        {
                            if (target is JsonValue targetValue && targetValue.TryGetValue<string>(out var pointer))
                            {
                                mapping[name] = Renamed(pointer, renamed);
                            }
                        }
                    }
                    else
                    {
                        Rewrite(value, renamed);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Rewrite(item, renamed);
                }

                break;
        }
    }

    private static string Renamed(string reference, IReadOnlyDictionary<string, string> renamed)
    {
        if (!reference.StartsWith(ComponentsPrefix, StringComparison.Ordinal))
        {
            return reference;
        }

        var end = reference.IndexOf('/', ComponentsPrefix.Length);
        end = end < 0 ? reference.Length : reference.IndexOf('/', end + 1);
        var target = end < 0 ? reference : reference[..end];
        return renamed.TryGetValue(target, out var replacement) ? replacement + reference[target.Length..] : reference;
    }

    // RFC 6901: "~" and "/" inside a name are escaped in a JSON pointer.
    private static string Escape(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
