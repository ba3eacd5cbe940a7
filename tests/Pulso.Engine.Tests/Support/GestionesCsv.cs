using System.Globalization;
using System.Text;

namespace Pulso.Engine.Tests.Support;

/// <summary>Builds a gestiones.csv in the shared/bench layout, one row at a time.</summary>
internal sealed class GestionesCsv
{
    public const string Header = "gestion_id,cliente,fecha,documento,ejecutivo,tipificacion,saldo,dias_mora,canal";

    private readonly StringBuilder _text = new(Header + "\n");
    private long _id;

    public int Rows { get; private set; }

    public GestionesCsv Row(
        string cliente = "banco-a",
        string fecha = "2026-01-05 08:00:00",
        string documento = "12345678",
        string ejecutivo = "EJ0001",
        string tipificacion = "CONTACTO TITULAR",
        string saldo = "1.00",
        string diasMora = "0",
        string canal = "LLAMADA")
    {
        _id++;
        Rows++;
        _text.Append(CsvText.Line(
            _id.ToString(CultureInfo.InvariantCulture), cliente, fecha, documento, ejecutivo, tipificacion, saldo, diasMora, canal));
        _text.Append('\n');
        return this;
    }

    public GestionesCsv Raw(string line)
    {
        _text.Append(line);
        return this;
    }

    public override string ToString() => _text.ToString();
}
