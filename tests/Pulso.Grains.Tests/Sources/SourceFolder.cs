using System.Globalization;
using System.Text;
using Pulso.Grains.Tests.Support;

namespace Pulso.Grains.Tests.Sources;

/// <summary>
/// A folder a file source reads, deleted on dispose. Files appear whole (written aside, then renamed), as a
/// well-behaved producer drops them, so a source polling on its timer never sees half a file.
/// </summary>
internal sealed class SourceFolder : IDisposable
{
    public const string GestionesHeader = "gestion_id,cliente,fecha,documento,ejecutivo,tipificacion,saldo,dias_mora,canal";

    // A dias_mora inside each tramo_mora band, by band index.
    private static readonly string[] s_diasMora = ["-3", "45", "61", "180", "200", "361"];

    private long _nextId;

    public SourceFolder(bool create = true)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"pulso-source-{Guid.NewGuid():N}");
        if (create)
        {
            Create();
        }
    }

    public string Path { get; }

    public void Create() => Directory.CreateDirectory(Path);

    /// <summary>Writes <paramref name="rows"/> as a gestiones file of <paramref name="cliente"/>.</summary>
    public void WriteGestiones(string name, string cliente, IEnumerable<GestionRow> rows, IEnumerable<string>? extraLines = null)
    {
        var text = new StringBuilder(GestionesHeader).Append('\n');
        foreach (var row in rows)
        {
            text.Append(Line(cliente, row)).Append('\n');
        }

        foreach (var line in extraLines ?? [])
        {
            text.Append(line).Append('\n');
        }

        Write(name, text.ToString());
    }

    /// <summary>One gestiones line of <paramref name="cliente"/> for <paramref name="row"/>.</summary>
    public string Line(string cliente, GestionRow row)
    {
        var id = ++_nextId;
        var fecha = $"{row.Day:yyyy-MM-dd} {row.Hora:00}:{id % 60:00}:{id * 7 % 60:00}";
        return string.Join(',', new[]
        {
            id.ToString(CultureInfo.InvariantCulture), cliente, fecha, row.Documento, row.Ejecutivo, row.Tipificacion,
            Saldo(row.SaldoCents), s_diasMora[row.Tramo], row.Canal,
        }.Select(Field));
    }

    public void WriteJornadas(string name, string cliente, IEnumerable<(DateOnly Day, string Ejecutivo, long HorasCents)> jornadas, IEnumerable<string>? extraLines = null)
    {
        var text = new StringBuilder("cliente,ejecutivo,fecha,horas_trabajadas\n");
        foreach (var (day, ejecutivo, cents) in jornadas)
        {
            text.Append(CultureInfo.InvariantCulture, $"{cliente},{Field(ejecutivo)},{day:yyyy-MM-dd},{Saldo(cents)}\n");
        }

        foreach (var line in extraLines ?? [])
        {
            text.Append(line).Append('\n');
        }

        Write(name, text.ToString());
    }

    /// <summary>Drops a file into the folder in one step.</summary>
    public void Write(string name, string text)
    {
        var aside = System.IO.Path.Combine(Path, name + ".part");
        File.WriteAllText(aside, text, new UTF8Encoding(false));
        File.Move(aside, System.IO.Path.Combine(Path, name));
    }

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(Path))
            {
                Directory.Delete(Path, recursive: true);
            }
        }
        catch (IOException)
        {
            // A file a source still holds open must not turn a passing test into a failure.
        }
    }

    private static string Saldo(long cents) =>
        (cents < 0 ? "-" : string.Empty) + (Math.Abs(cents) / 100).ToString(CultureInfo.InvariantCulture) + "." + (Math.Abs(cents) % 100).ToString("00", CultureInfo.InvariantCulture);

    private static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
