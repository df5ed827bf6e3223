namespace Caravan.Gateway.GraphQL;

/// <summary>The GraphQL endpoint's log messages (category <c>Caravan.Gateway.GraphQL</c>).</summary>
internal static partial class GraphQLLog
{
    public const string Category = "Caravan.Gateway.GraphQL";

    /// <summary>A resolver failed in a way nobody foresaw; the caller got a generic error for that field.</summary>
    [LoggerMessage(EventId = 9101, Level = LogLevel.Error, Message = "GraphQL field '{Field}' failed unexpectedly.")]
    public static partial void FieldFailed(ILogger logger, Exception exception, string? field);
}
