namespace Caravan.Sagas;

/// <summary>The saga definitions of this process, by name.</summary>
public sealed class SagaRegistry
{
    private readonly Dictionary<string, SagaDefinition> _definitions = new(StringComparer.Ordinal);

    public IReadOnlyCollection<SagaDefinition> Definitions => _definitions.Values;

    internal HashSet<Type> HandledReplyTypes { get; } = [];

    internal bool TimeoutsHandled { get; set; }

    public void Add(SagaDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (!_definitions.TryAdd(definition.Name, definition))
        {
            throw new InvalidOperationException($"A saga named '{definition.Name}' is already registered.");
        }
    }

    public SagaDefinition Get(string name) =>
        _definitions.TryGetValue(name, out var definition)
            ? definition
            : throw new InvalidOperationException($"No saga named '{name}' is registered in this process.");
}
