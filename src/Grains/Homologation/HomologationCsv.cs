using System.Text;
using Pulso.Grains.Csv;

namespace Pulso.Grains.Homologation;

/// <summary>
/// The homologation CSV: <c>tipificacion,categoria,es_contacto,es_compromiso</c> with an optional
/// <c>cliente</c> column (the shared/bench file holds every cliente's table in one file).
/// </summary>
public static class HomologationCsv
{
    public static readonly IReadOnlyList<string> RequiredColumns = ["tipificacion", "categoria", "es_contacto", "es_compromiso"];

    /// <summary>Reads the rules grouped by cliente (the empty string when the file has no cliente column).</summary>
    public static Dictionary<string, List<HomologationRule>> Read(CsvReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var schema = Ingestion.CsvSchema.ReadHeader(reader, RequiredColumns);
        var cliente = schema.IndexOf("cliente");
        int tip = schema["tipificacion"], cat = schema["categoria"], contacto = schema["es_contacto"], compromiso = schema["es_compromiso"];
        var rules = new Dictionary<string, List<HomologationRule>>(StringComparer.Ordinal);
        while (reader.Read())
        {
            schema.CheckFieldCount(reader);
            var key = cliente >= 0 ? Encoding.UTF8.GetString(reader.Field(cliente)) : string.Empty;
            if (!rules.TryGetValue(key, out var list))
            {
                rules[key] = list = [];
            }

            list.Add(new HomologationRule(
                Encoding.UTF8.GetString(reader.Field(tip)),
                Encoding.UTF8.GetString(reader.Field(cat)),
                Flag(reader, contacto, "es_contacto"),
                Flag(reader, compromiso, "es_compromiso")));
        }

        return rules;
    }

    /// <summary>Reads and validates whole tables per cliente; any problem is a <see cref="CsvFormatException"/> naming the source.</summary>
    public static Dictionary<string, HomologationTable> ReadTables(CsvReader reader)
    {
        var tables = new Dictionary<string, HomologationTable>(StringComparer.Ordinal);
        foreach (var (cliente, rules) in Read(reader))
        {
            var table = HomologationTable.Create(rules, out var errors);
            if (errors.Count > 0)
            {
                var who = cliente.Length > 0 ? $" (cliente {cliente})" : string.Empty;
                throw new CsvFormatException($"{reader.SourceName}{who}: {string.Join("; ", errors)}");
            }

            tables[cliente] = table;
        }

        return tables;
    }

    private static bool Flag(CsvReader reader, int index, string column)
    {
        var text = Encoding.UTF8.GetString(reader.Field(index)).Trim();
        if (text.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (text.Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        throw new CsvFormatException($"{reader.SourceName}: line {reader.Line}: {column} must be true or false, found '{text}'");
    }
}
