using System.Globalization;
using System.Text;
using System.Text.Json;
using Pulso.Engine.Tests.Support;
using Pulso.Grains.Metrics;
using Pulso.Grains.Output;

namespace Pulso.Engine.Tests.Output;

public sealed class JsonResultWriterTests
{
    private static readonly DateOnly s_day = new(2026, 1, 5);

    [Fact]
    public void SnapshotHasDomainNamesCountsAsNumbersAndMoneyAndRatesAsExactStrings()
    {
        var table = new DayTable().Add("EJ0001", "PROMESA DE PAGO", saldoCents: -75).Add("EJ0001", "NO CONTESTA", saldoCents: 12_800).Jornada("EJ0001", 640)
            .Add("EJ0002", saldoCents: 5);
        var result = TheEngine.Query([table.Table], TheEngine.StandardMapping(), [Dimension.Ejecutivo, Dimension.Dia]);

        var json = Write(result, version: 7);

        Assert.Equal(
            "{\"tenant\":\"banco-a\",\"from\":\"2026-01-05\",\"to\":\"2026-01-05\",\"groupBy\":[\"ejecutivo\",\"dia\"]," +
            "\"metrics\":[\"total_gestiones\",\"contactos\",\"compromisos\",\"saldo_total\",\"deudores_unicos\",\"horas_trabajadas\",\"tasa_contactabilidad\",\"pdps_por_hora\"]," +
            "\"version\":7,\"rows\":[" +
            "{\"ejecutivo\":\"EJ0001\",\"dia\":\"2026-01-05\",\"total_gestiones\":2,\"contactos\":1,\"compromisos\":1,\"saldo_total\":\"127.25\",\"deudores_unicos\":1," +
            "\"horas_trabajadas\":\"6.40\",\"tasa_contactabilidad\":\"50.0000\",\"pdps_por_hora\":\"0.1563\"}," +
            "{\"ejecutivo\":\"EJ0002\",\"dia\":\"2026-01-05\",\"total_gestiones\":1,\"contactos\":1,\"compromisos\":0,\"saldo_total\":\"0.05\",\"deudores_unicos\":1," +
            "\"horas_trabajadas\":null,\"tasa_contactabilidad\":\"100.0000\",\"pdps_por_hora\":null}]}",
            json);
    }

    [Fact]
    public void TextIsEscapedLikeTheSerializerDoes()
    {
        var table = new DayTable().Add("Peña \"la jefa\"", "Buzón de voz").Add("EJ<1>&", "x\\y");
        var result = TheEngine.Query([table.Table], TheEngine.StandardMapping(), [Dimension.Ejecutivo, Dimension.Tipificacion], ["total_gestiones"]);

        using var parsed = JsonDocument.Parse(Write(result, version: 1));
        var rows = parsed.RootElement.GetProperty("rows").EnumerateArray().ToList();

        Assert.Equal(["EJ<1>&", "Peña \"la jefa\""], rows.Select(r => r.GetProperty("ejecutivo").GetString()));
        Assert.Equal(["X\\Y", "BUZÓN DE VOZ"], rows.Select(r => r.GetProperty("tipificacion").GetString()));
        Assert.Contains("\"ejecutivo\":\"Pe\\u00F1a \\u0022la jefa\\u0022\"", Write(result, version: 1), StringComparison.Ordinal);
    }

    [Fact]
    public void ManyRowsAreWrittenAsAPlainWriterWouldWriteThem()
    {
        var table = new DayTable();
        for (var i = 0; i < 20_000; i++)
        {
            table.Add($"EJ{i % 2_500:00000}", i % 3 == 0 ? "PROMESA DE PAGO" : "NO CONTESTA", saldoCents: (i * 7_919L % 1_000_003) - 500_000, documento: $"{i % 4_000}", hora: i % 24);
        }

        for (var e = 0; e < 2_500; e += 3)
        {
            table.Jornada($"EJ{e:00000}", e % 7 == 0 ? 0 : 300 + e);
        }

        var result = TheEngine.Query([table.Table], TheEngine.StandardMapping(), [Dimension.Ejecutivo, Dimension.Hora]);

        Assert.True(result.RowCount > 10_000);
        Assert.Equal(Plain(result, version: 42), Write(result, version: 42));
    }

    private static string Write(QueryResult result, long version)
    {
        using var stream = new MemoryStream();
        JsonResultWriter.WriteAsync(stream, "banco-a", s_day, s_day, version, result).GetAwaiter().GetResult();
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    // The snapshot written value by value with the serializer's writer, as the contract reads: the oracle.
    private static string Plain(QueryResult result, long version)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("tenant", "banco-a");
            json.WriteString("from", "2026-01-05");
            json.WriteString("to", "2026-01-05");
            json.WriteStartArray("groupBy");
            foreach (var g in result.GroupBy)
            {
                json.WriteStringValue(Dimensions.Name(g));
            }

            json.WriteEndArray();
            json.WriteStartArray("metrics");
            foreach (var m in result.Metrics)
            {
                json.WriteStringValue(m.Name);
            }

            json.WriteEndArray();
            json.WriteNumber("version", version);
            json.WriteStartArray("rows");
            for (var r = 0; r < result.RowCount; r++)
            {
                json.WriteStartObject();
                for (var d = 0; d < result.GroupBy.Count; d++)
                {
                    json.WriteString(Dimensions.Name(result.GroupBy[d]), result.DimensionColumns[d][r]);
                }

                foreach (var m in result.Metrics)
                {
                    if (m.GetDecimal(r) is not { } value)
                    {
                        json.WriteNull(m.Name);
                    }
                    else if (m.Kind == MetricValueKind.Integer)
                    {
                        json.WriteNumber(m.Name, (long)value);
                    }
                    else
                    {
                        json.WriteString(m.Name, value.ToString("F" + m.Decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
                    }
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
