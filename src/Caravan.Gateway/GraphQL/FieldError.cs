namespace Caravan.Gateway.GraphQL;

/// <summary>One invalid input: the field it concerns (null when the service named none) and why.</summary>
internal sealed record FieldError(string? Field, string Message);
