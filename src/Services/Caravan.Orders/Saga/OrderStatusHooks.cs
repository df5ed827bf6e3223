using Caravan.Contracts;
using Caravan.Orders.Data;
using Caravan.Sagas;

namespace Caravan.Orders.Saga;

/// <summary>
/// Keeps the order row in step with its saga, in the saga transition's own transaction, and
/// publishes the order's final events (Notifications and Inventory react to them).
/// </summary>
public sealed class OrderStatusHooks
{
    public async Task CompensatingAsync(SagaHookContext<OrderSagaData> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await SetAsync(context, OrderStatus.Compensating, context.Instance.FailureReason, cancellationToken);
    }

    public async Task CompletedAsync(SagaHookContext<OrderSagaData> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await SetAsync(context, OrderStatus.Confirmed, null, cancellationToken);
        context.Transaction.Publish(new OrderConfirmed(context.Data.OrderId, context.Data.UserId, context.Data.Total ?? 0m, context.Now));
    }

    public async Task CompensatedAsync(SagaHookContext<OrderSagaData> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var reason = context.Instance.FailureReason ?? "cancelled";
        await SetAsync(context, OrderStatus.Cancelled, reason, cancellationToken);
        context.Transaction.Publish(new OrderCancelled(context.Data.OrderId, context.Data.UserId, reason, context.Now));
    }

    public async Task StuckAsync(SagaHookContext<OrderSagaData> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await SetAsync(context, OrderStatus.Compensating, $"{context.Instance.FailureReason}; stuck: {context.Instance.StuckReason}", cancellationToken);
    }

    public async Task ResolvedAsync(SagaHookContext<OrderSagaData> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var reason = $"{context.Instance.FailureReason}; resolved by an operator";
        await SetAsync(context, OrderStatus.Cancelled, reason, cancellationToken);
        context.Transaction.Publish(new OrderCancelled(context.Data.OrderId, context.Data.UserId, reason, context.Now));
    }

    private static Task<int> SetAsync(SagaHookContext<OrderSagaData> context, OrderStatus status, string? reason, CancellationToken cancellationToken) =>
        OrderSql.SetStatusAsync(
            context.Transaction.Connection, context.Transaction.Transaction, context.Data.OrderId, status, context.Data.Total, reason, context.Now, cancellationToken);
}
