using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Polly;

namespace Caravan.Gateway.GraphQL.Services;

/// <summary>
/// What the typed clients of the services share: every call is bounded by
/// <see cref="CaravanGraphQLOptions.ServiceTimeout"/> (the resilience handler's retries included), a
/// service that cannot answer becomes a <c>SERVICE_UNAVAILABLE</c> error, and an error answer becomes the
/// GraphQL error that matches its status (400/422 <c>VALIDATION_ERROR</c> with the problem's fields,
/// 404 <c>NOT_FOUND</c>, 409 <c>CONFLICT</c>).
/// </summary>
internal abstract class ServiceApi(HttpClient http, IOptions<CaravanGraphQLOptions> options, TimeProvider time, string service)
{
    protected static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    /// <summary>Sends the request; returns the answer whatever its status, or throws <c>SERVICE_UNAVAILABLE</c>.</summary>
    protected async Task<T> SendAsync<T>(
        HttpRequestMessage request, Func<HttpResponseMessage, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        using var owned = request;
        using var timeout = new CancellationTokenSource(options.Value.ServiceTimeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            using var response = await http.SendAsync(request, deadline.Token);
            if ((int)response.StatusCode >= 500)
            {
                throw CaravanGraphQLError.Unavailable(service, $"it answered {(int)response.StatusCode}.");
            }

            return await read(response, deadline.Token);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested
            && exception is HttpRequestException or TimeoutException or OperationCanceledException or ExecutionRejectedException)
        {
            // Connection refused, the deadline, or the resilience pipeline refusing to try (an open circuit).
            throw CaravanGraphQLError.Unavailable(service, "it did not answer.", exception);
        }
    }

    protected Task<T> GetAsync<T>(string pathAndQuery, CancellationToken cancellationToken)
        where T : class =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(pathAndQuery, UriKind.Relative)), ReadOkAsync<T>, cancellationToken);

    /// <summary>Reads a 2xx body as <typeparamref name="T"/>, or throws the GraphQL error for the status.</summary>
    protected async Task<T> ReadOkAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
        where T : class
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, cancellationToken);
        }

        try
        {
            return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
                ?? throw new JsonException("The body is null.");
        }
        catch (JsonException exception)
        {
            throw new CaravanGraphQLError(GraphQLErrorCodes.ServiceError, $"The {service} service answered with a body the gateway cannot read.", innerException: exception);
        }
    }

    /// <summary>
    /// Reads a mutation's answer: invalid input (400, 422) or a conflict (409) is <c>success: false</c>
    /// with the problem's field errors; any other error status is a GraphQL error.
    /// </summary>
    protected async Task<MutationResult<T>> ReadMutationAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
        where T : class
    {
        if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity or HttpStatusCode.Conflict)
        {
            var problem = await ServiceProblem.ReadAsync(response, cancellationToken);
            return MutationResult<T>.Failed(problem.Errors);
        }

        return MutationResult<T>.Succeeded(await ReadOkAsync<T>(response, cancellationToken));
    }

    private async Task<CaravanGraphQLError> ErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var problem = await ServiceProblem.ReadAsync(response, cancellationToken);
        return response.StatusCode switch
        {
            HttpStatusCode.NotFound => new CaravanGraphQLError(GraphQLErrorCodes.NotFound, problem.Message),
            HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity =>
                new CaravanGraphQLError(GraphQLErrorCodes.ValidationError, problem.Message, problem.Errors),
            HttpStatusCode.Conflict => new CaravanGraphQLError(GraphQLErrorCodes.Conflict, problem.Message, problem.Errors),
            _ => new CaravanGraphQLError(GraphQLErrorCodes.ServiceError, $"The {service} service answered {(int)response.StatusCode}: {problem.Message}"),
        };
    }
}
