namespace Caravan.Users.Orders;

/// <summary>How Users calls the Orders service; bound from <c>Caravan:Users:Orders</c>.</summary>
internal sealed class OrdersClientOptions
{
    public const string Section = "Caravan:Users:Orders";

    /// <summary>
    /// The deadline of one call, retries included. A user waiting on a list of orders is better served
    /// by a quick 503 than by the resilience handler's full retry schedule.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);
}
