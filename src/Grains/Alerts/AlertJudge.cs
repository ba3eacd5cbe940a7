using Pulso.Grains.Abstractions.Alerts;

namespace Pulso.Grains.Alerts;

/// <summary>One group's figures in a rule's window: its gestiones and the metric's exact value (null when undefined).</summary>
public readonly record struct GroupFigures(string Group, long Volume, decimal? Value, int Decimals);

public enum AlertTransitionKind
{
    Fire,
    Resolve,
}

/// <summary>A change of a group's state that the judge decided, with the figures that decided it.</summary>
public readonly record struct AlertTransition(AlertTransitionKind Kind, GroupFigures Figures);

/// <summary>
/// Decides what a rule's new figures change, without touching anything. A group is judged once it has at least
/// <c>minGestiones</c> gestiones (and at least one) and a defined value. A judged group whose value holds the
/// comparison fires, unless it is firing already or it last fired less than the cooldown ago (it then fires at a
/// later judgement, if it still holds). A firing group resolves when the comparison no longer holds, or when its
/// window no longer has the volume to judge it (a new day began, or its gestiones left an hours window).
/// </summary>
public static class AlertJudge
{
    public static List<AlertTransition> Judge(
        AlertRule rule, IReadOnlyDictionary<string, GroupRuntime> groups, IReadOnlyList<GroupFigures> figures, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(figures);
        var transitions = new List<AlertTransition>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var cooldown = TimeSpan.FromMinutes(rule.CooldownMinutes);
        foreach (var group in figures)
        {
            seen.Add(group.Group);
            var judged = group.Volume >= Math.Max(1, rule.MinGestiones) && group.Value is not null;
            var holds = judged && AlertVocabulary.Holds(rule.Comparator, group.Value!.Value, rule.Threshold);
            groups.TryGetValue(group.Group, out var runtime);
            var firing = runtime?.Firing ?? false;
            if (holds && !firing && (runtime?.LastFiredAt is not { } last || now - last >= cooldown))
            {
                transitions.Add(new AlertTransition(AlertTransitionKind.Fire, group));
            }
            else if (firing && !holds)
            {
                transitions.Add(new AlertTransition(AlertTransitionKind.Resolve, group));
            }
        }

        // Firing groups with no gestiones left in the window.
        foreach (var (group, runtime) in groups)
        {
            if (runtime.Firing && !seen.Contains(group))
            {
                transitions.Add(new AlertTransition(AlertTransitionKind.Resolve, new GroupFigures(group, 0, null, 0)));
            }
        }

        return transitions;
    }
}
