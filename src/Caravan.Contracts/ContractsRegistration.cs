using Caravan.Messaging;

namespace Caravan.Contracts;

/// <summary>
/// The one place that names every message on the wire. Wire names never change once messages are in
/// flight; a new shape gets a new name.
/// </summary>
public static class ContractsRegistration
{
    /// <summary>Registers every Caravan contract with its wire name and, for commands, its destination queue.</summary>
    public static MessagingBuilder AddCaravanContracts(this MessagingBuilder messaging)
    {
        ArgumentNullException.ThrowIfNull(messaging);
        return messaging
            // Inventory
            .AddMessage<ReserveStock>("inventory.reserve-stock.v1", Queues.Inventory)
            .AddMessage<StockReserved>("inventory.stock-reserved.v1")
            .AddMessage<StockReservationFailed>("inventory.stock-reservation-failed.v1")
            .AddMessage<ReleaseStock>("inventory.release-stock.v1", Queues.Inventory)
            .AddMessage<StockReleased>("inventory.stock-released.v1")
            // Payments
            .AddMessage<ChargePayment>("payments.charge.v1", Queues.Payments)
            .AddMessage<PaymentCharged>("payments.charged.v1")
            .AddMessage<PaymentDeclined>("payments.declined.v1")
            .AddMessage<RefundPayment>("payments.refund.v1", Queues.Payments)
            .AddMessage<PaymentRefunded>("payments.refunded.v1")
            // Shipping
            .AddMessage<CreateShipment>("shipping.create-shipment.v1", Queues.Shipping)
            .AddMessage<ShipmentCreated>("shipping.shipment-created.v1")
            .AddMessage<ShipmentRejected>("shipping.shipment-rejected.v1")
            .AddMessage<CancelShipment>("shipping.cancel-shipment.v1", Queues.Shipping)
            .AddMessage<ShipmentCancelled>("shipping.shipment-cancelled.v1")
            // Orders (events)
            .AddMessage<OrderPlaced>("orders.order-placed.v1")
            .AddMessage<OrderConfirmed>("orders.order-confirmed.v1")
            .AddMessage<OrderCancelled>("orders.order-cancelled.v1");
    }
}
