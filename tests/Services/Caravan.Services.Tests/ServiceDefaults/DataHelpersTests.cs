using System.Globalization;
using Caravan.ServiceDefaults.Data;
using Caravan.ServiceDefaults.Paging;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Caravan.Services.Tests.ServiceDefaults;

public sealed class DataHelpersTests
{
    [Theory]
    [InlineData(1250L, "12.50")]
    [InlineData(-5L, "-0.05")]
    [InlineData(0L, "0.00")]
    [InlineData(long.MinValue, "-92233720368547758.08")]
    public void Money_FromCents_AlwaysHasTwoDecimalPlaces(long cents, string expected) =>
        Assert.Equal(expected, Money.FromCents(cents).ToString(CultureInfo.InvariantCulture));

    [Fact]
    public void Money_ToCents_RoundTripsWholeCents_AndSpotsFractions()
    {
        Assert.Equal(1250L, Money.ToCents(12.5m));
        Assert.Equal(12.50m, Money.FromCents(Money.ToCents(12.50m)));
        Assert.True(Money.HasAtMostTwoDecimals(12.34m));
        Assert.False(Money.HasAtMostTwoDecimals(12.345m));
    }

    [Fact]
    public void Timestamps_AreUtcText_ThatRoundTrips()
    {
        var local = new DateTimeOffset(2025, 3, 1, 14, 30, 0, TimeSpan.FromHours(2));

        var text = Timestamps.ToText(local);

        Assert.Equal("2025-03-01T12:30:00.0000000Z", text);
        Assert.Equal(local, Timestamps.Parse(text));
    }

    [Fact]
    public void SqlFilter_AddsOnlyTheConditionsThatHaveAValue()
    {
        var filter = new SqlFilter();
        Assert.Equal(string.Empty, filter.WhereFor(SqlDialect.Sqlite));

        filter.Add("order_id", null);
        filter.Add("status", "Charged");
        filter.AddCondition("deleted_at IS NULL");

        Assert.Equal(" WHERE status = @status AND deleted_at IS NULL", filter.WhereFor(SqlDialect.Postgres));
        Assert.Equal(["status"], filter.Parameters.ParameterNames);
    }

    [Fact]
    public async Task SqlFilter_ReadPageAsync_CountsAndPagesTheMatchingRows()
    {
        using var directory = new TestDirectory();
        await using var connection = new SqliteConnection($"Data Source={directory.File("filter.db")};Pooling=False");
        await connection.OpenAsync();
        await connection.ExecuteAsync("CREATE TABLE items (id INTEGER PRIMARY KEY, kind TEXT NOT NULL)");
        await connection.ExecuteAsync("INSERT INTO items (id, kind) VALUES (1, 'a'), (2, 'b'), (3, 'a'), (4, 'a')");

        var filter = new SqlFilter();
        filter.Add("kind", "a");
        var page = await filter.ReadPageAsync<long, string>(
            connection, "id", "items", "id DESC", new PageRequest(2, 2), id => $"item-{id}", CancellationToken.None);
        var all = await new SqlFilter().ReadPageAsync<long, long>(
            connection, "id", "items", "id", new PageRequest(1, 20), id => id, CancellationToken.None);

        Assert.Equal(["item-1"], page.Data);
        Assert.Equal(new Pagination(2, 2, 3, 2), page.Pagination);
        Assert.Equal([1L, 2L, 3L, 4L], all.Data);
    }
}
