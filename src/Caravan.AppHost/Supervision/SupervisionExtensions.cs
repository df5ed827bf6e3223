using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Caravan.AppHost.Supervision;

internal static class SupervisionExtensions
{
    /// <summary>Configuration section of <see cref="CrashRestartOptions"/> (e.g. <c>Caravan:Restarts:MaxDelay=00:00:05</c>).</summary>
    public const string OptionsSection = "Caravan:Restarts";

    /// <summary>Restart this resource's process when it dies with a non-zero exit code (see <see cref="CrashRestarter"/>).</summary>
    public static IResourceBuilder<T> WithRestartOnCrash<T>(this IResourceBuilder<T> resource)
        where T : IResource =>
        resource.WithAnnotation(new RestartOnCrashAnnotation(), ResourceAnnotationMutationBehavior.Replace);

    /// <summary>Adds the <see cref="CrashRestarter"/> that restarts every resource marked with <see cref="WithRestartOnCrash"/>.</summary>
    public static IDistributedApplicationBuilder AddCrashRestarts(this IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.Configure<CrashRestartOptions>(builder.Configuration.GetSection(OptionsSection));
        builder.Services.AddHostedService<CrashRestarter>();
        return builder;
    }
}
