using System.Text.Json;
using Caravan.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Caravan.Bench.Messaging;

/// <summary>The command the Caravan side sends; its JSON body is <c>--body</c> bytes long.</summary>
public sealed record BenchMessage(int Seq, long SentAt, bool Warmup, string Payload);

/// <summary>
/// Caravan on the SQLite transport, outbox and inbox on, as an application uses it.
/// <list type="bullet">
/// <item>Producer: a host with the outbox relay; <see cref="IMessageBus.SendAsync{TMessage}"/> per
/// message, one after another (each is one transaction on the producer's service database that
/// writes the outbox row), at full speed. The relay moves the rows to the broker in the background.</item>
/// <item>Consumer: a host whose handler (run inbox-guarded, in one transaction with the inbox
/// record, as always) notes the latency from the send timestamp carried in the body.</item>
/// </list>
/// </summary>
internal static class CaravanRoles
{
    public const string ProducerService = "bench-producer";
    public const string ConsumerService = "bench-consumer";
    public const string MessageType = "bench.message";

    // The serializer settings Caravan uses by default (MessagingOptions.JsonSerializerOptions).
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    public static async Task<int> ProduceAsync(BenchOptions options)
    {
        var profiler = options.Profile ? new Profiler() : null;
        using var host = BuildHost(options, ProducerService, profiler, _ => { });
        await host.StartAsync();
        var bus = host.Services.GetRequiredService<IMessageBus>();
        var payload = PayloadFor(options);
        ControlChannel.Say(ControlChannel.Ready);

        var order = await ControlChannel.NextOrderAsync();
        var warmupSeq = 0;
        while (order is ControlChannel.WarmUp or ControlChannel.Jit)
        {
            if (order == ControlChannel.Jit)
            {
                ControlChannel.SayWithJit(ControlChannel.Jit);
            }
            else
            {
                // One warm-up round; the orchestrator decides whether another one follows.
                for (var i = 0; i < options.Warmup; i++)
                {
                    await bus.SendAsync(new BenchMessage(warmupSeq++, BenchClock.NowNs(), true, payload));
                }
            }

            order = await ControlChannel.NextOrderAsync();
        }

        if (order != ControlChannel.Go)
        {
            throw new InvalidOperationException($"Expected GO, got '{order}'.");
        }

        profiler?.Reset();
        var calls = new long[options.Messages];
        var cpuStart = BenchClock.ProcessCpuMs();
        var jitStart = BenchClock.JitMs();
        var first = BenchClock.NowNs();
        for (var i = 0; i < options.Messages; i++)
        {
            BenchClock.WaitUntilDue(first, i, options.Rate);
            var sentAt = BenchClock.NowNs();
            await bus.SendAsync(new BenchMessage(i, sentAt, false, payload));
            calls[i] = BenchClock.NowNs() - sentAt;
        }

        var last = BenchClock.NowNs();
        ControlChannel.Say(ControlChannel.Sent);

        // The relay keeps working after the last send; the producer's CPU is counted until the consumer is done.
        await ControlChannel.ExpectAsync(ControlChannel.Stop);
        ResultFile.Write(options.ResultPath, new ProducerResult(
            options.Messages, first, last, Percentiles.Of(calls), BenchClock.ProcessCpuMs() - cpuStart, profiler?.Snapshot(), BenchClock.JitMs() - jitStart));
        await host.StopAsync();
        return 0;
    }

    public static async Task<int> ConsumeAsync(BenchOptions options)
    {
        var profiler = options.Profile ? new Profiler() : null;
        var state = new ConsumerState(options.Messages, options.Warmup, profiler);
        using var host = BuildHost(options, ConsumerService, profiler, messaging =>
        {
            messaging.Handle<BenchMessage>((message, context, _) =>
            {
                state.Record(message, BenchClock.NowNs());
                return Task.CompletedTask;
            });
            messaging.ConfigureConsumer(consumer =>
            {
                if (options.Concurrency is { } concurrency)
                {
                    consumer.Concurrency = concurrency;
                }

                if (options.Prefetch is { } prefetch)
                {
                    consumer.Prefetch = prefetch;
                }
            });
        });
        await host.StartAsync();
        ControlChannel.Say(ControlChannel.Ready);
        ControlChannel.SayWithJit(ControlChannel.Jit);
        if (options.Warmup == 0)
        {
            state.EndWarmupRound();
        }

        // The handler ends each warm-up round (EndWarmupRound); the measured window starts at the last one.
        await state.Done.Task.WaitAsync(options.Timeout);
        var cpu = BenchClock.ProcessCpuMs() - state.CpuStartMs;
        var jit = BenchClock.JitMs() - state.JitStartMs;
        var profile = profiler?.Snapshot();
        await host.StopAsync();
        ResultFile.Write(options.ResultPath, state.ToResult(cpu, jit, profile));
        ControlChannel.Say(ControlChannel.Done);
        return 0;
    }

    /// <summary>A payload string that makes the serialized message <c>--body</c> bytes long.</summary>
    public static string PayloadFor(BenchOptions options)
    {
        var sample = new BenchMessage(options.Messages / 2, BenchClock.NowNs(), false, string.Empty);
        var overhead = JsonSerializer.SerializeToUtf8Bytes(sample, WebJson).Length;
        return new string('x', Math.Max(0, options.BodyBytes - overhead));
    }

    private static IHost BuildHost(BenchOptions options, string service, Profiler? profiler, Action<MessagingBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddCaravanMessaging(service, messaging =>
        {
            messaging.UseSqliteTransport(Path.Combine(options.Directory, "broker.db"));
            messaging.UseSqliteDatabase(Path.Combine(options.Directory, service + ".db"));
            messaging.AddMessage<BenchMessage>(MessageType, destination: ConsumerService);
            messaging.Configure(settings =>
            {
                if (options.RelayBatch is { } batch)
                {
                    settings.Outbox.BatchSize = batch;
                }
            });
            configure(messaging);
        });
        if (profiler is not null)
        {
            Profiling.Decorate(builder.Services, profiler);
        }

        return builder.Build();
    }

    /// <summary>What the consumer's handler saw, recorded from several handler threads.</summary>
    private sealed class ConsumerState
    {
        private readonly int _messages;
        private readonly int _warmup;
        private readonly Profiler? _profiler;
        private readonly long[] _latencies;
        private readonly int[] _seen;
        private int _warmSeen;
        private int _count;
        private int _duplicates;
        private long _first;
        private long _last;
        private double _cpuStartMs;
        private double _jitStartMs;

        public ConsumerState(int messages, int warmup, Profiler? profiler)
        {
            _messages = messages;
            _warmup = warmup;
            _profiler = profiler;
            _latencies = new long[messages];
            _seen = new int[messages];
        }

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>CPU time of the process when the last warm-up round ended (the measured window starts there).</summary>
        public double CpuStartMs => Volatile.Read(ref _cpuStartMs);

        /// <summary>JIT time of the process when the last warm-up round ended.</summary>
        public double JitStartMs => Volatile.Read(ref _jitStartMs);

        /// <summary>
        /// Called once per warm-up round, when its last message was handled: the orchestrator sends the
        /// next round (or GO) only after the WARM line, so two calls never overlap.
        /// </summary>
        public void EndWarmupRound()
        {
            _profiler?.Reset();
            Volatile.Write(ref _cpuStartMs, BenchClock.ProcessCpuMs());
            Volatile.Write(ref _jitStartMs, ControlChannel.SayWithJit(ControlChannel.Warm));
        }

        public void Record(BenchMessage message, long now)
        {
            if (message.Warmup)
            {
                if (Interlocked.Increment(ref _warmSeen) % _warmup == 0)
                {
                    EndWarmupRound();
                }

                return;
            }

            if (Interlocked.Exchange(ref _seen[message.Seq], 1) == 1)
            {
                Interlocked.Increment(ref _duplicates);
                return;
            }

            _latencies[message.Seq] = now - message.SentAt;
            Interlocked.CompareExchange(ref _first, now, 0);
            InterlockedMax(ref _last, now);
            if (Interlocked.Increment(ref _count) == _messages)
            {
                Done.TrySetResult();
            }
        }

        public ConsumerResult ToResult(double cpuMs, double jitMs, Dictionary<string, OperationStats>? profile) => new(
            Volatile.Read(ref _count),
            Interlocked.Read(ref _first),
            Interlocked.Read(ref _last),
            Percentiles.Of(_latencies),
            Volatile.Read(ref _duplicates),
            cpuMs,
            Batches: 0,
            EmptyPolls: 0,
            profile,
            jitMs);

        private static void InterlockedMax(ref long target, long value)
        {
            var current = Interlocked.Read(ref target);
            while (value > current)
            {
                var previous = Interlocked.CompareExchange(ref target, value, current);
                if (previous == current)
                {
                    return;
                }

                current = previous;
            }
        }
    }
}
