using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;

namespace Pulso.Grains.Sources;

/// <summary>
/// A live, plausible stream of gestiones for the demo tenant: a team of ejecutivos working a portfolio of
/// debtors, busier in the morning and mid-afternoon, quiet at lunch and at night, with re-contacts,
/// promises, wrong numbers and the odd unmapped outcome. Deterministic for a seed.
/// </summary>
public sealed class GestionSimulator(int seed = 7, int ejecutivos = 12)
{
    private static readonly (string Tipificacion, string Categoria, bool Contacto, bool Compromiso, int Weight)[] s_outcomes =
    [
        ("CONTACTO TITULAR", "CONTACTO_DIRECTO", true, false, 18),
        ("CONTACTO TERCERO", "CONTACTO_INDIRECTO", true, false, 8),
        ("PROMESA DE PAGO", "PROMESA_PAGO", true, true, 9),
        ("YA PAGO", "YA_PAGO", true, false, 3),
        ("RECHAZA PAGO", "RECHAZO", true, false, 4),
        ("NO CONTESTA", "NO_CONTACTO", false, false, 30),
        ("BUZON DE VOZ", "NO_CONTACTO", false, false, 14),
        ("NUMERO EQUIVOCADO", "NUMERO_ERRADO", false, false, 5),
        ("VOLVER A LLAMAR", "VOLVER_LLAMAR", true, false, 6),
        ("LLAMADA CORTADA", "SIN_HOMOLOGAR", false, false, 3),
    ];

    private static readonly string[] s_canales = ["LLAMADA", "LLAMADA", "LLAMADA", "LLAMADA", "SMS", "WHATSAPP", "WHATSAPP", "VISITA", "EMAIL"];

    private readonly Random _random = new(seed);
    private readonly List<string> _recent = [];

    /// <summary>The homologation of the simulated outcomes (the unmapped one left out on purpose).</summary>
    public static IReadOnlyList<HomologationRuleContract> Homologation { get; } =
        s_outcomes.Where(o => o.Categoria != "SIN_HOMOLOGAR")
            .Select(o => new HomologationRuleContract(o.Tipificacion, o.Categoria, o.Contacto, o.Compromiso))
            .ToList();

    public IReadOnlyList<string> Ejecutivos { get; } = Enumerable.Range(1, ejecutivos).Select(i => $"EJ{i:0000}").ToList();

    /// <summary>How many gestiones the team makes in <paramref name="seconds"/> at local time <paramref name="now"/>.</summary>
    public int RateAt(DateTime now, double seconds)
    {
        var hour = now.Hour + (now.Minute / 60.0);
        var intensity = hour switch
        {
            < 8 or >= 20 => 0.25,
            < 9 => 0.5,
            < 13 => 1.0,
            < 14.5 => 0.35,
            < 18 => 0.9,
            _ => 0.4,
        };
        if (now.DayOfWeek == DayOfWeek.Sunday)
        {
            intensity *= 0.1;
        }

        // About one action per ejecutivo every 40 s at full intensity.
        var expected = Ejecutivos.Count * seconds / 40.0 * intensity;
        var whole = (int)expected;
        return whole + (_random.NextDouble() < expected - whole ? 1 : 0);
    }

    /// <summary><paramref name="count"/> gestiones stamped within the hour of <paramref name="now"/>.</summary>
    public GestionBatch Next(DateTime now, int count)
    {
        var builder = new GestionBatchBuilder();
        var day = DateOnly.FromDateTime(now).DayNumber;
        for (var i = 0; i < count; i++)
        {
            var outcome = Pick();
            string documento;
            if (_recent.Count > 50 && _random.Next(10) < 3)
            {
                documento = _recent[_random.Next(_recent.Count)];
            }
            else
            {
                documento = _random.NextInt64(10_000_000, 99_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
                _recent.Add(documento);
                if (_recent.Count > 2_000)
                {
                    _recent.RemoveAt(0);
                }
            }

            var saldoCents = _random.NextInt64(5_000, 1_500_000_00);
            builder.Add(day, now.Hour, Ejecutivos[_random.Next(Ejecutivos.Count)], s_canales[_random.Next(s_canales.Length)],
                outcome.Tipificacion, TramoMora.Of(_random.Next(0, 400)), saldoCents, documento);
        }

        return builder.Build();
    }

    /// <summary>Hours worked today so far for each ejecutivo (a jornada replaces the previous one).</summary>
    public IReadOnlyList<(string Ejecutivo, long HorasCents)> Jornadas(DateTime now)
    {
        var worked = Math.Clamp((now.Hour + (now.Minute / 60.0)) - 8.0, 0, 9.0);
        return Ejecutivos.Select(e => (e, (long)Math.Round(worked * 100))).ToList();
    }

    private (string Tipificacion, string Categoria, bool Contacto, bool Compromiso, int Weight) Pick()
    {
        var total = s_outcomes.Sum(o => o.Weight);
        var roll = _random.Next(total);
        foreach (var outcome in s_outcomes)
        {
            roll -= outcome.Weight;
            if (roll < 0)
            {
                return outcome;
            }
        }

        return s_outcomes[^1];
    }
}
