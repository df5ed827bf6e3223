namespace Caravan.Messaging;

/// <summary>
/// The two-way map between CLR message types and their stable wire names. Names are chosen by
/// the application when it registers a message, so a class can be renamed or moved without
/// breaking messages already queued under the old name.
/// </summary>
public sealed class MessageTypeRegistry
{
    private readonly Dictionary<Type, MessageRegistration> _byType = [];
    private readonly Dictionary<string, MessageRegistration> _byName = new(StringComparer.Ordinal);

    public IEnumerable<MessageRegistration> All => _byType.Values;

    public void Add(MessageRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        if (_byName.TryGetValue(registration.Name, out var existing) && existing.ClrType != registration.ClrType)
        {
            throw new InvalidOperationException(
                $"The wire name '{registration.Name}' is already used by {existing.ClrType.FullName}.");
        }

        if (_byType.TryGetValue(registration.ClrType, out existing) && existing.Name != registration.Name)
        {
            throw new InvalidOperationException(
                $"{registration.ClrType.FullName} is already registered as '{existing.Name}'.");
        }

        _byType[registration.ClrType] = registration;
        _byName[registration.Name] = registration;
    }

    public MessageRegistration Get(Type clrType) =>
        _byType.TryGetValue(clrType, out var registration)
            ? registration
            : throw new InvalidOperationException(
                $"{clrType.FullName} is not a registered message type; register it with AddMessage<{clrType.Name}>(\"wire-name\").");

    public bool TryGet(string name, out MessageRegistration registration) =>
        _byName.TryGetValue(name, out registration!);
}

/// <summary>A message type known to this process: its wire name and, for commands, its default destination queue.</summary>
public sealed record MessageRegistration(Type ClrType, string Name, string? DefaultDestination);
