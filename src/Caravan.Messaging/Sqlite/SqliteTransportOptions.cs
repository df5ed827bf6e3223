namespace Caravan.Messaging.Sqlite;

/// <summary>Settings of the embedded SQLite broker.</summary>
public sealed class SqliteTransportOptions
{
    /// <summary>Path of the broker file that every local process shares.</summary>
    public string Path { get; set; } = System.IO.Path.Combine(".caravan", "broker.db");

    /// <summary>synchronous=FULL instead of NORMAL: survive power loss too, at a cost in commits per second.</summary>
    public bool FullDurability { get; set; }
}
