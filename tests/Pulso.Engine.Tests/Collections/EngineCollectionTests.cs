using System.Text;
using Pulso.Grains.Collections;

namespace Pulso.Engine.Tests.Collections;

/// <summary>The metric table's own collections against the framework's, on the same random input.</summary>
public sealed class EngineCollectionTests
{
    [Theory]
    [InlineData(1, 50)]          // one cell, every pair in one run (the sort of long runs)
    [InlineData(20, 5_000)]      // runs of a few hundred
    [InlineData(40_000, 50_000)] // runs of one or two, as in a fresh day table
    public void PairLogHoldsTheDistinctPairsInOrder(int cells, int documentos)
    {
        var random = new Random(cells);
        var log = new PairLog();
        var expected = new SortedSet<long>();
        for (var round = 0; round < 3; round++)
        {
            // Each round adds to what the previous rounds compacted, duplicates included.
            for (var i = 0; i < 60_000; i++)
            {
                var pair = ((long)random.Next(cells) << 32) | (uint)random.Next(documentos);
                log.Add(pair);
                expected.Add(pair);
            }

            Assert.Equal(expected.ToArray(), log.Members.ToArray());
            Assert.Equal(expected.Count, log.Count);
        }
    }

    [Fact]
    public void PairLogWithHighHalvesBeyondItsSizeStillSorts()
    {
        var log = new PairLog();
        long[] pairs = [(1L << 40) | 7, 3, (1L << 40) | 2, (5L << 32) | 1, 3, (1L << 62) + 9];
        foreach (var pair in pairs)
        {
            log.Add(pair);
        }

        Assert.Equal(pairs.Distinct().Order().ToArray(), log.Members.ToArray());
    }

    [Fact]
    public void CellMapGivesEachKeyOneDenseIndexAcrossGrowth()
    {
        var random = new Random(7);
        var map = new CellMap(16);
        var expected = new Dictionary<long, (int Cell, int Count, long Saldo)>();
        for (var i = 0; i < 200_000; i++)
        {
            var key = random.NextInt64(0, 150_000) * 977;
            var cents = random.NextInt64(-1_000_000, 1_000_000);
            if (i == 100_000)
            {
                map.EnsureCapacity(map.Count + 50_000);
            }

            var cell = map.GetOrAdd(key);
            map.CountOf(cell)++;
            map.SaldoOf(cell) += cents;
            var (known, count, saldo) = expected.TryGetValue(key, out var e) ? e : (expected.Count, 0, 0L);
            Assert.Equal(known, cell);
            expected[key] = (known, count + 1, saldo + cents);
        }

        Assert.Equal(expected.Count, map.Count);
        var seen = 0;
        foreach (ref readonly var entry in map)
        {
            Assert.Equal(seen++, entry.Cell);
            Assert.Equal(expected[entry.Key], (entry.Cell, entry.Count, entry.SaldoCents));
            Assert.Equal(entry.Key, map.KeyOf(entry.Cell));
        }

        Assert.Equal(expected.Count, seen);
    }

    [Fact]
    public void DocumentPoolInternsNumericAndTextDocumentosAlike()
    {
        var random = new Random(11);
        var pool = new DocumentPool();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        string Documento() => random.Next(10) switch
        {
            0 => "X-" + random.Next(5_000).ToString(System.Globalization.CultureInfo.InvariantCulture),
            1 => "00" + random.Next(5_000).ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => random.NextInt64(0, 80_000).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        for (var round = 0; round < 4; round++)
        {
            // Rows one by one (the file path), then a batch's dictionary at once (the grain path).
            for (var i = 0; i < 20_000; i++)
            {
                var documento = Documento();
                var id = pool.GetOrAdd(Encoding.UTF8.GetBytes(documento));
                Assert.Equal(ids.TryGetValue(documento, out var known) ? known : ids.Count, id);
                ids.TryAdd(documento, id);
            }

            var batch = Enumerable.Range(0, 20_000).Select(_ => Documento()).Distinct(StringComparer.Ordinal).ToArray();
            var batchIds = new int[batch.Length];
            pool.GetOrAddMany(batch, batchIds);
            for (var i = 0; i < batch.Length; i++)
            {
                if (ids.TryGetValue(batch[i], out var known))
                {
                    Assert.Equal(known, batchIds[i]);
                }
                else
                {
                    ids.Add(batch[i], batchIds[i]);
                }
            }
        }

        Assert.Equal(ids.Count, pool.Count);
        Assert.Equal(ids.Count, ids.Values.Distinct().Count());
        foreach (var (documento, id) in ids)
        {
            Assert.Equal(documento, pool.GetString(id));
        }
    }

    /// <summary>
    /// A day table receives pushes of a hundred rows all day, each making room for its rows first: every hash table
    /// must grow geometrically then, not to the exact need (which rebuilt the whole table on every push).
    /// </summary>
    [Fact]
    public void HashTablesGrowGeometricallyWhenRoomIsMadeInSmallSteps()
    {
        const int Steps = 2_000, PerStep = 100;
        var pool = new DocumentPool();
        var map = new LongIntMap();
        var cells = new CellMap(16);
        var sizes = (Pool: new HashSet<int>(), Map: new HashSet<int>(), Cells: new HashSet<int>());
        var added = new int[CellMap.Partitions];
        var next = 0L;
        for (var step = 0; step < Steps; step++)
        {
            pool.EnsureCapacity(pool.Count + PerStep);
            map.EnsureCapacity(map.Count + PerStep);
            Array.Clear(added);
            for (var i = 0; i < PerStep; i++)
            {
                added[CellMap.PartitionOf(next + i)]++;
            }

            cells.EnsureCapacity(added);
            for (var i = 0; i < PerStep; i++, next++)
            {
                Assert.Equal((int)next, pool.GetOrAdd(Encoding.ASCII.GetBytes(next.ToString(System.Globalization.CultureInfo.InvariantCulture))));
                Assert.Equal((int)next, map.GetOrAdd(next, (int)next));
                Assert.Equal((int)next, cells.GetOrAdd(next));
            }

            sizes.Pool.Add(pool.SlotCount);
            sizes.Map.Add(map.SlotCount);
            sizes.Cells.Add(cells.SlotCount);
        }

        // Doubling from 16 slots to 200,000 entries takes about 14 sizes; growing to the exact need took one a step.
        var bound = (int)Math.Ceiling(Math.Log2(Steps * PerStep)) + 2;
        Assert.InRange(sizes.Pool.Count, 1, bound);
        Assert.InRange(sizes.Map.Count, 1, bound);
        Assert.InRange(sizes.Cells.Count, 1, bound * CellMap.Partitions); // each sub-table grows on its own
    }
}
