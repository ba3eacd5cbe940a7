namespace Pulso.Grains.Persistence;

public enum AppendStatus
{
    /// <summary>The entry was stored.</summary>
    Appended,

    /// <summary>The batch id was appended before; nothing was stored.</summary>
    Duplicate,

    /// <summary>The journal moved past the expected sequence (another writer); nothing was stored.</summary>
    Conflict,
}
