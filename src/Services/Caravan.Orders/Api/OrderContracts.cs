using Caravan.Contracts;

namespace Caravan.Orders.Api;

/// <summary>The body of <c>POST /api/v1/orders</c>. Every member is nullable so that a missing one is reported by name.</summary>
public sealed record PlaceOrderRequest(string? UserId, IReadOnlyList<OrderItemRequest?>? Items, PaymentRequest? Payment, AddressRequest? ShippingAddress);

public sealed record OrderItemRequest(string? Sku, int? Quantity);

public sealed record PaymentRequest(string? CardNumber);

public sealed record AddressRequest(string? Line1, string? City, string? PostalCode, string? Country);

/// <summary>An order as clients see it.</summary>
public sealed record OrderResponse(
    Guid Id,
    Guid UserId,
    string Status,
    decimal? Total,
    IReadOnlyList<OrderItemResponse> Items,
    Address ShippingAddress,
    IReadOnlyList<OrderStepResponse>? Steps,
    string? Reason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public sealed record OrderItemResponse(string Sku, int Quantity, decimal? UnitPrice);

/// <summary>One saga step of an order: its name, status and (when it failed, was retried or is stuck) the reason.</summary>
public sealed record OrderStepResponse(string Name, string Status, string? Reason);
