using Caravan.ServiceDefaults.Paging;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Caravan.Orders.Api;

/// <summary>
/// Turns the answers of the order handlers into the v2 shape: an order (read, or accepted with its
/// <c>Location</c> under <c>/api/v2/orders</c>) or a page of them. Problems pass through unchanged, so
/// validation, idempotency and errors behave exactly as in v1.
/// </summary>
internal static class OrderV2Shape
{
    public const string Location = "/api/v2/orders";

    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        await next(context) switch
        {
            Accepted<OrderResponse> { Value: { } order } => TypedResults.Accepted($"{Location}/{order.Id}", ToV2(order)),
            Ok<OrderResponse> { Value: { } order } => TypedResults.Ok(ToV2(order)),
            PageResult<OrderResponse> { Value: { } page } => PageResults.Ok(new Page<OrderV2Response>([.. page.Data.Select(ToV2)], page.Pagination)),
            var other => other,
        };

    public static OrderV2Response ToV2(OrderResponse order) => new(
        order.Id,
        order.UserId,
        order.Status,
        MoneyResponse.Euros(order.Total),
        [.. order.Items.Select(item => new OrderItemV2Response(
            item.Sku, item.Quantity, MoneyResponse.Euros(item.UnitPrice), MoneyResponse.Euros(item.UnitPrice * item.Quantity)))],
        order.ShippingAddress,
        order.Steps,
        order.Reason,
        order.CreatedAt,
        order.UpdatedAt);
}
