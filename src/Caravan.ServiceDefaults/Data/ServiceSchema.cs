using Caravan.Messaging;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Caravan.ServiceDefaults.Data;

/// <summary>
/// Creates a service's business tables at startup, before its consumers start: register it with
/// <see cref="ServiceSchemaExtensions.AddServiceSchema"/> before <c>AddServiceMessaging</c>.
/// Statements must be idempotent (<c>CREATE TABLE IF NOT EXISTS</c>); they run in one transaction.
/// </summary>
internal sealed class ServiceSchema(IServiceProvider services, IReadOnlyList<string> statements) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var database = services.GetRequiredService<IServiceDatabase>();
        await database.InitializeAsync(cancellationToken);
        await using var transaction = await database.BeginTransactionAsync(cancellationToken);
        foreach (var statement in statements)
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
