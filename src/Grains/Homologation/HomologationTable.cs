using System.Collections.Frozen;
using System.Text.RegularExpressions;
using Pulso.Grains.Text;

namespace Pulso.Grains.Homologation;

/// <summary>What a normalised tipificación maps to.</summary>
public sealed record HomologationEntry(string Categoria, bool EsContacto, bool EsCompromiso);

/// <summary>One row of a tenant's homologation as given (the tipificación in its own spelling).</summary>
public sealed record HomologationRule(string Tipificacion, string Categoria, bool EsContacto, bool EsCompromiso);

/// <summary>
/// A tenant's homologation: <c>upper(trim(tipificacion))</c> → categoría and flags. Unmapped values
/// get <see cref="SinHomologar"/>, neither contact nor commitment.
/// </summary>
public sealed partial class HomologationTable
{
    public const string SinHomologar = "SIN_HOMOLOGAR";

    public static readonly IReadOnlyList<string> StandardCategories =
    [
        "CONTACTO_DIRECTO", "CONTACTO_INDIRECTO", "PROMESA_PAGO", "YA_PAGO",
        "RECHAZO", "NO_CONTACTO", "NUMERO_ERRADO", "VOLVER_LLAMAR",
    ];

    public static readonly HomologationEntry Unmapped = new(SinHomologar, false, false);

    public static readonly HomologationTable Empty = new(FrozenDictionary<string, HomologationEntry>.Empty, []);

    private readonly FrozenDictionary<string, HomologationEntry> _entries;

    private HomologationTable(FrozenDictionary<string, HomologationEntry> entries, IReadOnlyList<HomologationRule> rules)
    {
        _entries = entries;
        Rules = rules;
    }

    /// <summary>The rules as given, in order.</summary>
    public IReadOnlyList<HomologationRule> Rules { get; }

    public int Count => _entries.Count;

    public HomologationEntry Lookup(string normalizedTipificacion) =>
        _entries.TryGetValue(normalizedTipificacion, out var entry) ? entry : Unmapped;

    public bool IsMapped(string normalizedTipificacion) => _entries.ContainsKey(normalizedTipificacion);

    /// <summary>
    /// Validates and builds a table. Errors (one per offending rule, naming it) come back instead of a table:
    /// an empty tipificación, a categoría that is not UPPER_SNAKE, or two rules with the same normalised key.
    /// </summary>
    public static HomologationTable Create(IEnumerable<HomologationRule> rules, out IReadOnlyList<string> errors)
    {
        var list = new List<HomologationRule>();
        var entries = new Dictionary<string, HomologationEntry>(StringComparer.Ordinal);
        var problems = new List<string>();
        var index = 0;
        foreach (var rule in rules)
        {
            index++;
            var key = Utf8Text.NormalizeKey(rule.Tipificacion ?? string.Empty);
            var categoria = (rule.Categoria ?? string.Empty).Trim();
            if (key.Length == 0)
            {
                problems.Add($"rule {index}: tipificacion is empty");
                continue;
            }

            if (!IsCategoryName(categoria))
            {
                problems.Add($"rule {index} ('{rule.Tipificacion}'): categoria '{rule.Categoria}' must be UPPER_SNAKE (e.g. CONTACTO_DIRECTO)");
                continue;
            }

            if (categoria == SinHomologar)
            {
                problems.Add($"rule {index} ('{rule.Tipificacion}'): categoria {SinHomologar} is reserved for unmapped values");
                continue;
            }

            if (!entries.TryAdd(key, new HomologationEntry(categoria, rule.EsContacto, rule.EsCompromiso)))
            {
                problems.Add($"rule {index}: tipificacion '{rule.Tipificacion}' repeats '{key}' (keys are compared after upper(trim()))");
                continue;
            }

            list.Add(rule with { Categoria = categoria });
        }

        errors = problems;
        return problems.Count > 0 ? Empty : new HomologationTable(entries.ToFrozenDictionary(StringComparer.Ordinal), list);
    }

    /// <summary>Builds a table or throws <see cref="ArgumentException"/> listing every problem.</summary>
    public static HomologationTable Create(IEnumerable<HomologationRule> rules)
    {
        var table = Create(rules, out var errors);
        return errors.Count > 0 ? throw new ArgumentException(string.Join("; ", errors), nameof(rules)) : table;
    }

    public static bool IsCategoryName(string value) => CategoryPattern().IsMatch(value);

    [GeneratedRegex("^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex CategoryPattern();
}
