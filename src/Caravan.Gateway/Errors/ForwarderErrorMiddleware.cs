using System.Net.Sockets;
using Microsoft.AspNetCore.Http.Timeouts;
using Yarp.ReverseProxy.Forwarder;

namespace Caravan.Gateway.Errors;

/// <summary>
/// First step of the proxy pipeline: when YARP could not get an answer from the service and nothing has
/// been sent to the caller yet, the caller gets a problem instead of YARP's empty status. A service that
/// cannot be reached (connection refused, no instance available) gives 503 SERVICE_UNAVAILABLE at once; one
/// that does not answer within the route's timeout gives 504 GATEWAY_TIMEOUT; a body over the size limit
/// found while streaming gives 413; anything else that went wrong between gateway and service is 502.
/// A caller that went away gets nothing.
/// </summary>
internal sealed class ForwarderErrorMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        if (context.GetForwarderErrorFeature() is not { } error || context.Response.HasStarted)
        {
            return;
        }

        var service = context.GetReverseProxyFeature().Cluster?.Config.ClusterId ?? "the";
        var timedOut = context.Features.Get<IHttpRequestTimeoutFeature>()?.RequestTimeoutToken.IsCancellationRequested == true;
        switch (error.Error)
        {
            case ForwarderError.RequestTimedOut:
            case ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled when timedOut:
                await GatewayProblems.WriteAsync(context, StatusCodes.Status504GatewayTimeout, GatewayProblems.GatewayTimeout,
                    "The service did not answer in time.", $"The {service} service did not answer within the route's timeout.");
                break;
            case ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled:
                break;
            case ForwarderError.NoAvailableDestinations:
            case ForwarderError.Request when IsUnreachable(error.Exception):
                await GatewayProblems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, GatewayProblems.ServiceUnavailable,
                    "The service is unavailable.", $"The {service} service cannot be reached; try again later.");
                break;
            case ForwarderError.RequestBodyClient when Find<BadHttpRequestException>(error.Exception) is { StatusCode: StatusCodes.Status413PayloadTooLarge }:
                await GatewayProblems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, GatewayProblems.PayloadTooLarge,
                    "The request body is too large.", "The request body exceeds the gateway's limit.");
                break;
            case ForwarderError.RequestBodyClient:
                await GatewayProblems.WriteAsync(context, StatusCodes.Status400BadRequest, GatewayProblems.BadRequest,
                    "The request body could not be read.");
                break;
            default:
                await GatewayProblems.WriteAsync(context, StatusCodes.Status502BadGateway, GatewayProblems.BadGateway,
                    "The service gave no valid answer.", $"The gateway could not complete the exchange with the {service} service.");
                break;
        }
    }

    private static bool IsUnreachable(Exception? exception) =>
        Find<HttpRequestException>(exception) is { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError }
        || Find<SocketException>(exception) is not null;

    private static T? Find<T>(Exception? exception)
        where T : Exception
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is T found)
            {
                return found;
            }
        }

        return null;
    }
}
