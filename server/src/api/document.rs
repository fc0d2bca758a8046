//! What both API documents share, added once utoipa has built each from its
//! routes: where it is served, contact and licence, the security
//! requirement at the top (so generators configure the header by
//! themselves), and the headers and answers every operation may give
//! (405, 408, 413, 429, 503), each written once under `components` and
//! referenced from the operations.

use serde_json::{Map, Value, json};
use utoipa::openapi::OpenApi;

/// How one API's operations are guarded.
pub struct Guard {
    /// The security scheme's name in the document.
    pub scheme_name: &'static str,
    pub scheme: Value,
    /// Whether every admitted request is counted against a per-key
    /// allowance (`X-RateLimit-*` on its answers, 429 beyond it).
    pub rate_limited: bool,
}

/// Every method an operation can have in a document.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `document` as served from `public_url`, with `guard` and the shared parts.
pub fn finish(document: OpenApi, public_url: &str, guard: &Guard) -> Value {
    let mut document = serde_json::to_value(document).expect("an OpenAPI document serialises");
    document["servers"] = json!([{ "url": public_url.trim_end_matches('/') }]);
    document["info"]["license"] = json!({
        "name": "Proprietary: for Tracepipe subscribers, under their subscription's terms",
        "identifier": "LicenseRef-Tracepipe-Proprietary",
    });
    document["security"] = json!([{ guard.scheme_name: [] }]);
    let components = document["components"]
        .as_object_mut()
        .expect("utoipa writes components for the schemas");
    components.insert(
        "securitySchemes".to_owned(),
        json!({ guard.scheme_name: guard.scheme }),
    );
    components.insert("headers".to_owned(), shared_headers(guard.rate_limited));
    components.insert("responses".to_owned(), shared_responses(guard.rate_limited));
    let paths = document["paths"]
        .as_object_mut()
        .expect("a document has paths");
    for operation in paths.values_mut().flat_map(|item| {
        item.as_object_mut()
            .into_iter()
            .flat_map(|methods| methods.iter_mut())
            .filter(|(method, _)| METHODS.contains(&method.as_str()))
            .map(|(_, operation)| operation)
    }) {
        plain_optional_body(operation);
        share_answers(operation, guard.rate_limited);
    }
    document
}

fn header_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/headers/{name}") })
}

fn response_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/responses/{name}") })
}

/// The headers the answers carry, described once.
fn shared_headers(rate_limited: bool) -> Value {
    let number = |description: &str| {
        json!({
            "description": description,
            "required": true,
            "schema": { "type": "integer", "minimum": 0 },
        })
    };
    let mut headers = json!({
        "Retry-After": number("Seconds to wait before trying again."),
        "Allow": {
            "description": "The methods this path takes, such as `GET, POST`.",
            "required": true,
            "schema": { "type": "string" },
        },
    });
    if rate_limited {
        headers["X-RateLimit-Limit"] =
            number("Requests of this kind (reads, or changes) the key may make a minute.");
        headers["X-RateLimit-Remaining"] = number("How many of them are left now.");
        headers["X-RateLimit-Reset"] =
            number("When the allowance is whole again: seconds since 1970-01-01 UTC.");
    }
    headers
}

/// The answers any operation may give, whatever it does.
fn shared_responses(rate_limited: bool) -> Value {
    let envelope = json!({
        "application/json": { "schema": { "$ref": "#/components/schemas/ErrorEnvelope" } }
    });
    let answer = |description: &str, headers: &[&str]| {
        let mut response = json!({ "description": description, "content": envelope });
        if !headers.is_empty() {
            let headers: Map<String, Value> = headers
                .iter()
                .map(|name| ((*name).to_owned(), header_ref(name)))
                .collect();
            response["headers"] = Value::Object(headers);
        }
        response
    };
    let mut responses = json!({
        "MethodNotAllowed": answer(
            "The path does not take this method; `Allow` lists the ones it does.",
            &["Allow"],
        ),
        "RequestTimeout": answer(
            "The request took longer than this deployment allows (30 s unless configured otherwise); nothing was changed. Retry.",
            &[],
        ),
        "PayloadTooLarge": answer(
            "The body is larger than this deployment accepts (64 KiB unless configured otherwise); nothing was changed.",
            &[],
        ),
        "Unavailable": answer(
            "A service the operation needs is not answering; nothing was changed. Retry after `Retry-After` seconds.",
            &["Retry-After"],
        ),
    });
    if rate_limited {
        responses["RateLimited"] = answer(
            "The key used up its allowance for this minute. Each deployment sets its own allowance (by default 100 reads and 10 changes a minute per key); a key's `rate_limit` and the `X-RateLimit-*` headers give the one in force. Retry after `Retry-After` seconds.",
            &[
                "Retry-After",
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset",
            ],
        );
    }
    responses
}

/// An optional body as a plain reference, not required. utoipa writes
/// `Option<Body>` as `oneOf: [null, Body]`, which openapi-python-client
/// turns into a union it then sends even when the caller left it out.
fn plain_optional_body(operation: &mut Value) {
    let Some(body) = operation.get_mut("requestBody") else {
        return;
    };
    let mut optional = false;
    for content in body["content"]
        .as_object_mut()
        .into_iter()
        .flat_map(|c| c.values_mut())
    {
        let schema = &mut content["schema"];
        if let Some([first, second]) = schema["oneOf"].as_array().map(Vec::as_slice) {
            let null = json!({ "type": "null" });
            let other = if *first == null {
                second
            } else if *second == null {
                first
            } else {
                continue;
            };
            *schema = other.clone();
            optional = true;
        }
    }
    if optional {
        body["required"] = Value::Bool(false);
    }
}

/// Adds the shared answers to `operation` where it does not describe its
/// own, and the allowance headers to its successes.
fn share_answers(operation: &mut Value, rate_limited: bool) {
    let takes_body = operation.get("requestBody").is_some();
    let responses = operation["responses"]
        .as_object_mut()
        .expect("every operation has responses");
    if rate_limited {
        for (_, success) in responses
            .iter_mut()
            .filter(|(status, _)| status.starts_with('2'))
        {
            let headers = success["headers"].as_object_mut();
            let mut headers = headers.map(std::mem::take).unwrap_or_default();
            for name in [
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset",
            ] {
                headers.insert(name.to_owned(), header_ref(name));
            }
            success["headers"] = Value::Object(headers);
        }
    }
    let shared = [
        ("405", "MethodNotAllowed", true),
        ("408", "RequestTimeout", true),
        ("413", "PayloadTooLarge", takes_body),
        ("429", "RateLimited", rate_limited),
        ("503", "Unavailable", true),
    ];
    for (status, name, applies) in shared {
        if applies {
            responses
                .entry(status)
                .or_insert_with(|| response_ref(name));
        }
    }
}
