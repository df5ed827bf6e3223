namespace Caravan.Gateway.OpenApi;

/// <summary>What one service answered when asked for one of its OpenAPI documents.</summary>
internal enum ServiceDocumentOutcome
{
    /// <summary>The service served the document.</summary>
    Found,

    /// <summary>The service answered 404: it has no document of that version, which is not a failure.</summary>
    NotPublished,

    /// <summary>The service did not answer, failed, or served something that is not a JSON object.</summary>
    Unavailable,
}
