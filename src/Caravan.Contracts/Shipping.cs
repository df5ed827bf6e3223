namespace Caravan.Contracts;

/// <summary>Create the order's shipment. Idempotent per order id.</summary>
public sealed record CreateShipment(Guid OrderId, Address ShippingAddress, IReadOnlyList<OrderLine> Items);

/// <summary>Reply: the shipment exists.</summary>
public sealed record ShipmentCreated(Guid OrderId, Guid ShipmentId);

/// <summary>Reply: the address cannot be shipped to (or the order was already cancelled); no shipment exists.</summary>
public sealed record ShipmentRejected(Guid OrderId, string Reason);

/// <summary>Cancel the order's shipment. Idempotent; a cancel before the create blocks the create.</summary>
public sealed record CancelShipment(Guid OrderId);

/// <summary>Reply to <see cref="CancelShipment"/>.</summary>
public sealed record ShipmentCancelled(Guid OrderId);
