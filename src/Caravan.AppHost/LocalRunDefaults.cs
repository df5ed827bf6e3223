using Microsoft.Extensions.Configuration;

namespace Caravan.AppHost;

/// <summary>
/// Makes a plain <c>dotnet run</c> work on a developer machine without certificates or a login: Aspire
/// refuses plain HTTP unless told, its dashboard asks for a token unless told, and it needs the
/// dashboard's addresses. The launch profile (Properties/launchSettings.json) sets all of it; this covers
/// a run without it (<c>--no-launch-profile</c>, or the built executable). A value already given wins.
/// </summary>
internal static class LocalRunDefaults
{
    public const string DashboardUrl = "http://127.0.0.1:18888";
    public const string DashboardOtlpUrl = "http://127.0.0.1:18889";

    /// <summary>Environment defaults Aspire reads while the builder is created: call before <c>CreateBuilder</c>.</summary>
    public static void ApplyToEnvironment()
    {
        SetIfUnset("ASPIRE_ALLOW_UNSECURED_TRANSPORT", "true");
        SetIfUnset("ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS", "true");
    }

    /// <summary>The dashboard's addresses, as configuration of this app host only (not inherited by anything it starts).</summary>
    public static void ApplyToConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (string.IsNullOrWhiteSpace(configuration["ASPNETCORE_URLS"]))
        {
            configuration["ASPNETCORE_URLS"] = DashboardUrl;
        }

        if (string.IsNullOrWhiteSpace(configuration["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"])
            && string.IsNullOrWhiteSpace(configuration["DOTNET_DASHBOARD_OTLP_ENDPOINT_URL"])
            && string.IsNullOrWhiteSpace(configuration["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"]))
        {
            configuration["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = DashboardOtlpUrl;
        }
    }

    private static void SetIfUnset(string variable, string value)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)))
        {
            Environment.SetEnvironmentVariable(variable, value);
        }
    }
}
