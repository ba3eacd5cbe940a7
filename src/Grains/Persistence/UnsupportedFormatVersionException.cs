namespace Pulso.Grains.Persistence;

/// <summary>
/// A persisted image carries a format version this build does not read (written by a newer release, or
/// not an image of that format at all). Raised before any of the image is interpreted.
/// </summary>
public sealed class UnsupportedFormatVersionException : NotSupportedException
{
    public UnsupportedFormatVersionException(string format, int version, int supportedVersion)
        : base($"{format}: format version {version} is not supported; this build reads version {supportedVersion}. The data was written by a newer release or is damaged.")
    {
        Format = format;
        Version = version;
        SupportedVersion = supportedVersion;
    }

    public UnsupportedFormatVersionException(string message)
        : base(message)
    {
        Format = string.Empty;
    }

    public UnsupportedFormatVersionException(string message, Exception inner)
        : base(message, inner)
    {
        Format = string.Empty;
    }

    public UnsupportedFormatVersionException()
    {
        Format = string.Empty;
    }

    /// <summary>The format's name, e.g. <c>metric table</c>.</summary>
    public string Format { get; }

    /// <summary>The version found in the image.</summary>
    public int Version { get; }

    /// <summary>The version this build writes and reads.</summary>
    public int SupportedVersion { get; }
}
