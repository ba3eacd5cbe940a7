using System.Globalization;
using Apache.Arrow;

namespace Pulso.Grains.Sources;

/// <summary>How the values of an Arrow column become the text DESIGN 2.1 fields are checked on (see <see cref="SourceText"/>).</summary>
internal static class ArrowText
{
    public static Func<int, string?> Of(IArrowArray array) => array switch
    {
        StringArray s => i => s.GetString(i),
        Int64Array a => i => a.GetValue(i)?.ToString(CultureInfo.InvariantCulture),
        Int32Array a => i => a.GetValue(i)?.ToString(CultureInfo.InvariantCulture),
        Int16Array a => i => a.GetValue(i)?.ToString(CultureInfo.InvariantCulture),
        Decimal128Array a => i => a.GetValue(i)?.ToString(CultureInfo.InvariantCulture),
        DoubleArray a => i => a.GetValue(i)?.ToString("R", CultureInfo.InvariantCulture),
        Date32Array a => i => a.GetDateOnly(i)?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        Date64Array a => i => a.GetDateOnly(i)?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimestampArray a => i => a.GetTimestamp(i) is { } t ? SourceText.Format(t.DateTime) : null,
        BooleanArray a => i => a.GetValue(i) is { } b ? (b ? "true" : "false") : null,
        _ => throw new NotSupportedException($"Arrow columns of type {array.Data.DataType.Name} are not read; use utf8, integers, decimal128, float64, dates or timestamps"),
    };
}
