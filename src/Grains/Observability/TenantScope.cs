using System.Collections;

namespace Pulso.Grains.Observability;

/// <summary>
/// A log scope naming the tenant: structured formatters write it as a <c>Tenant</c> property (the JSON console
/// formatter under <c>Scopes</c>), plain ones as <c>Tenant:name</c>.
/// </summary>
public sealed class TenantScope(string tenant) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public string Tenant { get; } = tenant;

    public int Count => 1;

    public KeyValuePair<string, object?> this[int index] =>
        index == 0 ? new KeyValuePair<string, object?>("Tenant", Tenant) : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"Tenant:{Tenant}";
}
