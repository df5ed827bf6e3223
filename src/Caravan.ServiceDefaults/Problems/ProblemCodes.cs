using Microsoft.AspNetCore.Http;

namespace Caravan.ServiceDefaults.Problems;

/// <summary>
/// The machine codes every problem carries in <c>code</c>. A producer may set a more specific one
/// (for example <see cref="IdempotencyKeyReused"/>); otherwise the code follows from the status.
/// </summary>
public static class ProblemCodes
{
    public const string ValidationError = "VALIDATION_ERROR";
    public const string BadRequest = "BAD_REQUEST";
    public const string Unauthorized = "UNAUTHORIZED";
    public const string Forbidden = "FORBIDDEN";
    public const string NotFound = "NOT_FOUND";
    public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";
    public const string NotAcceptable = "NOT_ACCEPTABLE";
    public const string Conflict = "CONFLICT";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";
    public const string UnprocessableEntity = "UNPROCESSABLE_ENTITY";
    public const string RateLimited = "RATE_LIMITED";
    public const string HeadersTooLarge = "HEADERS_TOO_LARGE";
    public const string InternalError = "INTERNAL_ERROR";
    public const string BadGateway = "BAD_GATEWAY";
    public const string ServiceUnavailable = "SERVICE_UNAVAILABLE";
    public const string GatewayTimeout = "GATEWAY_TIMEOUT";

    /// <summary>Orders: an Idempotency-Key that already placed a different order.</summary>
    public const string IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED";

    /// <summary>The code for <paramref name="status"/>; a 400 with field errors is a validation error.</summary>
    public static string ForStatus(int status, bool hasFieldErrors = false) => status switch
    {
        StatusCodes.Status400BadRequest => hasFieldErrors ? ValidationError : BadRequest,
        StatusCodes.Status401Unauthorized => Unauthorized,
        StatusCodes.Status403Forbidden => Forbidden,
        StatusCodes.Status404NotFound => NotFound,
        StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
        StatusCodes.Status406NotAcceptable => NotAcceptable,
        StatusCodes.Status409Conflict => Conflict,
        StatusCodes.Status413PayloadTooLarge => PayloadTooLarge,
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType,
        StatusCodes.Status422UnprocessableEntity => UnprocessableEntity,
        StatusCodes.Status429TooManyRequests => RateLimited,
        StatusCodes.Status431RequestHeaderFieldsTooLarge => HeadersTooLarge,
        StatusCodes.Status502BadGateway => BadGateway,
        StatusCodes.Status503ServiceUnavailable => ServiceUnavailable,
        StatusCodes.Status504GatewayTimeout => GatewayTimeout,
        >= 500 => InternalError,
        _ => BadRequest,
    };
}
