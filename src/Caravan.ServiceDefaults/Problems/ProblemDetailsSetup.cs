using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Caravan.ServiceDefaults.Problems;

/// <summary>Registers problem details in Caravan's shape (<see cref="ProblemConventions"/>) for every producer.</summary>
public static class ProblemDetailsSetup
{
    public static IServiceCollection AddCaravanProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails();

        // Chained rather than assigned, so that another component's customization still runs (first).
        services.Configure<ProblemDetailsOptions>(options =>
        {
            var previous = options.CustomizeProblemDetails;
            options.CustomizeProblemDetails = context =>
            {
                previous?.Invoke(context);
                ProblemConventions.Apply(context);
            };
        });

        // After AddProblemDetails, so the framework's writer is asked first and this one only catches the rest.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProblemDetailsWriter, ProblemJsonFallbackWriter>());
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddExceptionHandler<DatabaseUnavailableExceptionHandler>();

        // Binding failures throw (and become 400/413/415 problems) instead of answering an empty 400.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }
}
