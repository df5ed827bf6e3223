using Caravan.Messaging.Sqlite;
using Caravan.Messaging.Tests.Transport;

namespace Caravan.Messaging.Tests.Sqlite;

public sealed class SqliteTransportConformanceTests : TransportConformanceTests
{
    private readonly List<SqliteTransport> _transports = [];

    protected override void UseTransport(MessagingBuilder messaging) => messaging.UseSqliteTransport(Folder.File("broker.db"));

    protected override async Task<IMessageTransport> CreateTransportAsync()
    {
        var transport = new SqliteTransport(new SqliteTransportOptions { Path = Folder.File("broker.db") }, TimeProvider.System, new SharedRandomSource());
        _transports.Add(transport);
        await transport.InitializeAsync();
        return transport;
    }
}
