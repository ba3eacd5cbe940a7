namespace Pulso.Grains.Metrics;

/// <summary>The dimensions a snapshot can group and filter by (DESIGN 2.5).</summary>
public enum Dimension
{
    Dia,
    Hora,
    Ejecutivo,
    Canal,
    Tipificacion,
    Categoria,
    TramoMora,
}

public static class Dimensions
{
    public static readonly IReadOnlyList<Dimension> All =
        [Dimension.Dia, Dimension.Hora, Dimension.Ejecutivo, Dimension.Canal, Dimension.Tipificacion, Dimension.Categoria, Dimension.TramoMora];

    public static string Name(Dimension dimension) => dimension switch
    {
        Dimension.Dia => "dia",
        Dimension.Hora => "hora",
        Dimension.Ejecutivo => "ejecutivo",
        Dimension.Canal => "canal",
        Dimension.Tipificacion => "tipificacion",
        Dimension.Categoria => "categoria",
        Dimension.TramoMora => "tramo_mora",
        _ => throw new ArgumentOutOfRangeException(nameof(dimension)),
    };

    public static bool TryParse(string name, out Dimension dimension)
    {
        foreach (var d in All)
        {
            if (string.Equals(Name(d), name, StringComparison.Ordinal))
            {
                dimension = d;
                return true;
            }
        }

        dimension = default;
        return false;
    }
}
