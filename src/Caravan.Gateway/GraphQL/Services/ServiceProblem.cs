using System.Text.Json;

namespace Caravan.Gateway.GraphQL.Services;

/// <summary>
/// The useful part of a service's RFC 9457 problem: a message (detail, else title) and the field errors,
/// read from <c>details: [{ field, message }]</c> (ServiceDefaults' problem conventions) or, failing that,
/// <c>errors: { "field": ["message"] }</c> (ASP.NET Core's validation problem) or <c>errors: [{ field, message }]</c>.
/// </summary>
internal sealed record ServiceProblem(string Message, IReadOnlyList<FieldError> Errors)
{
    public static async Task<ServiceProblem> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var fallback = $"The service answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        JsonElement body;
        try
        {
            body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        }
        catch (JsonException)
        {
            return new ServiceProblem(fallback, []);
        }

        if (body.ValueKind != JsonValueKind.Object)
        {
            return new ServiceProblem(fallback, []);
        }

        // A validation problem's title is generic ("The request is not valid."): its field messages say more.
        var errors = body.TryGetProperty("details", out var details) ? ReadErrors(details)
            : body.TryGetProperty("errors", out var found) ? ReadErrors(found)
            : [];
        var message = Text(body, "detail")
            ?? (errors.Count > 0 ? string.Join(" ", errors.Select(error => error.Message)) : null)
            ?? Text(body, "title")
            ?? fallback;
        return new ServiceProblem(message, errors.Count > 0 ? errors : [new FieldError(null, message)]);
    }

    private static List<FieldError> ReadErrors(JsonElement errors)
    {
        var read = new List<FieldError>();
        if (errors.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in errors.EnumerateObject())
            {
                if (field.Value.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }

                read.AddRange(field.Value.EnumerateArray().Where(message => message.ValueKind == JsonValueKind.String)
                    .Select(message => new FieldError(field.Name, message.GetString()!)));
            }
        }
        else if (errors.ValueKind == JsonValueKind.Array)
        {
            read.AddRange(errors.EnumerateArray()
                .Where(error => error.ValueKind == JsonValueKind.Object && Text(error, "message") is not null)
                .Select(error => new FieldError(Text(error, "field"), Text(error, "message")!)));
        }

        return read;
    }

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
