namespace Caravan.Orders.Data;

/// <summary>An order's status as clients see it.</summary>
public enum OrderStatus
{
    /// <summary>Accepted; the saga is running.</summary>
    Pending,

    /// <summary>A step failed; completed steps are being undone (also while the saga is stuck).</summary>
    Compensating,

    /// <summary>Reserved, paid and shipped. Final.</summary>
    Confirmed,

    /// <summary>Failed and fully undone (or resolved by an operator). Final.</summary>
    Cancelled,
}
