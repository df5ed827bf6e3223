using Caravan.ServiceDefaults.Health;
using Caravan.ServiceDefaults.Problems;
using Caravan.ServiceDefaults.RequestIds;
using Caravan.ServiceDefaults.Versioning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Polly;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The defaults every Caravan service starts from: OpenTelemetry (exported over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, as the app host does), <c>/health/live</c> and
/// <c>/health/ready</c>, service discovery, the standard HTTP resilience handler (never retrying an
/// unsafe method without an <c>Idempotency-Key</c>), RFC 9457 problem details for every error, and
/// the injected clock.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Header that makes a POST, PUT, PATCH or DELETE safe to retry.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    private const string LiveTag = "live";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddCaravanTelemetry();

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag])
            .AddCheck<ServiceDatabaseHealthCheck>("database");

        builder.Services.AddServiceDiscovery();
        builder.Services.AddCaravanRequestIds();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler(options =>
            {
                var handles = options.Retry.ShouldHandle;
                options.Retry.ShouldHandle = args =>
                    IsRetryable(args.Context.GetRequestMessage()) ? handles(args) : ValueTask.FromResult(false);
            });
            http.AddServiceDiscovery();
        });

        builder.Services.AddCaravanProblemDetails();
        builder.Services.Configure<JsonOptions>(options =>
            options.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        return builder;
    }

    /// <summary>
    /// Adds the request-id middleware (first), the middleware that turns every failure into problem details, and maps the health
    /// endpoints: <c>/health/live</c> (the process answers) and <c>/health/ready</c> (its database answers too).
    /// </summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseCaravanRequestIds();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) });
        app.MapHealthChecks("/health/ready");
        app.UseCaravanApi();
        return app;
    }

    /// <summary>Safe methods may be retried; unsafe ones only when they carry an idempotency key.</summary>
    internal static bool IsRetryable(HttpRequestMessage? request) =>
        request is null
        || request.Method == HttpMethod.Get
        || request.Method == HttpMethod.Head
        || request.Method == HttpMethod.Options
        || request.Headers.Contains(IdempotencyKeyHeader);

    private static void AddCaravanTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(Caravan.Messaging.MessagingMetrics.MeterName, "Caravan.Sagas"))
            .WithTracing(tracing => tracing
                .SetSampler(new AlwaysOnSampler())
                .AddAspNetCoreInstrumentation(options =>
                    options.Filter = context => !context.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal))
                .AddHttpClientInstrumentation()
                .AddSource(Caravan.Messaging.MessagingTelemetry.SourceName, "Caravan.Sagas"));

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }
    }
}
