using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Caravan.AppHost.Tests.Infrastructure;

namespace Caravan.AppHost.Tests.Supervision;

/// <summary>
/// The machine-wide port reservation behind the app host's dynamic ports and the tests' private servers
/// (<see cref="LoopbackPortAllocator"/>), on a reservation file of the test's own and a few ports this
/// process reserved in the real one (so no other process on the machine uses them meanwhile).
/// </summary>
public sealed class LoopbackPortAllocatorTests : IDisposable
{
    private readonly TestDirectory _directory = new("ports");

    private string ReservationFile => Path.Combine(_directory.Path, "reservations");

    [Fact]
    public void PortsReservedByAnotherLiveProcess_AreNotHandedOut_UntilThatProcessEnds()
    {
        var first = LoopbackPorts.NextBlock(6);
        using var other = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
        var owner = LoopbackPortAllocator.OwnerOf(other.Id);
        Assert.NotNull(owner);
        File.WriteAllLines(ReservationFile, Enumerable.Range(first, 4).Select(port => $"{port.ToString(CultureInfo.InvariantCulture)} {owner}"));

        var allocator = new LoopbackPortAllocator(ReservationFile, first, first + 6);
        var handedOut = new[] { allocator.NextBlock(1), allocator.NextBlock(1) };

        Assert.Equal([first + 4, first + 5], handedOut.Order());
        Assert.Throws<InvalidOperationException>(() => allocator.NextBlock(1));

        other.Kill();
        other.WaitForExit();
        var afterwards = new LoopbackPortAllocator(ReservationFile, first, first + 6);
        var freed = Enumerable.Range(0, 4).Select(_ => afterwards.NextBlock(1)).Order().ToList();

        Assert.Equal(Enumerable.Range(first, 4), freed);
        var lines = File.ReadAllLines(ReservationFile);
        Assert.DoesNotContain(lines, line => line.EndsWith(" " + owner, StringComparison.Ordinal));
        Assert.Equal(6, lines.Length);
    }

    [Fact]
    public async Task AllocatorsSharingTheFile_NeverHandOutTheSamePort_EvenConcurrently()
    {
        var first = LoopbackPorts.NextBlock(16);
        var allocators = Enumerable.Range(0, 4).Select(_ => new LoopbackPortAllocator(ReservationFile, first, first + 16)).ToList();

        var handedOut = await Task.WhenAll(allocators.Select(allocator => Task.Run(() =>
            Enumerable.Range(0, 4).Select(_ => allocator.NextBlock(1)).ToList())));

        Assert.Equal(Enumerable.Range(first, 16), handedOut.SelectMany(ports => ports).Order());
        Assert.All(allocators, allocator => Assert.Throws<InvalidOperationException>(() => allocator.NextBlock(1)));
    }

    [Fact]
    public void PortSomeoneListensOn_IsSkipped_AndABlockIsConsecutiveFreePorts()
    {
        var first = LoopbackPorts.NextBlock(5);
        using var listener = new TcpListener(IPAddress.Loopback, first + 1);
        listener.Start();
        var allocator = new LoopbackPortAllocator(ReservationFile, first, first + 5);

        Assert.Equal(first + 2, allocator.NextBlock(3));
        Assert.Equal(first, allocator.NextBlock(1));
        Assert.Throws<InvalidOperationException>(() => allocator.NextBlock(1));
    }

    public void Dispose() => _directory.Dispose();
}
