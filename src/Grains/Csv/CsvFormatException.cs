namespace Pulso.Grains.Csv;

/// <summary>The input is not well-formed CSV (or not what the reader expects); the message names where.</summary>
public sealed class CsvFormatException : Exception
{
    public CsvFormatException(string message)
        : base(message)
    {
    }

    public CsvFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public CsvFormatException()
    {
    }
}
