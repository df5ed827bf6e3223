using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Caravan.AppHost;

/// <summary>
/// Loopback TCP ports that nobody listens on right now, chosen below the kernel's ephemeral range and
/// reserved machine-wide, so that no two processes using this class are ever handed the same port while
/// both live.
/// </summary>
/// <remarks>
/// <para>
/// A port given to a process that may die and be started again (every service, with restart on crash) must
/// still be free when the new process binds it. A port from the ephemeral range is not: while the old
/// process is dead, any outgoing connection on the machine may get that port as its local port, and a
/// listener cannot bind a port a connected socket holds (EADDRINUSE) for as long as that connection lives.
/// Below the range the kernel never hands ports out by itself, so only another listener can take one.
/// </para>
/// <para>
/// "Free now" is not enough either: a port is handed out seconds before its server binds it, and a server
/// restarted by a test (a killed service, a PostgreSQL or RabbitMQ node) leaves its ports free for a while.
/// Another process checking in that window would find them free. So every port handed out is written to a
/// reservation file shared by all processes (<c>caravan-loopback-ports</c> in the temporary directory, read
/// and written under an exclusive file lock), with the owning process's id and start time; a reservation
/// lasts as long as its owner process lives. Within one process a port is never handed out twice.
/// </para>
/// <para>
/// The source is compiled into the app host and, as a linked file, into the tests' shared library, so the
/// app host's dynamic ports and the tests' private servers draw from the same reservations.
/// </para>
/// </remarks>
internal static class LoopbackPorts
{
    /// <summary>Where the reservations of every process on the machine are kept (one line each: port, pid, process start time).</summary>
    public static string ReservationFile { get; } = Path.Combine(Path.GetTempPath(), "caravan-loopback-ports");

    private static readonly LoopbackPortAllocator s_allocator = new(ReservationFile, LoopbackPortAllocator.Lowest, EphemeralRangeStart());

    public static int Next() => NextBlock(1);

    /// <summary>The first of <paramref name="size"/> consecutive free ports (a server that also listens on port + 1, + 2, …).</summary>
    public static int NextBlock(int size) => s_allocator.NextBlock(size);

    /// <summary>The first port of <c>net.ipv4.ip_local_port_range</c> (32768 when it cannot be read).</summary>
    private static int EphemeralRangeStart()
    {
        try
        {
            var first = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0];
            var start = int.Parse(first, CultureInfo.InvariantCulture);
            return start > LoopbackPortAllocator.Lowest + 1000 ? start : 32768;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32768;
        }
    }
}

/// <summary>
/// Hands out free loopback ports from [<paramref name="lowest"/>, <paramref name="end"/>), never one this
/// instance handed out before, nor one reserved in <paramref name="reservationFile"/> by a process that
/// still lives; records its own choices there. <see cref="LoopbackPorts"/> is the machine-wide one.
/// </summary>
internal sealed class LoopbackPortAllocator(string reservationFile, int lowest, int end)
{
    public const int Lowest = 20000;

    private readonly HashSet<int> _handedOut = [];

    public int NextBlock(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        lock (_handedOut)
        {
            using var reservations = Reservations.Lock(reservationFile);
            // Random tries first (cheap while the range is mostly free), then every start in order.
            IEnumerable<int> starts = end - size < lowest
                ? []
                : Enumerable.Range(0, 200).Select(_ => Random.Shared.Next(lowest, end - size + 1)).Concat(Enumerable.Range(lowest, end - size + 1 - lowest));
            foreach (var port in starts)
            {
                var block = Enumerable.Range(port, size).ToList();
                if (!block.Any(_handedOut.Contains) && !block.Any(reservations.IsReserved) && block.All(IsFree))
                {
                    _handedOut.UnionWith(block);
                    reservations.Reserve(block);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"No {size} free loopback ports in a row found between {lowest} and {end}.");
    }

    /// <summary><c>"pid starttime"</c>: the start time (in clock ticks since boot, from <c>/proc/pid/stat</c>) tells a live owner from a later process that got the same pid.</summary>
    internal static string? OwnerOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return $"{pid.ToString(CultureInfo.InvariantCulture)} {fields[19]}";
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static bool IsFree(int port)
    {
        using var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>
    /// The reservation file, held under an exclusive lock (on Unix .NET takes <c>flock</c> for
    /// <see cref="FileShare.None"/>) from <see cref="Lock"/> until disposed. Reservations of processes that no
    /// longer live are dropped when the file is written back.
    /// </summary>
    private sealed class Reservations : IDisposable
    {
        private static readonly TimeSpan s_lockTimeout = TimeSpan.FromSeconds(30);

        private readonly FileStream _file;
        private readonly Dictionary<int, string> _owners;
        private readonly string _self;

        private Reservations(FileStream file)
        {
            _file = file;
            _self = OwnerOf(Environment.ProcessId) ?? Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            _owners = [];
            using var reader = new StreamReader(_file, leaveOpen: true);
            var liveness = new Dictionary<string, bool>(StringComparer.Ordinal);
            while (reader.ReadLine() is { } line)
            {
                var parts = line.Split(' ', 2);
                if (parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var port)
                    && (liveness.TryGetValue(parts[1], out var alive) ? alive : liveness[parts[1]] = IsAlive(parts[1])))
                {
                    _owners[port] = parts[1];
                }
            }
        }

        public static Reservations Lock(string path)
        {
            var deadline = Environment.TickCount64 + (long)s_lockTimeout.TotalMilliseconds;
            while (true)
            {
                try
                {
                    return new Reservations(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
                }
                catch (IOException) when (Environment.TickCount64 < deadline)
                {
                    // Another process holds the lock for the few milliseconds a choice takes.
                    Thread.Sleep(TimeSpan.FromMilliseconds(Random.Shared.Next(2, 20)));
                }
            }
        }

        public bool IsReserved(int port) => _owners.ContainsKey(port);

        public void Reserve(IEnumerable<int> ports)
        {
            foreach (var port in ports)
            {
                _owners[port] = _self;
            }

            _file.SetLength(0);
            _file.Position = 0;
            using var writer = new StreamWriter(_file, leaveOpen: true);
            foreach (var (port, owner) in _owners)
            {
                writer.Write(port.ToString(CultureInfo.InvariantCulture));
                writer.Write(' ');
                writer.WriteLine(owner);
            }
        }

        public void Dispose() => _file.Dispose();

        private static bool IsAlive(string owner) =>
            int.TryParse(owner.Split(' ')[0], CultureInfo.InvariantCulture, out var pid) && OwnerOf(pid) == owner;
    }
}
