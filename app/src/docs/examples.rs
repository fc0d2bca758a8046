//! The reference's examples: for each operation a short program in curl,
//! Python (`requests`) and JavaScript (Node 20 or later, `fetch`) that runs
//! as written with only `TRACEPIPE_API_KEY` set. An operation on one key
//! works on a key the example makes first and revokes after, so running it
//! never changes the reader's own keys; CI runs every one (`api-examples`).

use super::reference::Examples;
use serde_json::Value;

/// One request of an example.
struct Step {
    /// Why the step is there, as a comment above it.
    comment: Option<&'static str>,
    method: String,
    /// After `/v1`, with `{key_id}` where the example's key id goes.
    path: String,
    body: Option<Value>,
    /// The answer's `id` becomes the example's key id.
    binds_key_id: bool,
    /// The answer is printed (else only its success is checked).
    shown: bool,
    /// The answer has a JSON body (not a 204).
    answers_json: bool,
}

/// The example for `method path` (as the document writes them), sending
/// `body`; `answers_json` when its success has a body.
pub fn examples(
    base_url: &str,
    key_header: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
    answers_json: bool,
) -> Examples {
    let path = path.strip_prefix("/v1").unwrap_or(path);
    let on_one_key = path.contains("{id}");
    let mut steps = Vec::new();
    if on_one_key {
        steps.push(Step {
            comment: Some("A key to try this on, so that your own keys stay as they are."),
            method: "POST".to_owned(),
            path: "/api-keys".to_owned(),
            body: Some(serde_json::json!({"name": "docs example", "permissions": "read_only"})),
            binds_key_id: true,
            shown: false,
            answers_json: true,
        });
    }
    if on_one_key && path.ends_with("/previous-secret") {
        steps.push(Step {
            comment: Some("Rolled with a grace period: its old secret still works for an hour."),
            method: "POST".to_owned(),
            path: "/api-keys/{key_id}/roll".to_owned(),
            body: Some(serde_json::json!({"grace_period_seconds": 3600})),
            binds_key_id: false,
            shown: false,
            answers_json: true,
        });
    }
    let revokes_it = method.eq_ignore_ascii_case("delete") && path == "/api-keys/{id}";
    steps.push(Step {
        comment: None,
        method: method.to_ascii_uppercase(),
        path: path.replace("{id}", "{key_id}"),
        body: body.cloned(),
        binds_key_id: false,
        shown: true,
        answers_json,
    });
    if on_one_key && !revokes_it {
        steps.push(Step {
            comment: Some("Done: the example's key goes."),
            method: "DELETE".to_owned(),
            path: "/api-keys/{key_id}".to_owned(),
            body: None,
            binds_key_id: false,
            shown: false,
            answers_json: false,
        });
    }
    let api = format!("{}/v1", base_url.trim_end_matches('/'));
    Examples {
        curl: curl(&api, key_header, &steps),
        python: python(&api, key_header, &steps),
        javascript: javascript(&api, key_header, &steps),
    }
}

fn comment_lines(prefix: &str, step: &Step) -> String {
    step.comment
        .map(|comment| format!("{prefix} {comment}\n"))
        .unwrap_or_default()
}

fn curl(api: &str, key_header: &str, steps: &[Step]) -> String {
    let mut script = format!("API=\"{api}\"\n");
    for step in steps {
        let path = step.path.replace("{key_id}", "$KEY_ID");
        let mut lines = vec![format!(
            "curl -sS --fail-with-body -X {} \"$API{path}\"",
            step.method
        )];
        lines.push(format!("  -H \"{key_header}: $TRACEPIPE_API_KEY\""));
        if let Some(body) = &step.body {
            lines.push("  -H \"Content-Type: application/json\"".to_owned());
            lines.push(format!("  -d '{body}'"));
        }
        if step.binds_key_id {
            lines.push(
                "  | python3 -c 'import json, sys; print(json.load(sys.stdin)[\"id\"])'".to_owned(),
            );
        } else if step.shown && step.answers_json {
            // JSON ends without a newline: keep the prompt on a line of its own.
            lines.push("  -w '\\n'".to_owned());
        } else if step.shown {
            // A 204 has no body: say that it worked.
            lines.push("  -w 'HTTP %{http_code}\\n'".to_owned());
        } else {
            lines.push("  -o /dev/null".to_owned());
        }
        let command = lines.join(" \\\n");
        let command = if step.binds_key_id {
            format!("KEY_ID=$({command})")
        } else {
            command
        };
        script.push_str(&format!("\n{}{command}\n", comment_lines("#", step)));
    }
    script.trim_end().to_owned()
}

fn python(api: &str, key_header: &str, steps: &[Step]) -> String {
    let mut script = format!(
        "import os\nimport requests\n\nAPI = \"{api}\"\nsession = requests.Session()\n\
         session.headers[\"{key_header}\"] = os.environ[\"TRACEPIPE_API_KEY\"]\n"
    );
    for step in steps {
        let mut arguments = vec![format!("f\"{{API}}{}\"", step.path)];
        if let Some(body) = &step.body {
            arguments.push(format!("json={}", python_literal(body)));
        }
        arguments.push("timeout=10".to_owned());
        let mut lines = vec![
            format!(
                "response = session.{}({})",
                step.method.to_ascii_lowercase(),
                arguments.join(", ")
            ),
            "response.raise_for_status()".to_owned(),
        ];
        if step.binds_key_id {
            lines.push("key_id = response.json()[\"id\"]".to_owned());
        }
        if step.shown {
            lines.push(if step.answers_json {
                "print(response.json())".to_owned()
            } else {
                "print(response.status_code)".to_owned()
            });
        }
        script.push_str(&format!(
            "\n{}{}\n",
            comment_lines("#", step),
            lines.join("\n")
        ));
    }
    script.trim_end().to_owned()
}

fn javascript(api: &str, key_header: &str, steps: &[Step]) -> String {
    let mut body = String::new();
    for step in steps {
        let path = if step.path.contains("{key_id}") {
            format!("`{}`", step.path.replace("{key_id}", "${keyId}"))
        } else {
            format!("\"{}\"", step.path)
        };
        let mut arguments = vec![format!("\"{}\"", step.method), path];
        if let Some(sent) = &step.body {
            arguments.push(sent.to_string());
        }
        let call = format!("await call({})", arguments.join(", "));
        let line = if step.binds_key_id {
            format!("const {{ id: keyId }} = {call};")
        } else if step.shown && step.answers_json {
            format!("console.log({call});")
        } else if step.shown {
            format!("{call};\n  console.log(\"done\");")
        } else {
            format!("{call};")
        };
        body.push_str(&format!("{}  {line}\n", comment_lines("  //", step)));
    }
    format!(
        "const API = \"{api}\";\n\
         const headers = {{\n  \"{key_header}\": process.env.TRACEPIPE_API_KEY,\n  \"Content-Type\": \"application/json\",\n}};\n\n\
         // One request; an answer other than 2xx throws with the API's message.\n\
         async function call(method, path, body) {{\n\
         \x20 const response = await fetch(API + path, {{ method, headers, body: body && JSON.stringify(body) }});\n\
         \x20 const answer = response.status === 204 ? null : await response.json();\n\
         \x20 if (!response.ok) throw new Error(`${{method}} ${{path}}: ${{response.status}} ${{answer.error.message}}`);\n\
         \x20 return answer;\n\
         }}\n\n\
         async function main() {{\n{body}}}\n\n\
         main().catch((error) => {{\n  console.error(error.message);\n  process.exitCode = 1;\n}});"
    )
}

/// `value` written as a Python literal (`True`, `None`, dicts and lists).
fn python_literal(value: &Value) -> String {
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(python_literal)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Object(fields) => format!(
            "{{{}}}",
            fields
                .iter()
                .map(|(name, value)| format!(
                    "{}: {}",
                    Value::from(name.as_str()),
                    python_literal(value)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        scalar => scalar.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operation_on_one_key_works_on_a_key_of_its_own_and_revokes_it() {
        let body = serde_json::json!({"grace_period_seconds": 3600});
        let roll = examples(
            "https://tracepipe.example",
            "X-API-Key",
            "post",
            "/v1/api-keys/{id}/roll",
            Some(&body),
            true,
        );
        for (language, example) in [
            ("curl", &roll.curl),
            ("Python", &roll.python),
            ("JavaScript", &roll.javascript),
        ] {
            assert!(!example.contains("{id}"), "{language}: {example}");
            let made = example.find("/api-keys\"").expect("makes a key first");
            let rolled = example.find("/roll").expect("rolls");
            let revoked = example.rfind("DELETE").or_else(|| example.rfind("delete"));
            assert!(made < rolled, "{language}: {example}");
            assert!(
                revoked.is_some_and(|at| at > rolled),
                "{language}: {example}"
            );
        }
    }

    #[test]
    fn a_javascript_example_runs_as_a_plain_script() {
        let list = examples("http://x", "X-API-Key", "get", "/v1/api-keys", None, true);
        assert!(
            !list.javascript.contains("import ") && !list.javascript.contains("\nawait "),
            "no top-level await or import: it runs as .js and .mjs alike"
        );
    }
}
