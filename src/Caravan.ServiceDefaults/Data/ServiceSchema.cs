using Caravan.Messaging;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Caravan.ServiceDefaults.Data;

/// <summary>
/// Creates a service's business tables at startup, before its consumers start: register it with
/// <see cref="ServiceSchemaExtensions.AddServiceSchema"/> before <c>AddServiceMessaging</c>.
/// Statements must be idempotent (<c>CREATE TABLE IF NOT EXISTS</c>) and written in SQL both engines run;
/// they run in one transaction. Instances of a service that start together on one PostgreSQL database
/// take turns (an advisory lock held to the end of the transaction), because two concurrent
/// <c>CREATE TABLE IF NOT EXISTS</c> of one table can fail there; on SQLite the write lock does the same.
/// </summary>
internal sealed class ServiceSchema(IServiceProvider services, IReadOnlyList<string> statements) : IHostedService
{
    // Any constant: advisory locks belong to one database, and each service has its own.
    private const long SchemaLock = 0x5365_7276_6963_65;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var database = services.GetRequiredService<IServiceDatabase>();
        await database.InitializeAsync(cancellationToken);
        await using var transaction = await database.BeginTransactionAsync(cancellationToken);
        var serialize = SqlDialect.Of(transaction.Connection).SerializeTransactions(SchemaLock);
        foreach (var statement in serialize is null ? statements : [serialize, .. statements])
        {
            await transaction.Connection.ExecuteAsync(new CommandDefinition(statement, transaction: transaction.Transaction, cancellationToken: cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public static class ServiceSchemaExtensions
{
    /// <summary>Runs <paramref name="statements"/> (idempotent DDL) on the service database when the host starts.</summary>
    public static IServiceCollection AddServiceSchema(this IServiceCollection services, params string[] statements)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddHostedService(provider => new ServiceSchema(provider, statements));
        return services;
    }
}
