namespace Pulso.Grains.Ingestion;

/// <summary>Why a gestión was rejected, in the order the checks run (DESIGN 2.4).</summary>
public enum RejectReason
{
    FechaInvalida = 0,
    DocumentoVacio = 1,
    SaldoInvalido = 2,
    DiasMoraInvalido = 3,
}

/// <summary>Wire names of <see cref="RejectReason"/> and the reject counters.</summary>
public static class RejectReasons
{
    /// <summary>The reasons in check order; also the row order of rejects.csv.</summary>
    public static readonly IReadOnlyList<RejectReason> All =
        [RejectReason.FechaInvalida, RejectReason.DocumentoVacio, RejectReason.SaldoInvalido, RejectReason.DiasMoraInvalido];

    public static string Name(RejectReason reason) => reason switch
    {
        RejectReason.FechaInvalida => "fecha_invalida",
        RejectReason.DocumentoVacio => "documento_vacio",
        RejectReason.SaldoInvalido => "saldo_invalido",
        RejectReason.DiasMoraInvalido => "dias_mora_invalido",
        _ => throw new ArgumentOutOfRangeException(nameof(reason)),
    };
}

/// <summary>A rejected row kept for an admin to inspect: where it came from, why, and its fields as read.</summary>
public sealed record RejectedRow(string Source, long Line, RejectReason Reason, IReadOnlyDictionary<string, string> Fields);

/// <summary>Reject counts by reason plus a bounded sample of the rejected rows (the quarantine).</summary>
public sealed class RejectLog
{
    private readonly long[] _counts = new long[4];
    private readonly List<RejectedRow> _rows = [];

    public RejectLog(int capacity = 10_000)
    {
        Capacity = capacity;
    }

    /// <summary>How many rejected rows are kept; counting never stops.</summary>
    public int Capacity { get; }

    public long this[RejectReason reason] => _counts[(int)reason];

    public long Total => _counts[0] + _counts[1] + _counts[2] + _counts[3];

    public IReadOnlyList<RejectedRow> Rows => _rows;

    /// <summary>True while a further rejected row would still be kept.</summary>
    public bool WantsRows => _rows.Count < Capacity;

    public void Count(RejectReason reason) => _counts[(int)reason]++;

    public void Keep(RejectedRow row)
    {
        if (_rows.Count < Capacity)
        {
            _rows.Add(row);
        }
    }

    /// <summary>Adds another log's counts and rows; <paramref name="lineOffset"/> shifts its line numbers.</summary>
    public void Add(RejectLog other, long lineOffset = 0)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        foreach (var row in other._rows)
        {
            Keep(lineOffset == 0 ? row : row with { Line = row.Line + lineOffset });
        }
    }

    public IReadOnlyDictionary<string, long> ToDictionary() =>
        RejectReasons.All.ToDictionary(RejectReasons.Name, r => _counts[(int)r]);
}
