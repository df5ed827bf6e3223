using Caravan.AppHost.Distributed;
using Caravan.AppHost.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Caravan.AppHost.Tests.Distributed;

public sealed class CaravanModeTests
{
    [Fact]
    public void Mode_IsEmbedded_WhenNotGiven()
    {
        var settings = CaravanSettings.From(Configuration(), AppContext.BaseDirectory);

        Assert.Equal(CaravanMode.Embedded, settings.Mode);
    }

    [Theory]
    [InlineData("--mode", "distributed")]
    [InlineData("--mode", "Distributed")]
    [InlineData("--Caravan:Mode", "distributed")]
    public void Mode_IsDistributed_FromTheSwitchOrTheKey(string key, string value)
    {
        var settings = CaravanSettings.From(Configuration(key, value), AppContext.BaseDirectory);

        Assert.Equal(CaravanMode.Distributed, settings.Mode);
    }

    [Fact]
    public void Mode_Unknown_StopsTheAppHostNamingTheKey()
    {
        var error = Assert.Throws<InvalidOperationException>(() => CaravanSettings.From(Configuration("--mode", "cluster"), AppContext.BaseDirectory));

        Assert.Contains(CaravanSettings.ModeKey, error.Message, StringComparison.Ordinal);
        Assert.Contains("cluster", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EngScript_GetsTheServerSettingsOfTheAppHostsConfiguration()
    {
        // `eng/postgres.sh env` only prints where the server would be: nothing is started.
        var script = new EngScript(Repository.Root, "postgres.sh");

        var printed = await script.RunAsync("env", Configuration("--CARAVAN_POSTGRES_PORT", "45999"));

        Assert.Contains("Port=45999", printed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EngScript_Failing_ThrowsWithWhatItSaid()
    {
        var script = new EngScript(Repository.Root, "postgres.sh");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => script.RunAsync("no-such-command", Configuration()));

        Assert.Contains("usage", error.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(params string[] arguments) =>
        new ConfigurationBuilder().AddCommandLine(arguments, CaravanSettings.SwitchMappings).Build();
}
