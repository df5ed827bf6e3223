using System.Text.Json.Serialization;

namespace Caravan.ServiceDefaults.Problems;

/// <summary>One entry of a problem's <c>details</c>: a field (camelCase path, e.g. <c>items[0].quantity</c>) and what is wrong with it.</summary>
public sealed record FieldError(
    [property: JsonPropertyName("field")] string Field,
    [property: JsonPropertyName("message")] string Message);
