using Caravan.Gateway.Errors;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Caravan.Gateway.Limits;

/// <summary>
/// Enforces <see cref="RequestLimitsOptions"/> before a request is forwarded. A declared
/// <c>Content-Length</c> over the limit gets 413 without reading anything; otherwise Kestrel's per-request
/// body limit is set, so a chunked body is cut off at the limit while it streams (and the proxy answers
/// 413). Only a JSON body is read here, at most up to the limit, to check its nesting depth (400 naming
/// <c>body</c>), and is then forwarded from that copy byte for byte; any other body streams through untouched.
/// </summary>
internal sealed class RequestLimitsMiddleware(RequestDelegate next, IOptionsMonitor<GatewayOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var limits = options.CurrentValue.Limits;
        var request = context.Request;
        if (request.Path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase)
            || context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            await next(context);
            return;
        }

        if (request.ContentLength > limits.MaxRequestBodySize)
        {
            await WriteTooLargeAsync(context, limits);
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = limits.MaxRequestBodySize;
        }

        if (IsJson(request.ContentType))
        {
            var body = new MemoryStream(request.ContentLength is { } length ? (int)Math.Min(length, 1024 * 1024) : 0);
            context.Response.RegisterForDispose(body);
            try
            {
                await request.Body.CopyToAsync(body, context.RequestAborted);
            }
            catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                await WriteTooLargeAsync(context, limits);
                return;
            }

            if (JsonDepth.Exceeds(body.GetBuffer().AsSpan(0, (int)body.Length), limits.MaxJsonDepth))
            {
                await GatewayProblems.WriteAsync(context, StatusCodes.Status400BadRequest, GatewayProblems.ValidationError,
                    "The request body is nested too deeply.",
                    $"JSON objects and arrays may be nested at most {limits.MaxJsonDepth} levels deep.", field: "body");
                return;
            }

            body.Position = 0;
            request.Body = body;
        }

        await next(context);
    }

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
        && (mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.MediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    private static Task WriteTooLargeAsync(HttpContext context, RequestLimitsOptions limits) =>
        GatewayProblems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, GatewayProblems.PayloadTooLarge,
            "The request body is too large.", $"The request body may be at most {limits.MaxRequestBodySize} bytes.");
}
