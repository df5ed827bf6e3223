namespace Caravan.AppHost.Tests.BadInput;

/// <summary>Orders (v1 and v2), sagas, the read-only lists and <c>/graphql</c> as an HTTP endpoint.</summary>
internal static partial class BadRequestCases
{
    private const string Item = "{\"sku\":\"{sku}\",\"quantity\":1}";
    private const string Payment = "{\"cardNumber\":\"4242424242424242\"}";
    private const string Address = "{\"line1\":\"1 Main St\",\"city\":\"Berlin\",\"postalCode\":\"10115\",\"country\":\"DE\"}";

    /// <summary>A valid order body, with any of its four parts replaced (as raw JSON).</summary>
    public static string Order(string? userId = null, string? items = null, string? payment = null, string? address = null, string extra = "") =>
        "{\"userId\":" + (userId ?? "\"{userId}\"") + ",\"items\":" + (items ?? "[" + Item + "]") + ",\"payment\":" + (payment ?? Payment)
        + ",\"shippingAddress\":" + (address ?? Address) + extra + "}";

    private static IEnumerable<BadRequestCase> OrderCases()
    {
        foreach (var version in new[] { "v1", "v2" })
        {
            var path = $"/api/{version}/orders";
            var key = new Dictionary<string, string>(StringComparer.Ordinal) { ["Idempotency-Key"] = $"bad-input-{version}" };
            foreach (var item in BodyCases("POST", path, "userId", key))
            {
                yield return item;
            }

            BadRequestCase Case(string what, string json, params string[] fields) =>
                new($"POST {path}: {what}", "POST", path) { Json = json, Headers = key, Fields = fields };

            yield return new BadRequestCase($"POST {path}: no Idempotency-Key", "POST", path) { Json = Order(), Fields = ["Idempotency-Key"] };
            yield return Case("a blank Idempotency-Key", Order(), "Idempotency-Key") with
            {
                Headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["Idempotency-Key"] = "   " },
            };
            yield return Case("a 101-character Idempotency-Key", Order(), "Idempotency-Key") with
            {
                Headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["Idempotency-Key"] = new string('k', 101) },
            };
            yield return Case("no fields", "{}", "userId", "items", "payment", "shippingAddress");
            yield return Case("items is a string", Order(items: "\"abc\""), "items");
            yield return Case("items is empty", Order(items: "[]"), "items");
            yield return Case("an item is null", Order(items: "[null]"), "items[0]");
            yield return Case("51 items", Order(items: "[" + string.Join(",", Enumerable.Range(0, 51).Select(i => $"{{\"sku\":\"S{i}\",\"quantity\":1}}")) + "]"), "items");
            yield return Case("a sku given twice", Order(items: "[" + Item + "," + Item + "]"), "items[1].sku");
            yield return Case("quantity is a string", Order(items: "[{\"sku\":\"{sku}\",\"quantity\":\"two\"}]"), "items[0].quantity");
            yield return Case("userId is a number", Order(userId: "42"), "userId");
            yield return Case("payment is an array", Order(payment: "[]"), "payment");
            foreach (var quantity in new[] { "-1", "0", "1001", "2147483648", "1e309", "1.5" })
            {
                yield return Case($"quantity {quantity}", Order(items: $"[{{\"sku\":\"{{sku}}\",\"quantity\":{quantity}}}]"), "items[0].quantity");
            }

            yield return Case("a non-GUID userId", Order(userId: "\"not-a-guid\""), "userId");
            yield return Case("an SQL-like userId", Order(userId: Quote(Sql)), "userId");
            yield return Case("an unknown userId", Order(userId: Quote(UnknownId)), "userId");
            yield return Case("a script card number", Order(payment: "{\"cardNumber\":" + Quote(Script) + "}"), "payment.cardNumber");
            yield return Case("a script country", Order(address: "{\"line1\":\"1 Main St\",\"city\":\"Berlin\",\"postalCode\":\"10115\",\"country\":" + Quote(Script) + "}"), "shippingAddress.country");
            yield return Case("a 100 KB address line", Order(address: "{\"line1\":\"" + Huge + "\",\"city\":\"Berlin\",\"postalCode\":\"10115\",\"country\":\"DE\"}"), "shippingAddress.line1");
            yield return Case("an extra field beside missing ones", "{\"isAdmin\":true,\"total\":0}", "userId", "items", "payment", "shippingAddress");
            yield return Case("more units than in stock", Order(items: "[{\"sku\":\"{sku}\",\"quantity\":6}]"), "items[0].quantity") with { Status = 409, Code = "OUT_OF_STOCK" };
            yield return Case("an SQL-like sku", Order(items: "[{\"sku\":" + Quote(Sql) + ",\"quantity\":1}]"), "items[0].sku") with { Status = 422, Code = "UNKNOWN_SKU" };
            yield return Case("a script sku", Order(items: "[{\"sku\":" + Quote(Script) + ",\"quantity\":1}]"), "items[0].sku") with { Status = 422, Code = "UNKNOWN_SKU" };

            foreach (var item in NotFoundIds("GET", path + "/{id}").Concat(ListCases(path, ("userId=not-a-guid", "userId"), ("userId=" + Escaped(Sql), "userId"), ("status=" + Escaped(Script), "status"), ("status=Bogus", "status"))))
            {
                yield return item;
            }
        }
    }

    private static IEnumerable<BadRequestCase> SagaCases()
    {
        const string Resolve = "/api/v1/sagas/" + UnknownId + "/resolve";
        foreach (var item in NotFoundIds("GET", "/api/v1/sagas/{id}")
            .Concat(NotFoundIds("POST", "/api/v1/sagas/{id}/retry"))
            .Concat(NotFoundIds("POST", "/api/v1/sagas/{id}/resolve", "{\"note\":\"checked by hand\"}"))
            .Concat(BodyCases("POST", Resolve, "note", emptyBodyField: "note")))
        {
            yield return item;
        }

        BadRequestCase Case(string what, string json, params string[] fields) =>
            new($"POST /api/v1/sagas/{{unknown}}/resolve: {what}", "POST", Resolve) { Json = json, Fields = fields };

        yield return Case("no note", "{}", "note");
        yield return Case("a blank note", "{\"note\":\" \"}", "note");
        yield return Case("a note of 501 characters", "{\"note\":\"" + new string('n', 501) + "\"}", "note");
        yield return Case("note is a number", "{\"note\":5}", "note");
        yield return new BadRequestCase("GET /api/v1/sagas?status=Bogus", "GET", "/api/v1/sagas?status=Bogus") { Fields = ["status"] };
        yield return new BadRequestCase("GET /api/v1/sagas?limit=0", "GET", "/api/v1/sagas?limit=0") { Fields = ["limit"] };
        yield return new BadRequestCase("GET /api/v1/sagas?olderThanSeconds=-1", "GET", "/api/v1/sagas?olderThanSeconds=-1") { Fields = ["olderThanSeconds"] };
        yield return new BadRequestCase("GET /api/v1/sagas?limit=abc", "GET", "/api/v1/sagas?limit=abc") { Fields = ["limit"] };
    }

    private static IEnumerable<BadRequestCase> ReadOnlyCases()
    {
        (string, string)[] byOrder = [("orderId=not-a-guid", "orderId"), ("orderId=" + Escaped(Sql), "orderId"), ("status=Bogus", "status")];
        return ListCases("/api/v1/payments", byOrder)
            .Concat(ListCases("/api/v1/payments/ledger", ("orderId=not-a-guid", "orderId")))
            .Concat(ListCases("/api/v1/shipments", byOrder))
            .Concat(ListCases("/api/v1/notifications", ("orderId=not-a-guid", "orderId"), ("userId=" + Escaped(Script), "userId"), ("kind=Bogus", "kind")))
            .Concat(NotFoundIds("GET", "/api/v1/payments/{id}"))
            .Concat(NotFoundIds("GET", "/api/v1/shipments/{id}"))
            .Concat(NotFoundIds("GET", "/api/v1/notifications/{id}"));
    }

    /// <summary><c>POST /graphql</c> with requests it cannot read: refused as problems before any GraphQL runs.</summary>
    private static IEnumerable<BadRequestCase> GraphQLCases()
    {
        foreach (var item in BodyCases("POST", "/graphql", "query"))
        {
            yield return item;
        }

        yield return new BadRequestCase("POST /graphql: no query", "POST", "/graphql") { Json = "{\"variables\":{}}", Fields = ["query"] };
        yield return new BadRequestCase("POST /graphql: a blank query", "POST", "/graphql") { Json = "{\"query\":\"  \"}", Fields = ["query"] };
        yield return new BadRequestCase("POST /graphql: query is a number", "POST", "/graphql") { Json = "{\"query\":42}" };
        yield return new BadRequestCase("POST /graphql: variables is a string", "POST", "/graphql") { Json = "{\"query\":\"{ users { id } }\",\"variables\":\"x\"}" };
    }
}
