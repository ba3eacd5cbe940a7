using Pulso.Gateway.Health;

namespace Pulso.Gateway.Tests.Observability;

/// <summary>
/// /readyz rides out a short storage outage (every node shares Redis and PostgreSQL: failing readiness on the first
/// failed round trip would take the whole fleet out of its Services at once) and fails a long one.
/// </summary>
public sealed class ReadinessGateTests
{
    private static readonly DateTimeOffset s_start = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void NotReadyBeforeAnySuccess()
    {
        var gate = new ReadinessGate(TimeSpan.FromSeconds(10));
        Assert.Equal((false, (TimeSpan?)null), gate.Failed(s_start));
    }

    [Fact]
    public void FailuresWithinTheGraceOfTheLastSuccessStayReady()
    {
        var gate = new ReadinessGate(TimeSpan.FromSeconds(10));
        gate.Succeeded(s_start);
        Assert.Equal((true, TimeSpan.FromSeconds(3)), gate.Failed(s_start.AddSeconds(3)));
        Assert.True(gate.Failed(s_start.AddSeconds(9.9)).Ready);
    }

    [Fact]
    public void AnOutageLongerThanTheGraceIsNotReady()
    {
        var gate = new ReadinessGate(TimeSpan.FromSeconds(10));
        gate.Succeeded(s_start);
        Assert.Equal((false, TimeSpan.FromSeconds(10)), gate.Failed(s_start.AddSeconds(10)));
        Assert.False(gate.Failed(s_start.AddMinutes(5)).Ready);
    }

    [Fact]
    public void ASuccessRestartsTheGrace()
    {
        var gate = new ReadinessGate(TimeSpan.FromSeconds(10));
        gate.Succeeded(s_start);
        Assert.False(gate.Failed(s_start.AddSeconds(12)).Ready);
        gate.Succeeded(s_start.AddSeconds(13));
        Assert.True(gate.Failed(s_start.AddSeconds(20)).Ready);
        // A late answer to an older probe does not move the last success back.
        gate.Succeeded(s_start.AddSeconds(1));
        Assert.True(gate.Failed(s_start.AddSeconds(22)).Ready);
    }

    [Fact]
    public void ZeroGraceFailsOnTheFirstFailure()
    {
        var gate = new ReadinessGate(TimeSpan.Zero);
        gate.Succeeded(s_start);
        Assert.False(gate.Failed(s_start).Ready);
    }
}
