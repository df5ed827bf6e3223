using Caravan.Messaging;
using Dapper;

namespace Caravan.Inventory.Products;

/// <summary>
/// Fills an empty catalogue with demo products when <see cref="InventoryService.SeedDemoProductsKey"/> is
/// true. It runs after the schema and before the consumers, in one transaction, and only when the table is
/// empty: a restart changes nothing, and two processes starting at once insert the catalogue once (the
/// write lock serialises them on SQLite; <c>ON CONFLICT DO NOTHING</c> covers a database without one).
/// </summary>
internal sealed partial class DemoProductSeeder(IConfiguration configuration, IServiceDatabase database, ILogger<DemoProductSeeder> logger) : IHostedService
{
    public const string SoldOutSku = "SOLD-OUT-1";

    private static readonly (string Sku, ProductValues Values)[] _catalogue =
    [
        ("TENT-2P", new("Two-person trekking tent", 18900, 1200)),
        ("BAG-DOWN-3S", new("Three-season down sleeping bag", 16450, 1500)),
        ("PACK-40L", new("40 L hiking backpack", 12900, 2400)),
        ("STOVE-GAS", new("Compact gas camping stove", 4990, 3000)),
        ("LAMP-HEAD", new("Rechargeable head lamp", 2450, 5000)),
        ("BOTTLE-750", new("Insulated water bottle 750 ml", 1999, 8000)),
        ("MUG-ENAMEL", new("Enamel camp mug", 995, 6000)),
        ("MAP-TRAILS", new("Folding trail map set", 750, 9000)),
        (SoldOutSku, new("Limited-edition brass compass", 5900, 0)),
    ];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!configuration.GetValue<bool>(InventoryService.SeedDemoProductsKey))
        {
            return;
        }

        await using var transaction = await database.BeginTransactionAsync(cancellationToken);
        var existing = await transaction.Connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM products", transaction: transaction.Transaction, cancellationToken: cancellationToken));
        if (existing > 0)
        {
            return;
        }

        var inserted = 0;
        foreach (var (sku, product) in _catalogue)
        {
            inserted += await transaction.Connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO products (sku, name, price_cents, available, reserved, committed)
                VALUES (@Sku, @Name, @PriceCents, @Stock, 0, 0)
                ON CONFLICT (sku) DO NOTHING
                """,
                new { Sku = sku, product.Name, product.PriceCents, product.Stock },
                transaction.Transaction,
                cancellationToken: cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);
        LogSeeded(logger, inserted);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Seeded {Count} demo products into the empty catalogue")]
    private static partial void LogSeeded(ILogger logger, int count);
}
