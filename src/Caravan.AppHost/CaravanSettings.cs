using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Caravan.AppHost;

/// <summary>
/// What the app host reads from its own configuration (command line, environment, appsettings):
/// where the services keep their files, the public port, whether service ports are dynamic, and the mode.
/// </summary>
internal sealed record CaravanSettings(string DataDirectory, int GatewayPort, bool DynamicPorts, CaravanMode Mode, string RepositoryRoot)
{
    /// <summary>Same key the services read (<c>Caravan__DataDirectory</c> in the environment).</summary>
    public const string DataDirectoryKey = "Caravan:DataDirectory";

    /// <summary>The public port; an environment variable, or <c>--CARAVAN_HTTP_PORT=...</c> on the command line.</summary>
    public const string GatewayPortKey = "CARAVAN_HTTP_PORT";

    /// <summary>When true every service endpoint gets a port the OS picks, so a second app host (tests) cannot collide.</summary>
    public const string DynamicPortsKey = "Caravan:DynamicPorts";

    /// <summary><c>embedded</c> (default) or <c>distributed</c>; also <c>--mode distributed</c> (see <see cref="SwitchMappings"/>).</summary>
    public const string ModeKey = "Caravan:Mode";

    public const int DefaultGatewayPort = 8080;

    /// <summary>Short command-line switches: <c>--mode distributed</c> sets <see cref="ModeKey"/>.</summary>
    public static IDictionary<string, string> SwitchMappings { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["--mode"] = ModeKey,
    };

    /// <param name="configuration">The app host's configuration.</param>
    /// <param name="appHostDirectory">The app host project's directory; the repository root is two levels above
    /// it, and the default data directory is <c>.caravan/data</c> there, whatever the current directory is.</param>
    public static CaravanSettings From(IConfiguration configuration, string appHostDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        var repositoryRoot = Path.GetFullPath(Path.Combine(appHostDirectory, "..", ".."));
        var configuredDirectory = configuration[DataDirectoryKey];
        var dataDirectory = string.IsNullOrWhiteSpace(configuredDirectory)
            ? Path.Combine(repositoryRoot, ".caravan", "data")
            : Path.GetFullPath(configuredDirectory);

        return new CaravanSettings(
            dataDirectory,
            ParsePort(configuration[GatewayPortKey]),
            configuration.GetValue(DynamicPortsKey, defaultValue: false),
            ParseMode(configuration[ModeKey]),
            repositoryRoot);
    }

    private static CaravanMode ParseMode(string? value) => value?.Trim().ToUpperInvariant() switch
    {
        null or "" or "EMBEDDED" => CaravanMode.Embedded,
        "DISTRIBUTED" => CaravanMode.Distributed,
        _ => throw new InvalidOperationException($"{ModeKey} (--mode) must be 'embedded' or 'distributed', not '{value}'."),
    };

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
