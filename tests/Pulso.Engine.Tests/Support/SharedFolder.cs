namespace Pulso.Engine.Tests.Support;

/// <summary>
/// Finds the project's shared folder (DESIGN, bench kit and its fixtures): <c>PULSO_SHARED</c>
/// when set, otherwise <c>&lt;repo root&gt;/../shared</c> where the repo root holds Pulso.Orleans.sln.
/// </summary>
internal static class SharedFolder
{
    private static readonly Lazy<string> s_path = new(Locate);

    public static string Path => s_path.Value;

    public static string EdgeFixture => System.IO.Path.Combine(Path, "bench", "fixtures", "edge");

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Pulso.Orleans.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no folder above {AppContext.BaseDirectory} holds Pulso.Orleans.sln");
    }

    private static string Locate()
    {
        var fromEnv = Environment.GetEnvironmentVariable("PULSO_SHARED");
        var candidate = string.IsNullOrWhiteSpace(fromEnv)
            ? System.IO.Path.GetFullPath(System.IO.Path.Combine(RepoRoot(), "..", "shared"))
            : System.IO.Path.GetFullPath(fromEnv);
        var marker = System.IO.Path.Combine(candidate, "bench", "fixtures", "edge", "gestiones.csv");
        if (!File.Exists(marker))
        {
            var how = string.IsNullOrWhiteSpace(fromEnv) ? "<repo root>/../shared" : "PULSO_SHARED";
            throw new InvalidOperationException(
                $"The shared folder was not found: {marker} does not exist (looked in {how} = {candidate}). " +
                "Set PULSO_SHARED to the folder that holds bench/fixtures/edge.");
        }

        return candidate;
    }
}
