using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Caravan.Messaging.Internal;
using Microsoft.Extensions.Logging;

namespace Caravan.Messaging.Sqlite;

/// <summary>
/// Cross-process wake-ups for the SQLite broker, so consumers need not poll the database in a
/// tight loop. Each process that waits binds a Unix datagram socket in a directory derived from
/// the broker's path; after a commit that makes messages ready, the writer sends the queue names to
/// every socket there. A lost or refused datagram costs only latency: waiters also wake when the
/// next message becomes visible and at their idle poll interval, so correctness never depends on it.
/// </summary>
internal sealed partial class SqliteDoorbell : IDisposable
{
    private static readonly TimeSpan ListingMaxAge = TimeSpan.FromMilliseconds(250);

    private readonly string _directory;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<string, AsyncSignal> _signals = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private string? _listenerPath;
    private Socket? _sender;
    private string[] _peers = [];
    private long _peersListedAt = long.MinValue;
    private bool _disposed;

    public SqliteDoorbell(string brokerPath, TimeProvider timeProvider, ILogger logger)
    {
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(brokerPath))))[..16];
        _directory = Path.Combine(Path.GetTempPath(), "caravan-bells", hash.ToLowerInvariant());
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Waits for a ring on <paramref name="queue"/> or the timeout.</summary>
    public Task WaitAsync(string queue, TimeSpan timeout, CancellationToken cancellationToken)
    {
        EnsureListening();
        return _signals.GetOrAdd(queue, static _ => new AsyncSignal()).WaitAsync(timeout, _timeProvider, cancellationToken);
    }

    /// <summary>
    /// Wakes waiters of these queues, here and in other processes. Never throws: it runs after a commit,
    /// and a failed wake-up only costs latency (waiters poll anyway).
    /// </summary>
    public void Ring(IReadOnlyCollection<string> queues)
    {
        if (queues.Count == 0)
        {
            return;
        }

        foreach (var queue in queues)
        {
            if (_signals.TryGetValue(queue, out var signal))
            {
                signal.Set();
            }
        }

        try
        {
            RingPeers(Encoding.UTF8.GetBytes(string.Join('\n', queues)));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException or SocketException)
        {
            LogRingFailed(_logger, _directory, ex.Message);
        }
    }

    private void RingPeers(byte[] payload)
    {
        foreach (var peer in ListPeers())
        {
            if (peer == _listenerPath)
            {
                continue;
            }

            try
            {
                Sender.SendTo(payload, SocketFlags.None, new UnixDomainSocketEndPoint(peer));
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable)
            {
                // Nobody listens there any more: a process that died without cleaning up.
                TryDelete(peer);
            }
            catch (SocketException ex)
            {
                // A full receive buffer means the peer already has wake-ups pending.
                LogPeerRingFailed(_logger, peer, ex.SocketErrorCode);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _stopping.Cancel();
            _listener?.Dispose();
            _sender?.Dispose();
            if (_listenerPath is not null)
            {
                TryDelete(_listenerPath);
            }
        }
    }

    private Socket Sender
    {
        get
        {
            lock (_gate)
            {
                return _sender ??= new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { Blocking = false };
            }
        }
    }

    private string[] ListPeers()
    {
        var now = _timeProvider.GetTimestamp();
        if (_timeProvider.GetElapsedTime(Volatile.Read(ref _peersListedAt), now) > ListingMaxAge || _peersListedAt == long.MinValue)
        {
            try
            {
                _peers = Directory.Exists(_directory) ? Directory.GetFiles(_directory, "*.sock") : [];
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _peers = [];
            }

            Volatile.Write(ref _peersListedAt, now);
        }

        return _peers;
    }

    private void EnsureListening()
    {
        if (Volatile.Read(ref _listener) is not null)
        {
            return;
        }

        lock (_gate)
        {
            if (_listener is not null)
            {
                return;
            }

            Directory.CreateDirectory(_directory);
            var path = Path.Combine(_directory, $"{Environment.ProcessId}-{Guid.NewGuid():N}"[..24] + ".sock");
            var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Bind(new UnixDomainSocketEndPoint(path));
            _listenerPath = path;
            Volatile.Write(ref _listener, socket);
            _peersListedAt = long.MinValue;
            _ = Task.Run(() => ListenAsync(socket, _stopping.Token));
        }
    }

    private async Task ListenAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        while (!cancellationToken.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                LogListenFailed(_logger, ex.SocketErrorCode);
                return;
            }

            foreach (var queue in Encoding.UTF8.GetString(buffer, 0, received).Split('\n'))
            {
                if (_signals.TryGetValue(queue, out var signal))
                {
                    signal.Set();
                }
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Already gone or not ours to remove; the next listing will tell.
        }
        catch (UnauthorizedAccessException)
        {
            // Belongs to another user; leave it.
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Could not ring {Peer}: {Error}")]
    private static partial void LogPeerRingFailed(ILogger logger, string peer, SocketError error);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Debug, Message = "Could not ring the peers in {Directory}: {Error}")]
    private static partial void LogRingFailed(ILogger logger, string directory, string error);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "The broker doorbell stopped listening ({Error}); consumers fall back to polling")]
    private static partial void LogListenFailed(ILogger logger, SocketError error);
}
