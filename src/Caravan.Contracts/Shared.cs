namespace Caravan.Contracts;

/// <summary>One line of an order as the customer asked for it.</summary>
public sealed record OrderLine(string Sku, int Quantity);

/// <summary>An order line with the unit price Inventory reserved it at.</summary>
public sealed record PricedLine(string Sku, int Quantity, decimal UnitPrice);

/// <summary>A postal address; <see cref="Country"/> is an ISO 3166-1 alpha-2 code.</summary>
public sealed record Address(string Line1, string City, string PostalCode, string Country);

/// <summary>The queue (service) names commands are sent to.</summary>
public static class Queues
{
    public const string Users = "users";
    public const string Orders = "orders";
    public const string Inventory = "inventory";
    public const string Payments = "payments";
    public const string Shipping = "shipping";
    public const string Notifications = "notifications";
}
