namespace Caravan.AppHost.Tests.BadInput;

/// <summary>Users and products: create, replace, delete, read and list.</summary>
internal static partial class BadRequestCases
{
    private static IEnumerable<BadRequestCase> UserCases()
    {
        const string Users = "/api/v1/users";
        const string Ada = "/api/v1/users/{userId}";
        foreach (var (method, path) in new[] { ("POST", Users), ("PUT", Ada) })
        {
            foreach (var item in BodyCases(method, path, "name"))
            {
                yield return item;
            }

            BadRequestCase Case(string what, string json, params string[] fields) =>
                new($"{method} {path}: {what}", method, path) { Json = json, Fields = fields };

            yield return Case("name is a number", "{\"name\":123,\"email\":\"n1@example.com\"}", "name");
            yield return Case("email is a boolean", "{\"name\":\"N\",\"email\":true}", "email");
            yield return Case("name is an object", "{\"name\":{\"first\":\"N\"},\"email\":\"n2@example.com\"}", "name");
            yield return Case("name is null", "{\"name\":null,\"email\":\"n3@example.com\"}", "name");
            yield return Case("no fields", "{}", "name", "email");
            yield return Case("email missing", "{\"name\":\"N\"}", "email");
            yield return Case("name blank", "{\"name\":\"   \",\"email\":\"n4@example.com\"}", "name");
            yield return Case("a 100 KB name", "{\"name\":\"" + Huge + "\",\"email\":\"n5@example.com\"}", "name");
            yield return Case("a 100 KB email", "{\"name\":\"N\",\"email\":\"" + Huge + "@example.com\"}", "email");
            yield return Case("an SQL-like email", "{\"name\":\"N\",\"email\":" + Quote(Sql) + "}", "email");
            yield return Case("a script email", "{\"name\":\"N\",\"email\":" + Quote(Script) + "}", "email");
            yield return Case("an email with a display name", "{\"name\":\"N\",\"email\":\"N <n6@example.com>\"}", "email");
            yield return new BadRequestCase($"{method} {path}: an email another user has", method, path)
            {
                Json = "{\"name\":\"N\",\"email\":\"{graceEmail}\"}",
                Status = 409,
                Code = "EMAIL_TAKEN",
            };
        }

        foreach (var item in NotFoundIds("PUT", "/api/v1/users/{id}", "{\"name\":\"N\",\"email\":\"n7@example.com\"}")
            .Concat(NotFoundIds("GET", "/api/v1/users/{id}"))
            .Concat(NotFoundIds("DELETE", "/api/v1/users/{id}"))
            .Concat(ListCases(Users, ("id=not-a-guid", "id"), ("id=" + Escaped(Sql), "id"))))
        {
            yield return item;
        }

        yield return new BadRequestCase("PATCH /api/v1/users/{userId}: a method the resource does not have", "PATCH", Ada)
        {
            Json = "{\"name\":\"N\"}",
            Status = 405,
            Code = "METHOD_NOT_ALLOWED",
        };
    }

    private static IEnumerable<BadRequestCase> ProductCases()
    {
        const string Products = "/api/v1/products";
        const string Probe = "/api/v1/products/{sku}";
        foreach (var (method, path, sku) in new[] { ("POST", Products, "\"sku\":\"NEW-1\""), ("PUT", Probe, string.Empty) })
        {
            foreach (var item in BodyCases(method, path, "name"))
            {
                yield return item;
            }

            BadRequestCase Case(string what, string fields, params string[] named) =>
                new($"{method} {path}: {what}", method, path) { Json = "{" + string.Join(",", new[] { sku, fields }.Where(part => part.Length > 0)) + "}", Fields = named };

            yield return Case("price is a string", "\"name\":\"P\",\"price\":\"cheap\",\"stock\":1", "price");
            yield return Case("stock is a string", "\"name\":\"P\",\"price\":1,\"stock\":\"many\"", "stock");
            yield return Case("stock is a fraction", "\"name\":\"P\",\"price\":1,\"stock\":1.5", "stock");
            yield return Case("name is an array", "\"name\":[\"P\"],\"price\":1,\"stock\":1", "name");
            yield return Case("price -5", "\"name\":\"P\",\"price\":-5,\"stock\":1", "price");
            yield return Case("price 0", "\"name\":\"P\",\"price\":0,\"stock\":1", "price");
            yield return Case("price 1e309", "\"name\":\"P\",\"price\":1e309,\"stock\":1", "price");
            yield return Case("price 1e30", "\"name\":\"P\",\"price\":1e30,\"stock\":1", "price");
            yield return Case("price 1000000.01", "\"name\":\"P\",\"price\":1000000.01,\"stock\":1", "price");
            yield return Case("price 0.001", "\"name\":\"P\",\"price\":0.001,\"stock\":1", "price");
            yield return Case("stock -1", "\"name\":\"P\",\"price\":1,\"stock\":-1", "stock");
            yield return Case("stock 2147483648", "\"name\":\"P\",\"price\":1,\"stock\":2147483648", "stock");
            yield return Case("a 100 KB name", "\"name\":\"" + Huge + "\",\"price\":1,\"stock\":1", "name");
            yield return Case("name, price and stock missing", string.Empty, "name", "price", "stock");
        }

        BadRequestCase Create(string what, string json, params string[] fields) =>
            new($"POST {Products}: {what}", "POST", Products) { Json = json, Fields = fields };

        yield return Create("no fields", "{}", "sku", "name", "price", "stock");
        yield return Create("sku is a number", "{\"sku\":42,\"name\":\"P\",\"price\":1,\"stock\":1}", "sku");
        yield return Create("an SQL-like sku", "{\"sku\":" + Quote(Sql) + ",\"name\":\"P\",\"price\":1,\"stock\":1}", "sku");
        yield return Create("a script sku", "{\"sku\":" + Quote(Script) + ",\"name\":\"P\",\"price\":1,\"stock\":1}", "sku");
        yield return Create("a 100 KB sku", "{\"sku\":\"" + Huge + "\",\"name\":\"P\",\"price\":1,\"stock\":1}", "sku");
        yield return new BadRequestCase($"POST {Products}: a sku that exists", "POST", Products)
        {
            Json = "{\"sku\":\"{sku}\",\"name\":\"P\",\"price\":1,\"stock\":1}",
            Status = 409,
            Code = "SKU_TAKEN",
        };

        foreach (var (what, sku) in new[] { ("an unknown sku", "NO-SUCH-SKU"), ("an SQL-like sku", Sql), ("a script sku", Script) })
        {
            yield return new BadRequestCase($"GET {Products}/{{sku}}: {what}", "GET", $"{Products}/{Escaped(sku)}") { Status = 404, Code = NotFound };
            yield return new BadRequestCase($"PUT {Products}/{{sku}}: {what}", "PUT", $"{Products}/{Escaped(sku)}")
            {
                Json = "{\"name\":\"P\",\"price\":1,\"stock\":1}",
                Status = 404,
                Code = NotFound,
            };
        }

        foreach (var item in ListCases(Products))
        {
            yield return item;
        }
    }
}
