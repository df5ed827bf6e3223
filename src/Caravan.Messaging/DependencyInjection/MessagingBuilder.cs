using Caravan.Messaging.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Caravan.Messaging;

/// <summary>
/// Declares a process's messaging: its message types with their stable wire names, its handlers
/// (plain classes or delegates, no scanning), its consumers' settings, transport and database.
/// </summary>
public sealed class MessagingBuilder
{
    internal MessagingBuilder(IServiceCollection services, string serviceName, MessageTypeRegistry types, HandlerRegistry handlers)
    {
        Services = services;
        ServiceName = serviceName;
        Types = types;
        Handlers = handlers;
    }

    public IServiceCollection Services { get; }

    /// <summary>This service's name and the name of its own queue.</summary>
    public string ServiceName { get; }

    internal MessageTypeRegistry Types { get; }

    internal HandlerRegistry Handlers { get; }

    /// <summary>
    /// Registers a message type under a wire name that never changes once messages are in flight.
    /// Give <paramref name="destination"/> for commands: the queue they are sent to.
    /// </summary>
    public MessagingBuilder AddMessage<TMessage>(string wireName, string? destination = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(wireName);
        Types.Add(new MessageRegistration(typeof(TMessage), wireName, destination));
        return this;
    }

    /// <summary>Handles <typeparamref name="TMessage"/> on this service's queue (or <paramref name="queue"/>) with a scoped handler class.</summary>
    public MessagingBuilder Handle<TMessage, THandler>(string? queue = null)
        where THandler : class, IMessageHandler<TMessage>
    {
        Services.TryAddScoped<THandler>();
        return AddHandler<TMessage>(
            queue,
            static (services, message, context, cancellationToken) =>
                services.GetRequiredService<THandler>().HandleAsync((TMessage)message, context, cancellationToken));
    }

    /// <summary>Handles <typeparamref name="TMessage"/> with a delegate.</summary>
    public MessagingBuilder Handle<TMessage>(Func<TMessage, MessageContext, CancellationToken, Task> handler, string? queue = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return AddHandler<TMessage>(queue, (_, message, context, cancellationToken) => handler((TMessage)message, context, cancellationToken));
    }

    /// <summary>Sets how a queue of this process is consumed (concurrency, prefetch, lease).</summary>
    public MessagingBuilder ConfigureConsumer(Action<ConsumerOptions> configure, string? queue = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var name = queue ?? ServiceName;
        Services.Configure<MessagingOptions>(options =>
        {
            if (!options.Endpoints.TryGetValue(name, out var consumer))
            {
                consumer = new ConsumerOptions();
                options.Endpoints[name] = consumer;
            }

            configure(consumer);
        });
        return this;
    }

    public MessagingBuilder Configure(Action<MessagingOptions> configure)
    {
        Services.Configure(configure);
        return this;
    }

    /// <summary>Uses the embedded SQLite broker file shared by the processes of this machine.</summary>
    public MessagingBuilder UseSqliteTransport(string path, bool fullDurability = false)
    {
        var options = new SqliteTransportOptions { Path = path, FullDurability = fullDurability };
        Services.RemoveAll<IMessageTransport>();
        Services.AddSingleton(provider => new SqliteTransport(
            options,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<IRandomSource>(),
            provider.GetService<Microsoft.Extensions.Logging.ILogger<SqliteTransport>>()));
        Services.AddSingleton<IMessageTransport>(provider => provider.GetRequiredService<SqliteTransport>());
        return this;
    }

    /// <summary>Keeps this service's outbox and inbox (and its business data) in a SQLite file.</summary>
    public MessagingBuilder UseSqliteDatabase(string path, bool fullDurability = false)
    {
        Services.RemoveAll<IServiceDatabase>();
        Services.RemoveAll<IOutboxStore>();
        Services.RemoveAll<IInboxStore>();
        Services.AddSingleton(new SqliteServiceDatabase(path, fullDurability));
        Services.AddSingleton<IServiceDatabase>(provider => provider.GetRequiredService<SqliteServiceDatabase>());
        Services.AddSingleton<IOutboxStore>(provider => new SqliteOutboxStore(provider.GetRequiredService<SqliteServiceDatabase>()));
        Services.AddSingleton<IInboxStore>(provider => new SqliteInboxStore(provider.GetRequiredService<SqliteServiceDatabase>()));
        return this;
    }

    private MessagingBuilder AddHandler<TMessage>(string? queue, Func<IServiceProvider, object, MessageContext, CancellationToken, Task> invoke)
    {
        var registration = Types.Get(typeof(TMessage));
        Handlers.Add(new HandlerRegistration(queue ?? ServiceName, registration.Name, typeof(TMessage), invoke));
        return this;
    }
}
