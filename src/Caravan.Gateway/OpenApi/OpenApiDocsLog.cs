namespace Caravan.Gateway.OpenApi;

internal static partial class OpenApiDocsLog
{
    [LoggerMessage(EventId = 7101, Level = LogLevel.Warning, Message = "The {Service} service's OpenAPI document {DocumentName} could not be fetched ({Reason}); the gateway's document is served without it.")]
    public static partial void ServiceDocumentUnavailable(ILogger logger, string service, string documentName, string reason);
}
