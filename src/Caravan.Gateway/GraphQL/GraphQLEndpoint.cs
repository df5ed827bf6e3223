using System.Text.Json;
using Caravan.Gateway.GraphQL.Types;
using GraphQL;
using GraphQL.Transport;
using GraphQLParser.AST;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Caravan.Gateway.GraphQL;

/// <summary>
/// <c>/graphql</c> over HTTP, after the GraphQL-over-HTTP spec: <c>POST</c> with an
/// <c>application/json</c> body <c>{ query, variables, operationName }</c>, or <c>GET</c> with the same as
/// query parameters (queries only: a mutation over GET gets 405). The answer is
/// <c>application/graphql-response+json</c> when the caller accepts it (a document that does not parse or
/// validate is then a 400) and <c>application/json</c> otherwise (always 200 once the request was read).
/// A request that cannot be read (malformed JSON, no query) gets a 400 problem, never a 500.
/// </summary>
internal static class GraphQLEndpoint
{
    public const string GraphQLResponseMediaType = "application/graphql-response+json";
    public const string JsonMediaType = "application/json";

    public static async Task HandleAsync(HttpContext http)
    {
        var mediaType = ResponseMediaType(http.Request);
        if (mediaType is null)
        {
            await TypedResults.Problem(
                title: "The response cannot be given in an accepted media type.",
                detail: $"/graphql answers {GraphQLResponseMediaType} or {JsonMediaType}.",
                statusCode: StatusCodes.Status406NotAcceptable).ExecuteAsync(http);
            return;
        }

        var serializer = http.RequestServices.GetRequiredService<IGraphQLTextSerializer>();
        var (request, refusal) = HttpMethods.IsGet(http.Request.Method)
            ? ReadQueryString(http.Request, serializer)
            : await ReadBodyAsync(http.Request, serializer, http.RequestAborted);
        if (refusal is not null)
        {
            await refusal.ExecuteAsync(http);
            return;
        }

        var document = TryParse(request!.Query!);
        if (HttpMethods.IsGet(http.Request.Method) && IsMutation(document, request.OperationName))
        {
            http.Response.Headers.Allow = HttpMethods.Post;
            await TypedResults.Problem(
                title: "Mutations are only accepted over POST.",
                statusCode: StatusCodes.Status405MethodNotAllowed).ExecuteAsync(http);
            return;
        }

        var executer = http.RequestServices.GetRequiredService<IDocumentExecuter<CaravanSchema>>();
        var result = await executer.ExecuteAsync(new ExecutionOptions
        {
            Query = request.Query,
            Document = document,
            Variables = request.Variables,
            Extensions = request.Extensions,
            OperationName = request.OperationName,
            RequestServices = http.RequestServices,
            User = http.User,
            CancellationToken = http.RequestAborted,
        });

        http.Response.StatusCode = mediaType == GraphQLResponseMediaType && !result.Executed
            ? StatusCodes.Status400BadRequest
            : StatusCodes.Status200OK;
        http.Response.ContentType = mediaType + "; charset=utf-8";
        await serializer.WriteAsync(http.Response.Body, result, http.RequestAborted);
    }

    /// <summary>The media type to answer in, by the caller's <c>Accept</c>; null when it accepts neither.</summary>
    internal static string? ResponseMediaType(HttpRequest request)
    {
        var accepted = request.GetTypedHeaders().Accept;
        if (accepted.Count == 0)
        {
            return JsonMediaType;
        }

        foreach (var range in accepted.Where(range => range.Quality is null or > 0).OrderByDescending(range => range.Quality ?? 1))
        {
            if (range.MediaType.Equals(GraphQLResponseMediaType, StringComparison.OrdinalIgnoreCase))
            {
                return GraphQLResponseMediaType;
            }

            if (new MediaTypeHeaderValue(JsonMediaType).IsSubsetOf(range))
            {
                return JsonMediaType;
            }
        }

        return null;
    }

    private static (GraphQLRequest? Request, IResult? Refusal) ReadQueryString(HttpRequest http, IGraphQLTextSerializer serializer)
    {
        var request = new GraphQLRequest
        {
            Query = http.Query["query"].ToString(),
            OperationName = NullIfEmpty(http.Query["operationName"].ToString()),
        };
        try
        {
            request.Variables = NullIfEmpty(http.Query["variables"].ToString()) is { } variables ? serializer.Deserialize<Inputs>(variables) : null;
            request.Extensions = NullIfEmpty(http.Query["extensions"].ToString()) is { } extensions ? serializer.Deserialize<Inputs>(extensions) : null;
        }
        catch (JsonException)
        {
            return (null, Invalid("variables", "'variables' and 'extensions' must be JSON objects."));
        }

        return Checked(request);
    }

    private static async Task<(GraphQLRequest? Request, IResult? Refusal)> ReadBodyAsync(
        HttpRequest http, IGraphQLTextSerializer serializer, CancellationToken cancellationToken)
    {
        if (!http.HasJsonContentType())
        {
            return (null, TypedResults.Problem(
                title: "The request body must be application/json.",
                detail: "POST /graphql takes { \"query\": \"…\", \"variables\": { … }, \"operationName\": \"…\" } as application/json.",
                statusCode: StatusCodes.Status415UnsupportedMediaType));
        }

        try
        {
            return Checked(await serializer.ReadAsync<GraphQLRequest>(http.Body, cancellationToken));
        }
        catch (JsonException exception)
        {
            return (null, Invalid("body", $"The body is not a GraphQL request in JSON: {exception.Message}"));
        }
    }

    private static (GraphQLRequest? Request, IResult? Refusal) Checked(GraphQLRequest? request) =>
        string.IsNullOrWhiteSpace(request?.Query)
            ? (null, Invalid("query", "'query' is required: the GraphQL document to run."))
            : (request, null);

    private static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] },
            title: "The GraphQL request could not be read.");

    /// <summary>The parsed document, or null to let the executer report the syntax error.</summary>
    private static GraphQLDocument? TryParse(string query)
    {
        try
        {
            return GraphQLParser.Parser.Parse(query);
        }
        catch (GraphQLParser.Exceptions.GraphQLParserException)
        {
            return null;
        }
    }

    private static bool IsMutation(GraphQLDocument? document, string? operationName)
    {
        var operations = document?.Definitions.OfType<GraphQLOperationDefinition>().ToList() ?? [];
        var selected = operationName is null
            ? operations.Count == 1 ? operations[0] : null
            : operations.FirstOrDefault(operation => operation.Name?.StringValue == operationName);
        return selected?.Operation == OperationType.Mutation;
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
