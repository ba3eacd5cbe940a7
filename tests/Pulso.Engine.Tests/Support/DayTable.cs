using System.Text;
using Pulso.Grains.Metrics;

namespace Pulso.Engine.Tests.Support;

/// <summary>Fills a <see cref="MetricTable"/> with accepted gestiones, spelled out for a test.</summary>
internal sealed class DayTable
{
    public DayTable(string day = "2026-01-05")
    {
        Table = new MetricTable(DateOnly.ParseExact(day, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
    }

    public MetricTable Table { get; }

    public DayTable Add(
        string ejecutivo = "EJ0001",
        string tipificacion = "CONTACTO TITULAR",
        long saldoCents = 0,
        string documento = "12345678",
        int hora = 8,
        string canal = "LLAMADA",
        int diasMora = 0,
        int times = 1)
    {
        var ejecutivoBytes = Encoding.UTF8.GetBytes(ejecutivo);
        var canalBytes = Encoding.UTF8.GetBytes(canal);
        var tipificacionBytes = Encoding.UTF8.GetBytes(tipificacion);
        var documentoBytes = Encoding.UTF8.GetBytes(documento);
        for (var i = 0; i < times; i++)
        {
            Table.Add(ejecutivoBytes, hora, canalBytes, tipificacionBytes, TramoMora.Of(diasMora), saldoCents, documentoBytes);
        }

        return this;
    }

    public DayTable Jornada(string ejecutivo, long hoursCents)
    {
        Table.SetJornada(Encoding.UTF8.GetBytes(ejecutivo), hoursCents);
        return this;
    }
}
