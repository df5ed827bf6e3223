namespace Caravan.Payments;

/// <summary>The payments service's log messages (event ids 4001–4099).</summary>
internal static partial class PaymentsLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Order {OrderId}: charged {Amount} as payment {PaymentId}")]
    public static partial void Charged(ILogger logger, Guid orderId, Guid paymentId, decimal amount);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Order {OrderId}: payment declined ({Reason})")]
    public static partial void Declined(ILogger logger, Guid orderId, string reason);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Order {OrderId}: refunded {Amount}")]
    public static partial void Refunded(ILogger logger, Guid orderId, decimal amount);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Order {OrderId}: refund arrived before any charge; the key is voided")]
    public static partial void Voided(ILogger logger, Guid orderId);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Order {OrderId}: refund names an idempotency key of order {OtherOrderId}; nothing refunded")]
    public static partial void ForeignKeyRefund(ILogger logger, Guid orderId, Guid otherOrderId);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "Order {OrderId}: simulated payment provider outage")]
    public static partial void SimulatedOutage(ILogger logger, Guid orderId);
}
