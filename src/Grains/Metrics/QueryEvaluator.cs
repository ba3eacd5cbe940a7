using System.Globalization;
using Pulso.Grains.Collections;
using Pulso.Grains.Homologation;
using Pulso.Grains.Text;

namespace Pulso.Grains.Metrics;

/// <summary>
/// Evaluates a <see cref="MetricQuery"/> over day tables: filters and groups cells, applies the
/// homologation at this point (so a new mapping changes every figure at once), counts distinct
/// debtors and hours exactly, then derives ratios with exact integer rounding.
/// </summary>
public static class QueryEvaluator
{
    /// <summary>Evaluates <paramref name="query"/>; tables outside its range are skipped. Throws <see cref="ArgumentException"/> for unknown metrics.</summary>
    public static QueryResult Evaluate(IEnumerable<MetricTable> tables, MetricQuery query, HomologationTable homologation, MetricCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(query);
        var evaluation = new Evaluation(query, homologation, catalog);

        // Distinct debtors within one table count the same whether the groups are per day or not, so a query that
        // a single table answers keeps the table's own documento indexes instead of interning every documento into
        // a query-wide pool. Whether another table follows is known one table later.
        MetricTable? first = null;
        var several = false;
        foreach (var table in tables)
        {
            if (!evaluation.Covers(table))
            {
                continue;
            }

            if (first is null)
            {
                first = table;
                continue;
            }

            if (!several)
            {
                evaluation.Add(first, singleTable: false);
                several = true;
            }

            evaluation.Add(table, singleTable: false);
        }

        if (first is not null && !several)
        {
            evaluation.Add(first, singleTable: true);
        }

        return evaluation.Finish();
    }

    private readonly record struct GroupKey(int Dia, int Hora, int Ejecutivo, int Canal, int Tipificacion, int Categoria, int Tramo);

    private sealed class Accumulator
    {
        public long[] Values = new long[64];
        public bool[]? Present;

        public void Ensure(int groups)
        {
            if (groups > Values.Length)
            {
                var n = Math.Max(groups, Values.Length * 2);
                Array.Resize(ref Values, n);
                if (Present is not null)
                {
                    Array.Resize(ref Present, n);
                }
            }
        }
    }

    private sealed class Evaluation
    {
        private readonly MetricQuery _query;
        private readonly HomologationTable _homologation;
        private readonly List<MetricNode> _requested = [];
        private readonly List<MetricNode> _counts = [];
        private readonly List<MetricNode> _distincts = [];
        private readonly Dictionary<MetricNode, Accumulator> _accumulators = [];
        private readonly MetricNode? _horas;
        private readonly bool[] _grouped = new bool[7];
        private readonly bool _perDayDistinct;
        private readonly Dictionary<GroupKey, int> _groups = [];
        private readonly List<GroupKey> _groupKeys = [];
        private readonly Utf8StringPool _ejecutivos = new();
        private readonly Utf8StringPool _canales = new();
        private readonly Utf8StringPool _tipificaciones = new();
        private readonly Dictionary<string, int> _categorias = new(StringComparer.Ordinal);
        private readonly List<string> _categoriaNames = [];
        private readonly DocumentPool _documentos = new();
        private readonly List<LongSet> _globalDistinct = [];
        private readonly HashSet<string>? _diaFilter;
        private readonly HashSet<string>? _ejecutivoFilter;
        private readonly HashSet<string>? _canalFilter;
        private readonly HashSet<string>? _tipificacionFilter;
        private readonly HashSet<string>? _categoriaFilter;
        private readonly bool[] _horaPass = new bool[32];
        private readonly bool[] _tramoPass = new bool[8];

        public Evaluation(MetricQuery query, HomologationTable homologation, MetricCatalog catalog)
        {
            _query = query;
            _homologation = homologation;
            foreach (var dimension in query.GroupBy)
            {
                if (_grouped[(int)dimension])
                {
                    throw new ArgumentException($"groupBy names '{Dimensions.Name(dimension)}' twice");
                }

                _grouped[(int)dimension] = true;
            }

            _perDayDistinct = _grouped[(int)Dimension.Dia];
            var seen = new HashSet<MetricNode>();
            foreach (var name in query.EffectiveMetrics)
            {
                if (!catalog.Contains(name))
                {
                    throw new ArgumentException($"unknown metric '{name}'");
                }

                var node = catalog.Get(name);
                _requested.Add(node);
                Collect(node, seen);
            }

            foreach (var node in seen)
            {
                switch (node.Op)
                {
                    case MetricOp.Count or MetricOp.Sum:
                        _counts.Add(node);
                        _accumulators[node] = new Accumulator();
                        break;
                    case MetricOp.Distinct:
                        _distincts.Add(node);
                        _accumulators[node] = new Accumulator();
                        break;
                    case MetricOp.Horas:
                        _horas = node;
                        _accumulators[node] = new Accumulator { Present = new bool[64] };
                        break;
                }
            }

            var filters = query.Filters;
            _diaFilter = FilterSet(filters, Dimension.Dia, v => v);
            _ejecutivoFilter = FilterSet(filters, Dimension.Ejecutivo, v => v);
            _canalFilter = FilterSet(filters, Dimension.Canal, v => v);
            _tipificacionFilter = FilterSet(filters, Dimension.Tipificacion, Utf8Text.NormalizeKey);
            _categoriaFilter = FilterSet(filters, Dimension.Categoria, v => v.Trim());
            var horas = FilterSet(filters, Dimension.Hora, v => v);
            for (var h = 0; h < 24; h++)
            {
                _horaPass[h] = horas is null || horas.Contains(h.ToString("00", CultureInfo.InvariantCulture));
            }

            var tramos = FilterSet(filters, Dimension.TramoMora, v => v);
            for (var t = 0; t < TramoMora.Labels.Count; t++)
            {
                _tramoPass[t] = tramos is null || tramos.Contains(TramoMora.Labels[t]);
            }
        }

        /// <summary>The table has cells on a day the query's range and <c>dia</c> filter keep.</summary>
        public bool Covers(MetricTable table)
        {
            var day = table.Day;
            if (day < _query.From || day > _query.To || table.CellCount == 0)
            {
                return false;
            }

            return _diaFilter is null || _diaFilter.Contains(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        /// <summary>Adds a table that <see cref="Covers"/>; <paramref name="singleTable"/> when no other table is added.</summary>
        public void Add(MetricTable table, bool singleTable)
        {
            var day = table.Day;

            var horaPass = HorasFor(day);

            // Per-dictionary lookups, once per distinct value of this table.
            var tipCount = table.Tipificaciones.Count;
            var tipPass = new bool[tipCount];
            var tipField = new long[tipCount]; // the local group-key bits contributed by tipificación/categoría
            var tipEntries = new HomologationEntry[tipCount];
            var tipGlobal = _grouped[(int)Dimension.Tipificacion] ? new int[tipCount] : null;
            var catGlobal = _grouped[(int)Dimension.Categoria] ? new int[tipCount] : null;
            for (var t = 0; t < tipCount; t++)
            {
                var key = table.Tipificaciones.GetString(t);
                var entry = _homologation.Lookup(key);
                tipEntries[t] = entry;
                tipPass[t] = (_tipificacionFilter is null || _tipificacionFilter.Contains(key))
                    && (_categoriaFilter is null || _categoriaFilter.Contains(entry.Categoria));
                if (tipGlobal is not null)
                {
                    tipGlobal[t] = _tipificaciones.GetOrAdd(table.Tipificaciones.GetBytes(t));
                    tipField[t] = (long)t << MetricTable.TipShift;
                }

                if (catGlobal is not null)
                {
                    catGlobal[t] = CategoriaId(entry.Categoria);
                    if (tipGlobal is null)
                    {
                        tipField[t] = (long)catGlobal[t] << MetricTable.TipShift;
                    }
                }
            }

            var ejCount = table.Ejecutivos.Count;
            var ejPass = new bool[ejCount];
            var ejGlobal = _grouped[(int)Dimension.Ejecutivo] ? new int[ejCount] : null;
            for (var e = 0; e < ejCount; e++)
            {
                ejPass[e] = _ejecutivoFilter is null || _ejecutivoFilter.Contains(table.Ejecutivos.GetString(e));
                if (ejGlobal is not null)
                {
                    ejGlobal[e] = _ejecutivos.GetOrAdd(table.Ejecutivos.GetBytes(e));
                }
            }

            var caCount = table.Canales.Count;
            var caPass = new bool[caCount];
            var caGlobal = _grouped[(int)Dimension.Canal] ? new int[caCount] : null;
            var canalNames = new string[caCount];
            for (var c = 0; c < caCount; c++)
            {
                canalNames[c] = table.Canales.GetString(c);
                caPass[c] = _canalFilter is null || _canalFilter.Contains(canalNames[c]);
                if (caGlobal is not null)
                {
                    caGlobal[c] = _canales.GetOrAdd(table.Canales.GetBytes(c));
                }
            }

            // Which base metrics count a cell: by tipificación (categoría, flags) and by canal.
            var countTip = new bool[_counts.Count][];
            var countCanal = new bool[_counts.Count][];
            for (var m = 0; m < _counts.Count; m++)
            {
                (countTip[m], countCanal[m]) = Compile(_counts[m].Predicate, tipEntries, canalNames);
            }

            var distinctTip = new bool[_distincts.Count][];
            var distinctCanal = new bool[_distincts.Count][];
            for (var m = 0; m < _distincts.Count; m++)
            {
                (distinctTip[m], distinctCanal[m]) = Compile(_distincts[m].Predicate, tipEntries, canalNames);
            }

            long keepMask = 0;
            if (_grouped[(int)Dimension.Ejecutivo])
            {
                keepMask |= 0xFFFFFFL << MetricTable.EjecutivoShift;
            }

            if (_grouped[(int)Dimension.Hora])
            {
                keepMask |= 0x1FL << MetricTable.HoraShift;
            }

            if (_grouped[(int)Dimension.Canal])
            {
                keepMask |= 0xFFL << MetricTable.CanalShift;
            }

            if (_grouped[(int)Dimension.TramoMora])
            {
                keepMask |= 0x7L;
            }

            var countAccs = _counts.Select(n => _accumulators[n]).ToArray();
            var countIsSum = _counts.Select(n => n.Op == MetricOp.Sum).ToArray();
            var cellGroup = new int[table.CellCount];
            var localGroups = new LongIntMap(256);
            var dayNumber = day.DayNumber;
            foreach (ref readonly var cell in table.Cells)
            {
                var key = cell.Key;
                var (ej, hora, ca, tip, tramo) = MetricTable.UnpackKey(key);
                if (!(ejPass[ej] && caPass[ca] && tipPass[tip] && horaPass[hora] && _tramoPass[tramo]))
                {
                    cellGroup[cell.Cell] = -1;
                    continue;
                }

                var localKey = (key & keepMask) | tipField[tip];
                if (!localGroups.TryGetValue(localKey, out var g))
                {
                    var groupKey = new GroupKey(
                        _grouped[(int)Dimension.Dia] ? dayNumber : -1,
                        _grouped[(int)Dimension.Hora] ? hora : -1,
                        ejGlobal is null ? -1 : ejGlobal[ej],
                        caGlobal is null ? -1 : caGlobal[ca],
                        tipGlobal is null ? -1 : tipGlobal[tip],
                        catGlobal is null ? -1 : catGlobal[tip],
                        _grouped[(int)Dimension.TramoMora] ? tramo : -1);
                    g = GroupOf(groupKey);
                    localGroups.GetOrAdd(localKey, g);
                }

                cellGroup[cell.Cell] = g;
                for (var m = 0; m < countAccs.Length; m++)
                {
                    if (countTip[m][tip] && countCanal[m][ca])
                    {
                        countAccs[m].Values[g] += countIsSum[m] ? cell.SaldoCents : cell.Count;
                    }
                }
            }

            if (_distincts.Count > 0)
            {
                AddDistinct(table, cellGroup, distinctTip, distinctCanal, _perDayDistinct || singleTable);
            }

            if (_horas is not null)
            {
                var acc = _accumulators[_horas];
                var seen = new LongSet(256);
                for (var i = 0; i < cellGroup.Length; i++)
                {
                    var g = cellGroup[i];
                    if (g < 0)
                    {
                        continue;
                    }

                    var ej = (int)(table.CellKey(i) >> MetricTable.EjecutivoShift);
                    if (seen.Add(((long)g << 32) | (uint)ej))
                    {
                        var cents = table.JornadaCents(ej);
                        if (cents >= 0)
                        {
                            acc.Values[g] += cents;
                            acc.Present![g] = true;
                        }
                    }
                }
            }
        }

        /// <summary>The hours that pass on <paramref name="day"/>: the hora filter, cut by the query's first and last hour.</summary>
        private bool[] HorasFor(DateOnly day)
        {
            var first = day == _query.From ? _query.FromHour : 0;
            var last = day == _query.To ? _query.ToHour : 23;
            if (first <= 0 && last >= 23)
            {
                return _horaPass;
            }

            var pass = (bool[])_horaPass.Clone();
            for (var h = 0; h < 24; h++)
            {
                pass[h] &= h >= first && h <= last;
            }

            return pass;
        }

        private void AddDistinct(MetricTable table, int[] cellGroup, bool[][] distinctTip, bool[][] distinctCanal, bool perTable)
        {
            int[]? docGlobal = null;
            if (!perTable)
            {
                docGlobal = new int[table.Documentos.Count];
                Array.Fill(docGlobal, -1);
            }

            if (!perTable && _globalDistinct.Count == 0)
            {
                for (var m = 0; m < _distincts.Count; m++)
                {
                    _globalDistinct.Add(new LongSet(1024));
                }
            }

            var sets = new LongSet[_distincts.Count];
            for (var m = 0; m < sets.Length; m++)
            {
                sets[m] = perTable ? new LongSet(Math.Max(64, table.PairCount)) : _globalDistinct[m];
            }

            var accs = _distincts.Select(n => _accumulators[n]).ToArray();
            var unconditional = sets.Length == 1 && _distincts[0].Predicate.IsAll;
            foreach (var pair in table.Pairs)
            {
                var cell = (int)(pair >> 32);
                var g = cellGroup[cell];
                if (g < 0)
                {
                    continue;
                }

                var doc = (int)(pair & 0xFFFFFFFF);
                if (docGlobal is not null)
                {
                    var global = docGlobal[doc];
                    if (global < 0)
                    {
                        global = docGlobal[doc] = _documentos.GetOrAddFrom(table.Documentos, doc);
                    }

                    doc = global;
                }

                var member = ((long)g << 32) | (uint)doc;
                if (unconditional)
                {
                    if (sets[0].Add(member))
                    {
                        accs[0].Values[g]++;
                    }

                    continue;
                }

                var (_, _, ca, tip, _) = MetricTable.UnpackKey(table.CellKey(cell));
                for (var m = 0; m < sets.Length; m++)
                {
                    if (distinctTip[m][tip] && distinctCanal[m][ca] && sets[m].Add(member))
                    {
                        accs[m].Values[g]++;
                    }
                }
            }
        }

        public QueryResult Finish()
        {
            var groupCount = _groupKeys.Count;
            var order = SortedGroups(out var dimensionColumns);
            var cache = new Dictionary<MetricNode, (long[] Values, bool[]? Nulls)>();
            var columns = new List<MetricColumn>(_requested.Count);
            foreach (var node in _requested)
            {
                var (values, nulls) = Compute(node, cache, groupCount);
                var sortedValues = new long[groupCount];
                var sortedNulls = nulls is null ? null : new bool[groupCount];
                for (var r = 0; r < groupCount; r++)
                {
                    sortedValues[r] = values[order[r]];
                    if (sortedNulls is not null)
                    {
                        sortedNulls[r] = nulls![order[r]];
                    }
                }

                columns.Add(new MetricColumn(node.Name, node.Kind, node.IsBuiltin, sortedValues, sortedNulls));
            }

            return new QueryResult(_query.GroupBy, dimensionColumns, columns, groupCount);
        }

        private (long[] Values, bool[]? Nulls) Compute(MetricNode node, Dictionary<MetricNode, (long[], bool[]?)> cache, int groups)
        {
            if (cache.TryGetValue(node, out var done))
            {
                return done;
            }

            (long[] Values, bool[]? Nulls) result;
            switch (node.Op)
            {
                case MetricOp.Count or MetricOp.Sum or MetricOp.Distinct:
                    var acc = _accumulators[node];
                    acc.Ensure(groups);
                    result = (acc.Values, null);
                    break;
                case MetricOp.Horas:
                    var horas = _accumulators[node];
                    horas.Ensure(groups);
                    var absent = new bool[groups];
                    for (var g = 0; g < groups; g++)
                    {
                        absent[g] = !horas.Present![g];
                    }

                    result = (horas.Values, absent);
                    break;
                default:
                    var left = Compute(node.Left!, cache, groups);
                    var right = Compute(node.Right!, cache, groups);
                    var values = new long[groups];
                    var nulls = new bool[groups];
                    // value × 10^4 = round(l / 10^dl / (r / 10^dr) × scale × 10^4) = round(l × 10^dr × scale·10^4 / (r × 10^dl))
                    var numeratorFactor = (Int128)Pow10(node.Right!.Decimals) * node.ScaleTimes10K;
                    var denominatorFactor = (Int128)Pow10(node.Left!.Decimals);
                    for (var g = 0; g < groups; g++)
                    {
                        if ((left.Nulls is not null && left.Nulls[g]) || (right.Nulls is not null && right.Nulls[g]) || right.Values[g] == 0)
                        {
                            nulls[g] = true;
                            continue;
                        }

                        values[g] = RoundHalfAwayFromZero(left.Values[g] * numeratorFactor, right.Values[g] * denominatorFactor, node.Name);
                    }

                    result = (values, nulls);
                    break;
            }

            cache[node] = result;
            return result;
        }

        private int[] SortedGroups(out IReadOnlyList<string[]> dimensionColumns)
        {
            var n = _groupKeys.Count;
            var columns = new string[_query.GroupBy.Count][];
            for (var d = 0; d < columns.Length; d++)
            {
                var dimension = _query.GroupBy[d];
                var column = new string[n];
                for (var g = 0; g < n; g++)
                {
                    column[g] = ValueOf(dimension, _groupKeys[g]);
                }

                columns[d] = column;
            }

            var order = new int[n];
            for (var i = 0; i < n; i++)
            {
                order[i] = i;
            }

            Array.Sort(order, (a, b) =>
            {
                foreach (var column in columns)
                {
                    var c = string.CompareOrdinal(column[a], column[b]);
                    if (c != 0)
                    {
                        return c;
                    }
                }

                return 0;
            });

            var sorted = new string[columns.Length][];
            for (var d = 0; d < columns.Length; d++)
            {
                sorted[d] = new string[n];
                for (var r = 0; r < n; r++)
                {
                    sorted[d][r] = columns[d][order[r]];
                }
            }

            dimensionColumns = sorted;
            return order;
        }

        private string ValueOf(Dimension dimension, GroupKey key) => dimension switch
        {
            Dimension.Dia => DateOnly.FromDayNumber(key.Dia).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Dimension.Hora => key.Hora.ToString("00", CultureInfo.InvariantCulture),
            Dimension.Ejecutivo => _ejecutivos.GetString(key.Ejecutivo),
            Dimension.Canal => _canales.GetString(key.Canal),
            Dimension.Tipificacion => _tipificaciones.GetString(key.Tipificacion),
            Dimension.Categoria => _categoriaNames[key.Categoria],
            _ => TramoMora.Labels[key.Tramo],
        };

        private int GroupOf(GroupKey key)
        {
            if (!_groups.TryGetValue(key, out var g))
            {
                g = _groupKeys.Count;
                _groups.Add(key, g);
                _groupKeys.Add(key);
                foreach (var acc in _accumulators.Values)
                {
                    acc.Ensure(g + 1);
                }
            }

            return g;
        }

        private int CategoriaId(string categoria)
        {
            if (!_categorias.TryGetValue(categoria, out var id))
            {
                id = _categoriaNames.Count;
                _categorias.Add(categoria, id);
                _categoriaNames.Add(categoria);
            }

            return id;
        }

        private static (bool[] ByTip, bool[] ByCanal) Compile(CellPredicate predicate, HomologationEntry[] tipEntries, string[] canalNames)
        {
            var byTip = new bool[tipEntries.Length];
            for (var t = 0; t < byTip.Length; t++)
            {
                var entry = tipEntries[t];
                byTip[t] = (predicate.Categorias is null || predicate.Categorias.Contains(entry.Categoria))
                    && predicate.Flag switch
                    {
                        CellFlag.Contacto => entry.EsContacto,
                        CellFlag.Compromiso => entry.EsCompromiso,
                        _ => true,
                    };
            }

            var byCanal = new bool[canalNames.Length];
            for (var c = 0; c < byCanal.Length; c++)
            {
                byCanal[c] = predicate.Canales is null || predicate.Canales.Contains(canalNames[c]);
            }

            return (byTip, byCanal);
        }

        private static void Collect(MetricNode node, HashSet<MetricNode> seen)
        {
            if (!seen.Add(node))
            {
                return;
            }

            if (node.Left is not null)
            {
                Collect(node.Left, seen);
            }

            if (node.Right is not null)
            {
                Collect(node.Right, seen);
            }
        }

        private static HashSet<string>? FilterSet(IReadOnlyDictionary<Dimension, IReadOnlyList<string>> filters, Dimension dimension, Func<string, string> normalize) =>
            filters.TryGetValue(dimension, out var values) ? values.Select(normalize).ToHashSet(StringComparer.Ordinal) : null;
    }

    private static long Pow10(int n) => n switch { 0 => 1, 2 => 100, _ => 10_000 };

    /// <summary>round(n / d) with halves away from zero, exactly.</summary>
    internal static long RoundHalfAwayFromZero(Int128 numerator, Int128 denominator, string metric)
    {
        if (denominator < 0)
        {
            numerator = -numerator;
            denominator = -denominator;
        }

        var negative = numerator < 0;
        var magnitude = negative ? -numerator : numerator;
        var rounded = ((2 * magnitude) + denominator) / (2 * denominator);
        if (rounded > long.MaxValue)
        {
            throw new OverflowException($"metric '{metric}' is too large to represent");
        }

        return negative ? -(long)rounded : (long)rounded;
    }
}
