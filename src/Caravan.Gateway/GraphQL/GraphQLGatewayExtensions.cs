using Caravan.Gateway.GraphQL;
using Caravan.Gateway.GraphQL.Batching;
using Caravan.Gateway.GraphQL.Services;
using Caravan.Gateway.GraphQL.Types;
using GraphQL;
using Microsoft.Extensions.Options;

namespace Caravan.Gateway;

/// <summary>
/// GraphQL at <c>/graphql</c>: <see cref="AddCaravanGraphQL"/> registers the schema (GraphQL.NET), its
/// limits (<see cref="CaravanGraphQLOptions"/>, from <c>Caravan:Gateway:GraphQL</c>) and the typed clients
/// of the Users and Orders services (<c>http://users</c>, <c>http://orders</c> through service discovery,
/// with ServiceDefaults' resilience); <see cref="MapCaravanGraphQL"/> maps the endpoint.
/// </summary>
public static class GraphQLGatewayExtensions
{
    public const string Path = "/graphql";

    public static IHostApplicationBuilder AddCaravanGraphQL(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<CaravanGraphQLOptions>()
            .Bind(builder.Configuration.GetSection(CaravanGraphQLOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // ServiceDefaults gives every HttpClient discovery, resilience and the caller's X-Request-Id.
        builder.Services.AddHttpClient<UsersApi>(http => http.BaseAddress = new Uri("http://users"));
        builder.Services.AddHttpClient<OrdersApi>(http => http.BaseAddress = new Uri("http://orders"));
        builder.Services.AddScoped<RequestLoaders>();

        builder.Services.AddGraphQL(graphQL => graphQL
            .AddSchema<CaravanSchema>()
            .AddGraphTypes(typeof(CaravanSchema).Assembly)
            .AddSystemTextJson()
            .AddErrorInfoProvider<CaravanErrorInfoProvider>()
            .AddUnhandledExceptionHandler(context => GraphQLLog.FieldFailed(
                context.ExecutionOptions.RequestServices!.GetRequiredService<ILoggerFactory>().CreateLogger(GraphQLLog.Category),
                context.OriginalException,
                context.FieldContext?.FieldDefinition.Name))
            .AddComplexityAnalyzer((complexity, services) =>
                GraphQLLimits.Apply(complexity, services.GetRequiredService<IOptions<CaravanGraphQLOptions>>().Value)));
        return builder;
    }

    public static WebApplication MapCaravanGraphQL(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapMethods(Path, [HttpMethods.Get, HttpMethods.Post], GraphQLEndpoint.HandleAsync);
        return app;
    }
}
