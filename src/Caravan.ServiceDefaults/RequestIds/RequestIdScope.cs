using System.Collections;

namespace Caravan.ServiceDefaults.RequestIds;

/// <summary>
/// The logging scope of one request: the single pair <c>caravan.request_id = {id}</c>, read by the
/// structured log providers (OpenTelemetry, JSON console) as a key/value list, and printed by the plain
/// console as <c>caravan.request_id:{id}</c>.
/// </summary>
internal sealed class RequestIdScope(string id) : IReadOnlyList<KeyValuePair<string, object>>
{
    public int Count => 1;

    public KeyValuePair<string, object> this[int index] =>
        index == 0 ? new(RequestId.TagName, id) : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
    {
        yield return this[0];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"{RequestId.TagName}:{id}";
}
