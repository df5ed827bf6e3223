namespace Caravan.ServiceDefaults.RequestIds;

/// <summary>
/// The request id: one <c>X-Request-Id</c> per client request, kept across the gateway and every
/// service call it causes. A caller's id is accepted only when it is 1–128 characters of
/// <c>[A-Za-z0-9._:-]</c>, so it can never smuggle a CR/LF, a separator or a huge value into
/// headers and logs; anything else is replaced by a fresh one.
/// </summary>
public static class RequestId
{
    public const string HeaderName = "X-Request-Id";

    /// <summary>The Activity tag and logging-scope key that carry the id.</summary>
    public const string TagName = "caravan.request_id";

    public const int MaxLength = 128;

    public static bool IsValid(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
