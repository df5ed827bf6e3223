namespace Caravan.Gateway.OpenApi;

/// <summary>A service the gateway forwards to.</summary>
/// <param name="Service">The service's name (the host of its destination address).</param>
/// <param name="BaseAddress">Where the gateway reaches it, resolved by service discovery (<c>http://orders</c>).</param>
internal sealed record ServiceAddress(string Service, Uri BaseAddress);
