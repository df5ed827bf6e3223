using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Caravan.AppHost;

/// <summary>
/// What the app host reads from its own configuration (command line, environment, appsettings):
/// where the services keep their files, the public port, and whether service ports are dynamic.
/// </summary>
internal sealed record CaravanSettings(string DataDirectory, int GatewayPort, bool DynamicPorts)
{
    /// <summary>Same key the services read (<c>Caravan__DataDirectory</c> in the environment).</summary>
    public const string DataDirectoryKey = "Caravan:DataDirectory";

    /// <summary>The public port; an environment variable, or <c>--CARAVAN_HTTP_PORT=...</c> on the command line.</summary>
    public const string GatewayPortKey = "CARAVAN_HTTP_PORT";

    /// <summary>When true every service endpoint gets a port the OS picks, so a second app host (tests) cannot collide.</summary>
    public const string DynamicPortsKey = "Caravan:DynamicPorts";

    public const int DefaultGatewayPort = 8080;

    /// <param name="configuration">The app host's configuration.</param>
    /// <param name="appHostDirectory">The app host project's directory; the default data directory is
    /// <c>.caravan/data</c> at the repository root two levels above it, whatever the current directory is.</param>
    public static CaravanSettings From(IConfiguration configuration, string appHostDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        var configuredDirectory = configuration[DataDirectoryKey];
        var dataDirectory = string.IsNullOrWhiteSpace(configuredDirectory)
            ? Path.GetFullPath(Path.Combine(appHostDirectory, "..", "..", ".caravan", "data"))
            : Path.GetFullPath(configuredDirectory);

        return new CaravanSettings(
            dataDirectory,
            ParsePort(configuration[GatewayPortKey]),
            configuration.GetValue(DynamicPortsKey, defaultValue: false));
    }

    private static int ParsePort(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return DefaultGatewayPort;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? port
            : throw new InvalidOperationException($"{GatewayPortKey} must be a TCP port between 1 and 65535, not '{value}'.");
    }
}
