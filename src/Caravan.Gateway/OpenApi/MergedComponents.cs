using System.Globalization;
using System.Text.Json.Nodes;

namespace Caravan.Gateway.OpenApi;

/// <summary>
/// The <c>components</c> of the merged document, filled service by service. A component whose name is new
/// is taken as it is; one equal to the component of that name already merged is shared; one that differs
/// is renamed <c>{Service}_{Name}</c> and every reference to it in that service's document is rewritten.
/// Equality is judged after the service's own renames (an <c>Order</c> that points at a renamed
/// <c>Money</c> is not the same <c>Order</c> any more), so the renames are found by repeating until none is
/// added. Problem-details schemas are one for the whole API (the services share that shape by contract):
/// the first service's is kept and never renamed.
/// </summary>
internal sealed class MergedComponents
{
    private const string Schemas = "schemas";
    private static readonly HashSet<string> s_sharedSchemas = new(StringComparer.Ordinal) { ProblemDetailsSchema.Name, "HttpValidationProblemDetails" };

    public JsonObject Components { get; } = [];

    /// <summary>Adds one service's components; returns its renames (old pointer → new pointer), which the
    /// caller applies to the rest of that service's document.</summary>
    public IReadOnlyDictionary<string, string> Add(string service, JsonObject? components)
    {
        var entries = (components ?? [])
            .Where(kind => kind.Value is JsonObject)
            .SelectMany(kind => kind.Value!.AsObject().Select(component => new Entry(kind.Key, component.Key, component.Value)))
            .ToList();
        var newNames = new Dictionary<Entry, string>();
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        bool found;
        do
        {
            found = false;
            foreach (var entry in entries.Where(entry => !newNames.ContainsKey(entry) && !IsShared(entry)))
            {
                if (Kind(entry.Kind)[entry.Name] is { } existing && !JsonNode.DeepEquals(existing, Rewritten(entry.Definition, renamed)))
                {
                    var newName = FreeName(service, entry, entries, newNames.Values);
                    newNames[entry] = newName;
                    renamed[ComponentReferences.Pointer(entry.Kind, entry.Name)] = ComponentReferences.Pointer(entry.Kind, newName);
                    found = true;
                }
            }
        }
        while (found);

        foreach (var entry in entries)
        {
            var name = newNames.GetValueOrDefault(entry, entry.Name);
            if (!Kind(entry.Kind).ContainsKey(name))
            {
                Kind(entry.Kind)[name] = Rewritten(entry.Definition, renamed);
            }
        }

        return renamed;
    }

    /// <summary>Adds <paramref name="definition"/> under <paramref name="name"/> unless a component of that name exists.</summary>
    public void AddIfAbsent(string kind, string name, JsonNode definition) => Kind(kind).TryAdd(name, definition);

    private JsonObject Kind(string kind)
    {
        if (Components[kind] is not JsonObject components)
        {
            components = [];
            Components[kind] = components;
        }

        return components;
    }

    private string FreeName(string service, Entry entry, List<Entry> entries, IEnumerable<string> taken)
    {
        var prefix = $"{char.ToUpperInvariant(service[0])}{service[1..]}_{entry.Name}";
        var candidate = prefix;
        for (var counter = 2; Kind(entry.Kind).ContainsKey(candidate)
                              || entries.Any(other => other.Kind == entry.Kind && other.Name == candidate)
                              || taken.Contains(candidate); counter++)
        {
            candidate = prefix + counter.ToString(CultureInfo.InvariantCulture);
        }

        return candidate;
    }

    private static bool IsShared(Entry entry) => entry.Kind == Schemas && s_sharedSchemas.Contains(entry.Name);

    private static JsonNode? Rewritten(JsonNode? definition, IReadOnlyDictionary<string, string> renamed)
    {
        var copy = definition?.DeepClone();
        ComponentReferences.Rewrite(copy, renamed);
        return copy;
    }

    private sealed record Entry(string Kind, string Name, JsonNode? Definition);
}
