using System.Text.Json;

namespace Caravan.Gateway.Limits;

/// <summary>Finds whether a JSON document nests objects and arrays deeper than a limit, without building it.</summary>
internal static class JsonDepth
{
    /// <summary>
    /// True when <paramref name="json"/> opens an object or array at a depth above <paramref name="maxDepth"/>
    /// (the top-level value is depth 1). A body that is not valid JSON is not judged here: the service
    /// answers it with its own, more precise problem.
    /// </summary>
    public static bool Exceeds(ReadOnlySpan<byte> json, int maxDepth)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions
        {
            MaxDepth = maxDepth + 1,
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= maxDepth)
                {
                    return true;
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return false;
    }
}
