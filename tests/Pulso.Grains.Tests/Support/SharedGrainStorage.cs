using System.Collections.Concurrent;
using System.Globalization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Pulso.Grains.Tests.Support;

/// <summary>
/// Grain storage that outlives any one silo: records live in a process-wide dictionary, written with the
/// Orleans binary serializer as the real silo configures it (<see cref="OrleansGrainStorageSerializer"/>).
/// Memory grain storage keeps its records in grains inside the cluster, so a killed silo could take a
/// tenant's settings with it; a real store (Redis) would not, and neither does this one.
/// </summary>
internal sealed class SharedGrainStorage(IGrainStorageSerializer serializer, IActivatorProvider activators) : IGrainStorage
{
    private static readonly ConcurrentDictionary<string, StoredRecord> s_records = new(StringComparer.Ordinal);
    private static long s_lastEtag;

    /// <summary>The bytes of every record stored, as a store's operator could read them.</summary>
    public static IEnumerable<byte[]> StoredBytes => s_records.Values.Select(r => r.Data);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (s_records.TryGetValue(Key(stateName, grainId), out var record))
        {
            grainState.State = serializer.Deserialize<T>(new BinaryData(record.Data));
            grainState.ETag = record.ETag;
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = activators.GetActivator<T>().Create();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = Key(stateName, grainId);
        var data = serializer.Serialize(grainState.State).ToArray();
        var etag = NextEtag();
        var stored = s_records.AddOrUpdate(
            key,
            _ => grainState.ETag is null ? new StoredRecord(data, etag) : throw Inconsistent(grainState.ETag, null),
            (_, current) => current.ETag == grainState.ETag ? new StoredRecord(data, etag) : throw Inconsistent(grainState.ETag, current.ETag));
        grainState.ETag = stored.ETag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = Key(stateName, grainId);
        if (s_records.TryGetValue(key, out var current))
        {
            if (current.ETag != grainState.ETag)
            {
                throw Inconsistent(grainState.ETag, current.ETag);
            }

            s_records.TryRemove(KeyValuePair.Create(key, current));
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = activators.GetActivator<T>().Create();
        return Task.CompletedTask;
    }

    private static string Key(string stateName, GrainId grainId) => $"{stateName}|{grainId}";

    private static string NextEtag() => Interlocked.Increment(ref s_lastEtag).ToString(CultureInfo.InvariantCulture);

    private static InconsistentStateException Inconsistent(string? expected, string? stored) =>
        new($"etag mismatch: the grain holds '{expected}', the store '{stored}'", stored ?? string.Empty, expected ?? string.Empty);

    private sealed record StoredRecord(byte[] Data, string ETag);
}
