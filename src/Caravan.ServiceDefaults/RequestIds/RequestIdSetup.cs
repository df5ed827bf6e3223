using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Caravan.ServiceDefaults.RequestIds;

/// <summary>Wires <see cref="RequestId"/>: the generator, the middleware and the outgoing-call handler.</summary>
public static class RequestIdSetup
{
    /// <summary>
    /// Registers the default generator (unless one is registered already) and adds the propagation
    /// handler to every HttpClient. Call it before the resilience handler is added, so the header is
    /// set once, outside the retries.
    /// </summary>
    public static IServiceCollection AddCaravanRequestIds(this IServiceCollection services)
    {
        services.TryAddSingleton<IRequestIdGenerator, GuidRequestIdGenerator>();
        services.AddHttpContextAccessor();
        services.TryAddTransient<RequestIdPropagationHandler>();
        services.ConfigureHttpClientDefaults(http => http.AddHttpMessageHandler<RequestIdPropagationHandler>());
        return services;
    }

    /// <summary>Adds the request-id middleware; it belongs first in the pipeline.</summary>
    public static IApplicationBuilder UseCaravanRequestIds(this IApplicationBuilder app) =>
        app.UseMiddleware<RequestIdMiddleware>();
}
