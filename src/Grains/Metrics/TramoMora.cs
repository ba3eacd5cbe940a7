using System.Runtime.CompilerServices;

namespace Pulso.Grains.Metrics;

/// <summary>Days-past-due bands of DESIGN 2.5.</summary>
public static class TramoMora
{
    public static readonly IReadOnlyList<string> Labels = ["<=30", "31-60", "61-90", "91-180", "181-360", "361+"];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(int dias) => dias switch
    {
        <= 30 => 0,
        <= 60 => 1,
        <= 90 => 2,
        <= 180 => 3,
        <= 360 => 4,
        _ => 5,
    };

    public static int IndexOf(string label)
    {
        for (var i = 0; i < Labels.Count; i++)
        {
            if (Labels[i] == label)
            {
                return i;
            }
        }

        return -1;
    }
}
