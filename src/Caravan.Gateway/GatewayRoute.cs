namespace Caravan.Gateway;

/// <summary>
/// One public path prefix and the service that owns it. The prefix itself and everything below it
/// (<c>/api/v1/orders</c>, <c>/api/v1/orders/42/cancel</c>) go to <see cref="Service"/>, found through
/// service discovery as <c>http://{Service}</c>.
/// </summary>
public sealed record GatewayRoute(string PathPrefix, string Service);
