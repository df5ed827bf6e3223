using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Caravan.Services.Tests.Conventions;

/// <summary>
/// Every error, whoever produces it (an endpoint's problem, binding, Kestrel's limits, routing, an
/// unhandled exception), leaves as the one problem shape with its machine code.
/// </summary>
public sealed class ProblemShapeTests : IAsyncLifetime
{
    private ConventionsApp _app = null!;

    private HttpClient Client => _app.Client;

    public async Task InitializeAsync() => _app = await ConventionsApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task FieldErrors_AreAValidationErrorWithOneDetailPerMessage_AndKeepTheErrorsDictionary()
    {
        using var response = await Client.GetAsync("/invalid");

        var problem = await ProblemAssert.ShapeAsync(response, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "email", "name");
        Assert.Equal(3, problem.GetProperty("details").GetArrayLength());
        Assert.Equal(2, problem.GetProperty("errors").GetProperty("name").GetArrayLength());
    }

    [Fact]
    public async Task AProducerSetCode_WinsOverTheStatusCode()
    {
        using var response = await Client.GetAsync("/coded");

        var problem = await ProblemAssert.ShapeAsync(response, HttpStatusCode.Conflict, "THING_TAKEN");
        Assert.Equal("The thing is taken.", problem.GetProperty("message").GetString());
    }

    [Fact]
    public async Task NotFoundProblem_HasCodeNotFound()
    {
        using var response = await Client.GetAsync("/missing");

        await ProblemAssert.ShapeAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task UnknownRoute_GetsANotFoundProblemFromStatusCodePages()
    {
        using var response = await Client.GetAsync("/no/such/thing");

        var problem = await ProblemAssert.ShapeAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Equal("Not Found", problem.GetProperty("message").GetString());
    }

    [Fact]
    public async Task WrongMethod_Is405MethodNotAllowed()
    {
        using var response = await Client.DeleteAsync("/echo");

        await ProblemAssert.ShapeAsync(response, HttpStatusCode.MethodNotAllowed, "METHOD_NOT_ALLOWED");
    }

    [Fact]
    public async Task BareStatusCode_FromAnEndpoint_BecomesAProblemWithItsCode()
    {
        using var response = await Client.GetAsync("/teapot");

        await ProblemAssert.ShapeAsync(response, HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
    }

    [Fact]
    public async Task UnhandledException_Is500InternalError_WithoutTheExceptionText_EvenInDevelopment()
    {
        using var response = await Client.GetAsync("/boom");

        await ProblemAssert.ShapeAsync(response, HttpStatusCode.InternalServerError, "INTERNAL_ERROR");
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("hunter2", body, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
        Assert.DoesNotContain("ConventionsApp", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedJson_IsAValidationErrorNamingTheField()
    {
        using var content = new StringContent("""{"name":"a","count":"many"}""", Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync("/echo", content);

        await ProblemAssert.ShapeAsync(response, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "count");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task WrongContentType_OnAJsonEndpoint_Is415UnsupportedMediaType(string mediaType)
    {
        using var content = new StringContent("""{"name":"a","count":1}""", Encoding.UTF8, mediaType);
        using var response = await Client.PostAsync("/echo", content);

        await ProblemAssert.ShapeAsync(response, HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");
    }

    [Fact]
    public async Task MissingContentType_OnAJsonEndpoint_Is415UnsupportedMediaType()
    {
        using var content = new ByteArrayContent("""{"name":"a","count":1}"""u8.ToArray());
        using var response = await Client.PostAsync("/echo", content);

        await ProblemAssert.ShapeAsync(response, HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");
    }

    [Fact]
    public async Task BodyOverTheLimit_WithContentLength_Is413PayloadTooLarge()
    {
        using var content = new StringContent($$"""{"name":"{{new string('a', (int)ConventionsApp.MaxBodyBytes)}}","count":1}""", Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync("/echo", content);

        await ProblemAssert.ShapeAsync(response, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
    }

    [Fact]
    public async Task BodyOverTheLimit_Chunked_Is413PayloadTooLarge()
    {
        var json = Encoding.UTF8.GetBytes($$"""{"name":"{{new string('a', (int)ConventionsApp.MaxBodyBytes)}}","count":1}""");
        using var content = new StreamContent(new MemoryStream(json));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/echo") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await Client.SendAsync(request);

        await ProblemAssert.ShapeAsync(response, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
    }

    [Fact]
    public async Task AClientThatAcceptsOnlyHtml_StillGetsProblemJson()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/no/such/thing");
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await Client.SendAsync(request);

        var problem = await ProblemAssert.ShapeAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Equal("Not Found", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task AValidationProblem_ForAClientThatAcceptsOnlyHtml_KeepsItsDetails()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/invalid");
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await Client.SendAsync(request);

        await ProblemAssert.ShapeAsync(response, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "email", "name");
    }
}
