using Apache.Arrow;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using Pulso.Grains.Metrics;

namespace Pulso.Grains.Output;

/// <summary>
/// A <see cref="QueryResult"/> as an Arrow record batch (DESIGN 5): utf8 dimensions, int64 counts,
/// decimal128(20,2) money and hours, decimal128(12,4) built-in rates and decimal128(20,4) tenant-defined
/// rates (a tenant ratio with a scale can exceed the 8 integer digits of (12,4)).
/// </summary>
public static class ArrowResultWriter
{
    public static RecordBatch ToRecordBatch(QueryResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var fields = new List<Field>();
        var arrays = new List<IArrowArray>();
        for (var d = 0; d < result.GroupBy.Count; d++)
        {
            var builder = new StringArray.Builder();
            foreach (var value in result.DimensionColumns[d])
            {
                builder.Append(value);
            }

            fields.Add(new Field(Dimensions.Name(result.GroupBy[d]), StringType.Default, nullable: false));
            arrays.Add(builder.Build());
        }

        foreach (var column in result.Metrics)
        {
            var nullable = column.Nulls is not null;
            if (column.Kind == MetricValueKind.Integer)
            {
                var builder = new Int64Array.Builder();
                for (var r = 0; r < result.RowCount; r++)
                {
                    if (column.IsNull(r))
                    {
                        builder.AppendNull();
                    }
                    else
                    {
                        builder.Append(column.Values[r]);
                    }
                }

                fields.Add(new Field(column.Name, Int64Type.Default, nullable));
                arrays.Add(builder.Build());
                continue;
            }

            var type = column.Kind == MetricValueKind.Money
                ? new Decimal128Type(20, 2)
                : new Decimal128Type(column.IsBuiltin ? 12 : 20, 4);
            var decimals = new Decimal128Array.Builder(type);
            for (var r = 0; r < result.RowCount; r++)
            {
                var value = column.GetDecimal(r);
                if (value is null)
                {
                    decimals.AppendNull();
                }
                else
                {
                    decimals.Append(value.Value);
                }
            }

            fields.Add(new Field(column.Name, type, nullable));
            arrays.Add(decimals.Build());
        }

        var schema = new Schema(fields, metadata: null);
        return new RecordBatch(schema, arrays, result.RowCount);
    }

    /// <summary>Writes the result as an Arrow IPC stream (<c>application/vnd.apache.arrow.stream</c>).</summary>
    public static void WriteStream(QueryResult result, Stream stream)
    {
        using var batch = ToRecordBatch(result);
        using var writer = new ArrowStreamWriter(stream, batch.Schema, leaveOpen: true);
        writer.WriteRecordBatch(batch);
        writer.WriteEnd();
    }
}
