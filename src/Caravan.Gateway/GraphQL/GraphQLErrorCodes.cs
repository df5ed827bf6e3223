namespace Caravan.Gateway.GraphQL;

/// <summary>The <c>extensions.code</c> values the gateway's own GraphQL errors carry.</summary>
internal static class GraphQLErrorCodes
{
    public const string NotFound = "NOT_FOUND";
    public const string ValidationError = "VALIDATION_ERROR";
    public const string BadUserInput = "BAD_USER_INPUT";
    public const string Conflict = "CONFLICT";
    public const string ServiceUnavailable = "SERVICE_UNAVAILABLE";
    public const string ServiceError = "SERVICE_ERROR";
}
