using Caravan.Messaging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Caravan.Sagas;

/// <summary>
/// Runs the sagas of this process: starts instances inside a caller's transaction, applies replies
/// and timeouts as they arrive (each in the transaction of the message being handled), and offers
/// the operator actions — retry a stuck saga, mark it resolved — and queries.
/// </summary>
public sealed partial class SagaCoordinator
{
    private readonly SagaRegistry _registry;
    private readonly ISagaStore _store;
    private readonly IServiceDatabase _database;
    private readonly IMessageBus _bus;
    private readonly TimeProvider _time;
    private readonly IRandomSource _random;
    private readonly SagaMetrics _metrics;
    private readonly ILogger<SagaCoordinator> _logger;
    private readonly string _ownQueue;
    private volatile bool _schemaReady;

    public SagaCoordinator(
        SagaRegistry registry,
        ISagaStore store,
        IServiceDatabase database,
        IMessageBus bus,
        TimeProvider time,
        IRandomSource random,
        SagaMetrics metrics,
        IOptions<MessagingOptions> options,
        ILogger<SagaCoordinator> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _registry = registry;
        _store = store;
        _database = database;
        _bus = bus;
        _time = time;
        _random = random;
        _metrics = metrics;
        _logger = logger;
        _ownQueue = options.Value.ServiceName;
    }

    /// <summary>
    /// Creates saga <paramref name="sagaId"/> and sends its first command, in <paramref name="session"/>'s
    /// transaction: if the session does not commit, the saga never existed.
    /// </summary>
    public async Task<SagaInstance> StartAsync<TData>(
        MessageSession session, SagaDefinition<TData> definition, Guid sagaId, TData data, CancellationToken cancellationToken = default)
        where TData : class
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(data);
        await EnsureSchemaAsync(session, cancellationToken);
        var instance = definition.Start(sagaId, data, Run(new SessionSagaTransaction(session)));
        await _store.InsertAsync(instance, session.Connection, session.Transaction, cancellationToken);
        _metrics.Started(definition.Name);
        return instance;
    }

    public async Task<SagaInstance?> GetAsync(Guid sagaId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken);
        return await _store.FindAsync(sagaId, connection, null, cancellationToken);
    }

    public async Task<IReadOnlyList<SagaInstance>> QueryAsync(SagaQuery query, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken);
        return await _store.QueryAsync(query, connection, cancellationToken);
    }

    /// <summary>Operator action: sends a stuck saga's compensation again, with a fresh retry budget. Null when no such saga exists.</summary>
    public Task<SagaInstance?> RetryAsync(Guid sagaId, CancellationToken cancellationToken = default) =>
        OperateAsync(sagaId, (definition, instance, run) => definition.RetryAsync(instance, run, cancellationToken), cancellationToken);

    /// <summary>Operator action: marks a stuck saga resolved by hand (final). Null when no such saga exists.</summary>
    public Task<SagaInstance?> ResolveAsync(Guid sagaId, string note, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(note);
        return OperateAsync(sagaId, (definition, instance, run) => definition.ResolveAsync(instance, note, run, cancellationToken), cancellationToken);
    }

    internal async Task HandleReplyAsync(object reply, MessageContext context, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(context.Message.CorrelationId, out var sagaId))
        {
            LogNoSaga(context.Message.MessageType, context.Message.CorrelationId);
            return;
        }

        Guid? inReplyTo = context.Message.Headers.TryGetValue(EnvelopeHeaders.InReplyTo, out var header) && Guid.TryParse(header, out var id) ? id : null;
        await TransitionAsync(
            sagaId,
            context,
            "reply",
            (definition, instance, run) => definition.OnReplyAsync(instance, reply, inReplyTo, run, cancellationToken),
            cancellationToken);
    }

    internal Task HandleTimeoutAsync(SagaTimeout timeout, MessageContext context, CancellationToken cancellationToken) =>
        TransitionAsync(
            timeout.SagaId,
            context,
            "timeout",
            (definition, instance, run) => definition.OnTimeoutAsync(instance, timeout, run, cancellationToken),
            cancellationToken);

    private async Task TransitionAsync(
        Guid sagaId,
        MessageContext context,
        string kind,
        Func<SagaDefinition, SagaInstance, SagaRun, Task<SagaOutcome>> apply,
        CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(context, cancellationToken);
        var instance = await _store.FindAsync(sagaId, context.Connection, context.Transaction, cancellationToken);
        if (instance is null)
        {
            LogNoSaga(context.Message.MessageType, sagaId.ToString());
            return;
        }

        var definition = _registry.Get(instance.Definition);
        var version = instance.Version;
        var before = instance.Status;
        var outcome = await apply(definition, instance, Run(new SessionSagaTransaction(context)));
        if (outcome == SagaOutcome.Ignored)
        {
            _metrics.Ignored(definition.Name, kind);
            LogIgnored(kind, context.Message.MessageType, sagaId, instance.Status);
            return;
        }

        await _store.UpdateAsync(instance, version, context.Connection, context.Transaction, cancellationToken);
        if (instance.Status != before)
        {
            _metrics.Reached(definition.Name, instance.Status);
        }
    }

    private async Task<SagaInstance?> OperateAsync(
        Guid sagaId, Func<SagaDefinition, SagaInstance, SagaRun, Task> apply, CancellationToken cancellationToken)
    {
        await using var session = await _bus.BeginAsync(cancellationToken);
        await EnsureSchemaAsync(session, cancellationToken);
        var instance = await _store.FindAsync(sagaId, session.Connection, session.Transaction, cancellationToken);
        if (instance is null)
        {
            return null;
        }

        var definition = _registry.Get(instance.Definition);
        var version = instance.Version;
        await apply(definition, instance, Run(new SessionSagaTransaction(session)));
        await _store.UpdateAsync(instance, version, session.Connection, session.Transaction, cancellationToken);
        await session.CommitAsync(cancellationToken);
        _metrics.Reached(definition.Name, instance.Status);
        return instance;
    }

    private async Task EnsureSchemaAsync(MessageSession session, CancellationToken cancellationToken)
    {
        if (!_schemaReady)
        {
            await _store.EnsureSchemaAsync(session.Connection, session.Transaction, cancellationToken);
            _schemaReady = true;
        }
    }

    internal async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        await using var transaction = await _database.BeginTransactionAsync(cancellationToken);
        await _store.EnsureSchemaAsync(transaction.Connection, transaction.Transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        _schemaReady = true;
    }

    private SagaRun Run(ISagaTransaction transaction) => new(transaction, _time.GetUtcNow(), _random.NextDouble, _ownQueue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A saga message {MessageType} names no known saga ({CorrelationId}); ignored.")]
    private partial void LogNoSaga(string messageType, string? correlationId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ignored a late or duplicate {Kind} ({MessageType}) for saga {SagaId}, which is {Status}.")]
    private partial void LogIgnored(string kind, string messageType, Guid sagaId, SagaStatus status);
}
