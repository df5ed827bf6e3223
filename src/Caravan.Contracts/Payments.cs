namespace Caravan.Contracts;

/// <summary>Charge <see cref="Amount"/> to a card. Idempotent by <see cref="IdempotencyKey"/>: a retried charge never charges twice.</summary>
public sealed record ChargePayment(Guid OrderId, string IdempotencyKey, decimal Amount, string CardNumber);

/// <summary>Reply: the money was taken.</summary>
public sealed record PaymentCharged(Guid OrderId, Guid PaymentId, decimal Amount);

/// <summary>Reply: the charge was declined (a business outcome, not a fault); nothing was taken.</summary>
public sealed record PaymentDeclined(Guid OrderId, string Reason);

/// <summary>Refund whatever the charge with <see cref="IdempotencyKey"/> took. Idempotent; a refund before the charge voids the key.</summary>
public sealed record RefundPayment(Guid OrderId, string IdempotencyKey);

/// <summary>Reply to <see cref="RefundPayment"/>; <see cref="Amount"/> is 0 when nothing had been charged.</summary>
public sealed record PaymentRefunded(Guid OrderId, decimal Amount);
