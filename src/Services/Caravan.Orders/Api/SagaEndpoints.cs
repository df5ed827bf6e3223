using System.Globalization;
using Caravan.Sagas;
using Caravan.ServiceDefaults.Problems;

namespace Caravan.Orders.Api;

/// <summary>
/// <c>/api/v1/sagas</c>: what operators need — list instances by status and age, read one, retry a
/// stuck compensation, or mark a stuck saga resolved.
/// </summary>
internal static class SagaEndpoints
{
    public sealed record ResolveRequest(string? Note);

    public static void Map(IEndpointRouteBuilder sagas)
    {
        sagas.MapGet("/", ListAsync).WithName("ListSagas").WithSummary("List saga instances by status and age").ProducesValidationProblem();
        sagas.MapGet("/{id}", GetAsync).WithName("GetSaga").WithSummary("Read a saga instance").Produces<SagaInstance>().ProducesProblem(StatusCodes.Status404NotFound);
        sagas.MapPost("/{id}/retry", RetryAsync).WithName("RetrySaga").WithSummary("Retry a stuck compensation")
            .Produces<SagaInstance>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        sagas.MapPost("/{id}/resolve", ResolveAsync).WithName("ResolveSaga").WithSummary("Mark a stuck saga resolved, with a note")
            .Produces<SagaInstance>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<IResult> ListAsync(
        string? status, string? olderThanSeconds, string? limit, SagaCoordinator sagas, TimeProvider time, CancellationToken cancellationToken)
    {
        // Numbers are read by hand so that "?limit=abc" is a 400 naming 'limit', not a bare binding failure.
        var errors = new FieldErrors();
        var olderThan = WholeNumber(olderThanSeconds, "olderThanSeconds", errors);
        var count = WholeNumber(limit, "limit", errors);
        SagaStatus? wanted = null;
        if (status is not null)
        {
            wanted = Enum.TryParse<SagaStatus>(status, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed : null;
            errors.Check(wanted is not null, "status", $"'status' must be one of {string.Join(", ", Enum.GetNames<SagaStatus>())}.");
        }

        errors.Check(olderThan is null or >= 0, "olderThanSeconds", "'olderThanSeconds' must be 0 or more.");
        errors.Check(count is null or (>= 1 and <= 1000), "limit", "'limit' must be between 1 and 1000.");
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }

        var query = new SagaQuery
        {
            Status = wanted,
            UpdatedBefore = olderThan is { } seconds ? time.GetUtcNow().AddSeconds(-seconds) : null,
            Limit = count ?? 100,
        };
        return TypedResults.Ok(new { data = await sagas.QueryAsync(query, cancellationToken) });
    }

    /// <summary>The whole number in <paramref name="value"/>, or null when absent or malformed (then an error names <paramref name="field"/>).</summary>
    private static int? WholeNumber(string? value, string field, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return errors.Check(int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number), field, $"'{field}' must be a whole number.")
            ? number
            : null;
    }

    private static async Task<IResult> GetAsync(string id, SagaCoordinator sagas, CancellationToken cancellationToken) =>
        Guid.TryParse(id, out var sagaId) && await sagas.GetAsync(sagaId, cancellationToken) is { } saga
            ? TypedResults.Ok(saga)
            : Problems.NotFound("Saga", id);

    private static Task<IResult> RetryAsync(string id, SagaCoordinator sagas, CancellationToken cancellationToken) =>
        OperateAsync(id, sagaId => sagas.RetryAsync(sagaId, cancellationToken));

    private static Task<IResult> ResolveAsync(string id, ResolveRequest? request, SagaCoordinator sagas, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (!errors.RequireText(request?.Note, "note", 500))
        {
            return Task.FromResult<IResult>(errors.ToProblem());
        }

        return OperateAsync(id, sagaId => sagas.ResolveAsync(sagaId, request!.Note!.Trim(), cancellationToken));
    }

    private static async Task<IResult> OperateAsync(string id, Func<Guid, Task<SagaInstance?>> operate)
    {
        if (!Guid.TryParse(id, out var sagaId))
        {
            return Problems.NotFound("Saga", id);
        }

        try
        {
            return await operate(sagaId) is { } saga ? TypedResults.Ok(saga) : Problems.NotFound("Saga", id);
        }
        catch (SagaStateException exception)
        {
            return Problems.Conflict("The saga is not in a state that allows this action.", exception.Message, "SAGA_STATE_CONFLICT");
        }
        catch (SagaConcurrencyException exception)
        {
            return Problems.Conflict("The saga changed while the action ran; read it again and retry.", exception.Message, "SAGA_CONCURRENCY_CONFLICT");
        }
    }
}
