namespace Caravan.Messaging;

/// <summary>Which handlers run, on which endpoint (queue), for which wire message type.</summary>
public sealed class HandlerRegistry
{
    private readonly Dictionary<string, Dictionary<string, List<HandlerRegistration>>> _byEndpoint = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Endpoints => _byEndpoint.Keys;

    public void Add(HandlerRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        if (!_byEndpoint.TryGetValue(registration.Endpoint, out var byType))
        {
            byType = new Dictionary<string, List<HandlerRegistration>>(StringComparer.Ordinal);
            _byEndpoint[registration.Endpoint] = byType;
        }

        if (!byType.TryGetValue(registration.MessageType, out var handlers))
        {
            handlers = [];
            byType[registration.MessageType] = handlers;
        }

        handlers.Add(registration);
    }

    public IReadOnlyList<HandlerRegistration> Get(string endpoint, string messageType) =>
        _byEndpoint.TryGetValue(endpoint, out var byType) && byType.TryGetValue(messageType, out var handlers)
            ? handlers
            : [];

    public IReadOnlyCollection<string> MessageTypes(string endpoint) =>
        _byEndpoint.TryGetValue(endpoint, out var byType) ? byType.Keys : [];
}

/// <summary>One handler of one message type on one endpoint.</summary>
public sealed record HandlerRegistration(
    string Endpoint,
    string MessageType,
    Type ClrType,
    Func<IServiceProvider, object, MessageContext, CancellationToken, Task> Invoke);
