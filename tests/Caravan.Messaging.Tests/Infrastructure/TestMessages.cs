namespace Caravan.Messaging.Tests;

public sealed record Ping(int Number, string Text = "");

public sealed record Pong(int Number);

public sealed record OrderPlaced(Guid OrderId, decimal Total);

public sealed record Poison(string Why);
