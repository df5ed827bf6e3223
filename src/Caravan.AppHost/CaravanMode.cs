namespace Caravan.AppHost;

/// <summary>What the services run on (the app host's <c>Caravan:Mode</c>, or <c>--mode</c> on the command line).</summary>
internal enum CaravanMode
{
    /// <summary>One machine, nothing to install: SQLite files and the embedded SQLite broker (the default).</summary>
    Embedded,

    /// <summary>PostgreSQL and RabbitMQ: every service's database on the server, messages through the broker,
    /// and two competing instances each of Inventory and Payments.</summary>
    Distributed,
}
