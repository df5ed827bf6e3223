using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Caravan.Contracts;
using Caravan.Messaging;
using Caravan.Orders.Data;
using Caravan.Orders.Saga;
using Caravan.Sagas;
using Caravan.ServiceDefaults.Data;
using Caravan.ServiceDefaults.Paging;
using Caravan.ServiceDefaults.Problems;
using Dapper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Caravan.Orders.Api;

/// <summary>
/// <c>/api/v1/orders</c> and <c>/api/v2/orders</c>: place an order (idempotent by key), read one, list
/// them. Both versions run the same handlers; v2 reshapes their answers (<see cref="OrderV2Shape"/>).
/// </summary>
internal static class OrderEndpoints
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static void MapV1(IEndpointRouteBuilder orders)
    {
        orders.MapPost("/", PlaceAsync).Describe<OrderResponse>("PlaceOrderV1", "Place an order", StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        orders.MapGet("/{id}", GetAsync).Describe<OrderResponse>("GetOrderV1", "Read an order with its saga steps").ProducesProblem(StatusCodes.Status404NotFound);
        orders.MapGet("/", ListAsync).Describe<Page<OrderResponse>>("ListOrdersV1", "List orders by user and status, a page at a time");
    }

    public static void MapV2(IEndpointRouteBuilder orders)
    {
        orders.MapPost("/", PlaceAsync).AddEndpointFilter(OrderV2Shape.Filter)
            .Describe<OrderV2Response>("PlaceOrderV2", "Place an order", StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        orders.MapGet("/{id}", GetAsync).AddEndpointFilter(OrderV2Shape.Filter)
            .Describe<OrderV2Response>("GetOrderV2", "Read an order with its saga steps").ProducesProblem(StatusCodes.Status404NotFound);
        orders.MapGet("/", ListAsync).AddEndpointFilter(OrderV2Shape.Filter)
            .Describe<Page<OrderV2Response>>("ListOrdersV2", "List orders by user and status, a page at a time");
    }

    /// <summary>Names an endpoint and declares its success body and its 400 validation problem, for the OpenAPI documents.</summary>
    private static RouteHandlerBuilder Describe<TResponse>(this RouteHandlerBuilder endpoint, string name, string summary, int status = StatusCodes.Status200OK) =>
        endpoint.WithName(name).WithSummary(summary).Produces<TResponse>(status).ProducesValidationProblem();

    private static async Task<IResult> PlaceAsync(
        [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey,
        [FromBody] PlaceOrderRequest? request,
        IMessageBus bus,
        IServiceDatabase database,
        SagaCoordinator sagas,
        SagaDefinition<OrderSagaData> saga,
        UsersClient users,
        IMessageIdGenerator ids,
        TimeProvider time,
        IOptions<OrdersOptions> options,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (errors.RequireText(idempotencyKey, IdempotencyKeyHeader, PlaceOrderValidation.MaxIdempotencyKeyLength))
        {
            idempotencyKey = idempotencyKey!.Trim();
        }

        var order = PlaceOrderValidation.Validate(request, errors);
        if (order is null || !errors.IsEmpty)
        {
            return errors.ToProblem();
        }

        var hash = RequestHash(order);
        if (await ReplayAsync(database, sagas, idempotencyKey!, hash, http, cancellationToken) is { } replay)
        {
            return replay;
        }

        if (options.Value.VerifyUsers)
        {
            switch (await users.FindAsync(order.UserId, cancellationToken))
            {
                case UserLookup.NotFound:
                    return errors.Add("userId", $"No user has the id '{order.UserId}'.").ToProblem();
                case UserLookup.Unavailable:
                    http.Response.Headers.RetryAfter = "2";
                    return TypedResults.Problem(
                        title: "The users service is unavailable.",
                        detail: "The order was not placed. Retry with the same Idempotency-Key.",
                        statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        }

        var orderId = ids.NewId();
        var now = time.GetUtcNow();
        await using (var session = await bus.BeginAsync(cancellationToken))
        {
            var inserted = await session.Connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO orders (id, user_id, status, total_cents, items, shipping_address, reason, idempotency_key, request_hash, created_at, updated_at)
                VALUES (@id, @userId, 'Pending', NULL, @items, @address, NULL, @key, @hash, @now, @now)
                ON CONFLICT (idempotency_key) DO NOTHING
                """,
                new
                {
                    id = orderId.ToString(),
                    userId = order.UserId.ToString(),
                    items = JsonSerializer.Serialize(order.Items, OrderRow.Json),
                    address = JsonSerializer.Serialize(order.ShippingAddress, OrderRow.Json),
                    key = idempotencyKey,
                    hash,
                    now = Timestamps.ToText(now),
                },
                session.Transaction,
                cancellationToken: cancellationToken));

            if (inserted == 0)
            {
                // Another request with the same key won the race: answer with its order.
                await session.RollbackAsync(cancellationToken);
                return await ReplayAsync(database, sagas, idempotencyKey!, hash, http, cancellationToken)
                    ?? throw new InvalidOperationException("An order with this idempotency key vanished.");
            }

            var data = new OrderSagaData
            {
                OrderId = orderId,
                UserId = order.UserId,
                Items = [.. order.Items],
                ShippingAddress = order.ShippingAddress,
                CardNumber = order.CardNumber,
            };
            await sagas.StartAsync(session, saga, orderId, data, cancellationToken);
            session.Publish(new OrderPlaced(orderId, order.UserId, order.Items, now));
            await session.CommitAsync(cancellationToken);
        }

        var created = await LoadAsync(database, sagas, orderId, cancellationToken);
        return TypedResults.Accepted($"/api/v1/orders/{orderId}", created);
    }

    private static async Task<IResult?> ReplayAsync(
        IServiceDatabase database, SagaCoordinator sagas, string key, string hash, HttpContext http, CancellationToken cancellationToken)
    {
        OrderRow? existing;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
        {
            existing = await OrderSql.FindByKeyAsync(connection, key, null, cancellationToken);
        }

        if (existing is null)
        {
            return null;
        }

        if (!string.Equals(existing.RequestHash, hash, StringComparison.Ordinal))
        {
            return TypedResults.Problem(
                title: "This Idempotency-Key was used for a different order.",
                detail: $"The key '{key}' already placed order {existing.Id} with a different body. Use a new key for a new order.",
                statusCode: StatusCodes.Status422UnprocessableEntity,
                extensions: new Dictionary<string, object?>
                {
                    ["code"] = ProblemCodes.IdempotencyKeyReused,
                    ["errors"] = new Dictionary<string, string[]> { [IdempotencyKeyHeader] = ["already used for a different request"] },
                });
        }

        http.Response.Headers["Idempotent-Replayed"] = "true";
        var order = await LoadAsync(database, sagas, Guid.Parse(existing.Id), cancellationToken);
        return TypedResults.Accepted($"/api/v1/orders/{existing.Id}", order);
    }

    private static async Task<IResult> GetAsync(string id, IServiceDatabase database, SagaCoordinator sagas, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var orderId))
        {
            return Problems.NotFound("Order", id);
        }

        var order = await LoadAsync(database, sagas, orderId, cancellationToken);
        return order is null ? Problems.NotFound("Order", id) : TypedResults.Ok(order);
    }

    private static async Task<IResult> ListAsync(
        string[]? userId, string? status, string? page, string? limit, IServiceDatabase database, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var users = QueryValues.ReadGuids(userId, "userId", errors);
        var wanted = QueryValues.ReadEnum<OrderStatus>(status, "status", errors);
        var paging = PageRequest.Parse(page, limit, errors);
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }

        var filter = new SqlFilter();
        filter.AddAny("user_id", [.. users.Select(user => user.ToString())]);
        filter.Add("status", wanted?.ToString());
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return PageResults.Ok(await filter.ReadPageAsync<OrderRow, OrderResponse>(
            connection, OrderRow.Columns, "orders", "created_at, id", paging, row => ToResponse(row, saga: null, data: null), cancellationToken));
    }

    internal static async Task<OrderResponse?> LoadAsync(IServiceDatabase database, SagaCoordinator sagas, Guid orderId, CancellationToken cancellationToken)
    {
        OrderRow? row;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
        {
            row = await OrderSql.FindAsync(connection, orderId, null, cancellationToken);
        }

        if (row is null)
        {
            return null;
        }

        var saga = await sagas.GetAsync(orderId, cancellationToken);
        var data = saga is null ? null : JsonSerializer.Deserialize<OrderSagaData>(saga.Data, OrderRow.Json);
        return ToResponse(row, saga, data);
    }

    private static OrderResponse ToResponse(OrderRow row, SagaInstance? saga, OrderSagaData? data)
    {
        var prices = data?.Lines.ToDictionary(line => line.Sku, line => line.UnitPrice, StringComparer.Ordinal);
        var items = row.ReadItems()
            .Select(item => new OrderItemResponse(item.Sku, item.Quantity, prices is not null && prices.TryGetValue(item.Sku, out var price) ? price : null))
            .ToList();
        var total = row.TotalCents is { } cents ? Money.FromCents(cents) : data?.Total;
        var steps = saga?.Steps.Select(step => new OrderStepResponse(step.Name, step.Status.ToString(), step.Reason)).ToList();
        return new OrderResponse(
            Guid.Parse(row.Id),
            Guid.Parse(row.UserId),
            row.Status,
            total,
            items,
            row.ReadAddress(),
            steps,
            row.Reason,
            Timestamps.Parse(row.CreatedAt),
            Timestamps.Parse(row.UpdatedAt));
    }

    /// <summary>A digest of the validated request: a replayed key must carry the same order.</summary>
    private static string RequestHash(ValidOrder order) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(order, OrderRow.Json))));
}
