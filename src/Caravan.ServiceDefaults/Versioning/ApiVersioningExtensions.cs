using Asp.Versioning;
using Asp.Versioning.Builder;
using Caravan.ServiceDefaults.OpenApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Caravan.ServiceDefaults.Versioning;

/// <summary>
/// How every Caravan service versions its API (Asp.Versioning). The URL segment is the primary form
/// (<c>/api/v1/orders</c>); each such route is also served versionless (<c>/api/orders</c>), where the
/// version comes from the <c>api-version</c> header or query parameter and defaults to 1.0 when neither
/// is given. A request that names two different versions, an unknown version or a malformed one gets a
/// 400 problem; every answer reports <c>api-supported-versions</c> and <c>api-deprecated-versions</c>.
/// </summary>
public static class ApiVersioningExtensions
{
    /// <summary>The header and the query parameter that select a version on a versionless route.</summary>
    public const string VersionParameter = "api-version";

    /// <summary>The version a versionless request without <c>api-version</c> gets.</summary>
    public static readonly ApiVersion DefaultVersion = new(1, 0);

    /// <summary>
    /// Registers API versioning and one OpenAPI document per version in <paramref name="documentedVersions"/>
    /// (1.0 when none is given), served at <c>/openapi/v{major}.json</c>. <paramref name="configure"/> adds
    /// what is particular to the service, such as the sunset and deprecation policies of a retiring version.
    /// </summary>
    public static IHostApplicationBuilder AddCaravanApiVersioning(
        this IHostApplicationBuilder builder, ApiVersion[]? documentedVersions = null, Action<ApiVersioningOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddApiVersioning(options =>
        {
            options.DefaultApiVersion = DefaultVersion;

            // Only a versionless route can lack a version: a URL-segment route does not match without one.
            options.AssumeDefaultVersionWhenUnspecified = true;
            options.ReportApiVersions = true;
            options.UnsupportedApiVersionStatusCode = StatusCodes.Status400BadRequest;
            options.ApiVersionReader = ApiVersionReader.Combine(
                new UrlSegmentApiVersionReader(),
                new HeaderApiVersionReader(VersionParameter),
                new QueryStringApiVersionReader(VersionParameter));
            configure?.Invoke(options);
        });
        builder.Services.PostConfigure<ProblemDetailsOptions>(ApiVersionProblemCodes.Register);
        builder.AddCaravanOpenApi(documentedVersions is { Length: > 0 } ? documentedVersions : [DefaultVersion]);
        return builder;
    }

    /// <summary>
    /// Maps the route group of one resource, <c>/api/v{version}/{resource}</c>, versioned by the set
    /// <paramref name="versions"/> declares (1.0 when null) and named <paramref name="resource"/> (the
    /// name sunset and deprecation policies use). Its endpoints are also served at <c>/api/{resource}</c>
    /// once <see cref="UseCaravanApi"/> has run.
    /// </summary>
    public static RouteGroupBuilder MapApiResource(
        this IEndpointRouteBuilder app, string resource, Action<ApiVersionSetBuilder>? versions = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentException.ThrowIfNullOrWhiteSpace(resource);
        var set = app.NewApiVersionSet(resource);
        if (versions is null)
        {
            set.HasApiVersion(DefaultVersion);
        }
        else
        {
            versions(set);
        }

        return app.MapGroup($"/api/v{{version:apiVersion}}/{resource}")
            .WithApiVersionSet(set.ReportApiVersions().Build())
            .WithMetadata(VersionlessRouteSource.Mirror);
    }

    /// <summary>
    /// Serves the versionless twin of every route mapped with <see cref="MapApiResource"/> and the OpenAPI
    /// documents, and answers an unsupported version in the URL with 400 rather than 404; does nothing in
    /// an application that did not call <see cref="AddCaravanApiVersioning"/>.
    /// </summary>
    public static WebApplication UseCaravanApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Services.GetService<IApiVersionParser>() is null)
        {
            return app;
        }

        IEndpointRouteBuilder routes = app;
        if (!routes.DataSources.OfType<VersionlessRouteSource>().Any())
        {
            routes.DataSources.Add(new VersionlessRouteSource(routes.DataSources));
        }

        app.UseMiddleware<UnsupportedUrlVersionMiddleware>();
        app.MapCaravanOpenApiDocuments();
        return app;
    }
}
