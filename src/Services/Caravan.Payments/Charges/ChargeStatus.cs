namespace Caravan.Payments.Charges;

/// <summary>
/// Where a charge stands. <see cref="Voided"/> means nothing was (or will ever be) taken with its
/// key: a refund arrived before any charge (a tombstone), or after a decline.
/// </summary>
internal enum ChargeStatus
{
    Charged,
    Declined,
    Refunded,
    Voided,
}

/// <summary>The kind of a money movement in the ledger.</summary>
internal enum LedgerEntryKind
{
    Charge,
    Refund,
}
