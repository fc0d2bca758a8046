//! Server-only half of the docs: the API reference derived from the public
//! OpenAPI document, once per process (the document is fixed at start-up).

use super::examples::examples;
use super::reference::{
    ApiReference, BodyDoc, FieldDoc, OperationDoc, ResourceGroup, ResponseDoc, SchemaDoc,
    TypeLabel, schema_anchor,
};
use crate::api_errors::code_for_status;
use crate::api_keys::KeyAllowance;
use serde_json::{Map, Value};
use std::sync::LazyLock;

/// What the reference is made from, besides the document itself.
pub struct ReferenceInputs<'a> {
    pub base_url: &'a str,
    pub rate_limits: KeyAllowance,
    /// The key permission the operation at (method, path template) needs.
    pub permission: &'a dyn Fn(&str, &str) -> Option<String>,
}

/// Methods in the order a reader expects them.
const METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];

/// The reference for `document` (an OpenAPI 3.1 document as JSON): one group
/// per tag, in the document's tag order, each with its operations by path.
pub fn build(document: &Value, inputs: &ReferenceInputs) -> ApiReference {
    let schemas = object(&document["components"]["schemas"]);
    let key_header = document
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .and_then(|schemes| schemes.values().find_map(|scheme| scheme["name"].as_str()))
        .unwrap_or("X-API-Key")
        .to_owned();
    let mut operations: Vec<(String, OperationDoc)> = Vec::new();
    for (path, item) in object(&document["paths"]) {
        for method in METHODS {
            if let Some(operation) = item.get(*method) {
                let tag = operation["tags"][0].as_str().unwrap_or("API").to_owned();
                let doc = operation_doc(
                    method,
                    path,
                    operation,
                    &document["components"],
                    &key_header,
                    inputs,
                );
                operations.push((tag, doc));
            }
        }
    }
    let groups = array(&document["tags"])
        .iter()
        .filter_map(|tag| tag["name"].as_str())
        .map(|tag| ResourceGroup {
            title: tag.to_owned(),
            anchor: format!("resource-{}", slug(tag)),
            operations: operations
                .iter()
                .filter(|(operation_tag, _)| operation_tag == tag)
                .map(|(_, operation)| operation.clone())
                .collect(),
        })
        .filter(|group| !group.operations.is_empty())
        .collect();
    ApiReference {
        base_url: inputs.base_url.to_owned(),
        description: text(&document["info"]["description"]),
        key_header,
        groups,
        schemas: schemas
            .iter()
            .map(|(name, schema)| schema_doc(name, schema, schemas))
            .collect(),
        rate_limits: inputs.rate_limits,
    }
}

fn operation_doc(
    method: &str,
    path: &str,
    operation: &Value,
    components: &Value,
    key_header: &str,
    inputs: &ReferenceInputs,
) -> OperationDoc {
    let schemas = object(&components["schemas"]);
    let id = operation["operationId"]
        .as_str()
        .map_or_else(|| format!("{method}-{}", slug(path)), str::to_owned);
    let parameters: Vec<FieldDoc> = array(&operation["parameters"])
        .iter()
        .map(|parameter| FieldDoc {
            name: text(&parameter["name"]),
            location: text(&parameter["in"]),
            type_label: type_label(&parameter["schema"]),
            required: parameter["required"].as_bool().unwrap_or(false),
            description: text(&parameter["description"]),
        })
        .collect();
    let body = object(&operation["requestBody"]["content"])
        .iter()
        .next()
        .map(|(content_type, content)| {
            let example = example_value(&content["schema"], schemas, 0);
            let doc = BodyDoc {
                content_type: content_type.clone(),
                type_label: type_label(&content["schema"]),
                required: operation["requestBody"]["required"]
                    .as_bool()
                    .unwrap_or(false),
            };
            (doc, example)
        });
    let responses: Vec<(&String, &Value)> = object(&operation["responses"])
        .iter()
        .map(|(status, response)| (status, shared_response(response, components)))
        .collect();
    let answers_json = responses
        .iter()
        .find(|(status, _)| status.starts_with('2'))
        .is_some_and(|(_, success)| success.get("content").is_some());
    let responses = responses
        .into_iter()
        .map(|(status, response)| {
            let schema = object(&response["content"])
                .values()
                .next()
                .map(|content| type_label(&content["schema"]));
            let error_code = status
                .parse::<u16>()
                .ok()
                .filter(|status| *status >= 400)
                .map(|status| code_for_status(status).to_owned());
            ResponseDoc {
                status: status.clone(),
                description: text(&response["description"]),
                type_label: schema,
                error_code,
            }
        })
        .collect();
    let examples = examples(
        inputs.base_url,
        key_header,
        method,
        path,
        body.as_ref().map(|(_, example)| example),
        answers_json,
    );
    OperationDoc {
        anchor: format!("op-{id}"),
        method: method.to_ascii_uppercase(),
        path: path.to_owned(),
        summary: text(&operation["summary"]),
        description: text(&operation["description"]),
        permission: (inputs.permission)(&method.to_ascii_uppercase(), path),
        parameters,
        request_body: body.map(|(doc, _)| doc),
        responses,
        examples,
    }
}

/// The answer `response` refers to among the document's shared ones, or
/// `response` itself when it is written out.
fn shared_response<'a>(response: &'a Value, components: &'a Value) -> &'a Value {
    response["$ref"]
        .as_str()
        .and_then(|target| target.strip_prefix("#/components/responses/"))
        .and_then(|name| components["responses"].get(name))
        .unwrap_or(response)
}

/// The objects `schema` is made of: itself, and each part of an `allOf`
/// (a referenced schema in its place), so `ApiKeyCreated` lists `ApiKey`'s
/// fields beside its own.
fn parts<'a>(schema: &'a Value, schemas: &'a Map<String, Value>) -> Vec<&'a Value> {
    let mut parts = vec![schema];
    for part in array(&schema["allOf"]) {
        let part = referenced(part)
            .and_then(|name| schemas.get(name))
            .unwrap_or(part);
        parts.extend(self::parts(part, schemas));
    }
    parts
}

fn schema_doc(name: &str, schema: &Value, schemas: &Map<String, Value>) -> SchemaDoc {
    let parts = parts(schema, schemas);
    let required: Vec<&str> = parts
        .iter()
        .flat_map(|part| array(&part["required"]))
        .filter_map(Value::as_str)
        .collect();
    let alternatives = ["oneOf", "anyOf"]
        .iter()
        .any(|key| schema.get(*key).is_some())
        .then(|| type_label(schema))
        .or_else(|| schema.get("enum").map(|_| type_label(schema)));
    SchemaDoc {
        anchor: schema_anchor(name),
        name: name.to_owned(),
        description: text(&schema["description"]),
        fields: parts
            .iter()
            .flat_map(|part| object(&part["properties"]))
            .map(|(field, property)| FieldDoc {
                name: field.clone(),
                location: String::new(),
                type_label: type_label(property),
                required: required.contains(&field.as_str()),
                description: described(property),
            })
            .collect(),
        alternatives,
    }
}

/// A property's description, also where it sits beside a `$ref` in a wrapper.
fn described(property: &Value) -> String {
    let own = text(&property["description"]);
    if !own.is_empty() {
        return own;
    }
    ["oneOf", "allOf", "anyOf"]
        .iter()
        .flat_map(|key| array(&property[*key]))
        .map(|part| text(&part["description"]))
        .find(|description| !description.is_empty())
        .unwrap_or_default()
}

/// How a schema reads as a type.
pub fn type_label(schema: &Value) -> TypeLabel {
    if let Some(name) = referenced(schema) {
        return TypeLabel::schema(name);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(parts) = schema[key].as_array() {
            return join(parts.iter().map(type_label), " or ");
        }
    }
    if let Some([single]) = schema["allOf"].as_array().map(Vec::as_slice) {
        return type_label(single);
    }
    if let Some(values) = schema["enum"].as_array() {
        let listed = values
            .iter()
            .map(|value| value.to_string())
            .collect::<Vec<_>>()
            .join(" | ");
        return TypeLabel::text(listed);
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(single) => vec![single.as_str()],
        Value::Array(several) => several.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if types.is_empty() {
        return TypeLabel::text("any");
    }
    join(
        types.iter().map(|kind| match *kind {
            "array" => type_label(&schema["items"]).prefixed("array of "),
            "object" if schema.get("properties").is_some() => {
                let names: Vec<&str> = object(&schema["properties"])
                    .keys()
                    .map(String::as_str)
                    .collect();
                TypeLabel::text(format!("object with {}", names.join(", ")))
            }
            // A format describes the value, not its `null`.
            kind => match schema["format"].as_str().filter(|_| kind != "null") {
                Some(format) => TypeLabel::text(format!("{kind} ({format})")),
                None => TypeLabel::text(kind),
            },
        }),
        " or ",
    )
}

fn join(labels: impl Iterator<Item = TypeLabel>, separator: &str) -> TypeLabel {
    labels
        .reduce(|joined, next| joined.joined(separator, next))
        .unwrap_or_else(|| TypeLabel::text("any"))
}

/// `Name` for `{"$ref": "#/components/schemas/Name"}`.
fn referenced(schema: &Value) -> Option<&str> {
    schema["$ref"]
        .as_str()?
        .strip_prefix("#/components/schemas/")
}

/// A value of `schema` for the examples: its own example if it has one,
/// else one made from its required fields (all fields when none is required).
fn example_value(schema: &Value, schemas: &Map<String, Value>, depth: usize) -> Value {
    if let Some(example) = schema.get("example").or_else(|| schema["examples"].get(0)) {
        return example.clone();
    }
    if depth > 4 {
        return Value::Null;
    }
    if let Some(name) = referenced(schema) {
        return schemas.get(name).map_or(Value::Null, |target| {
            example_value(target, schemas, depth + 1)
        });
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(parts) = schema[key].as_array() {
            return parts
                .iter()
                .find(|part| part["type"] != "null")
                .map_or(Value::Null, |part| example_value(part, schemas, depth + 1));
        }
    }
    if let Some(first) = schema["enum"].get(0) {
        return first.clone();
    }
    let kind = match &schema["type"] {
        Value::String(single) => single.as_str(),
        Value::Array(several) => several
            .iter()
            .filter_map(Value::as_str)
            .find(|kind| *kind != "null")
            .unwrap_or("null"),
        _ => "object",
    };
    match kind {
        "object" => {
            let required: Vec<&str> = array(&schema["required"])
                .iter()
                .filter_map(Value::as_str)
                .collect();
            let fields = object(&schema["properties"])
                .iter()
                .filter(|(name, _)| required.is_empty() || required.contains(&name.as_str()))
                .map(|(name, property)| (name.clone(), example_value(property, schemas, depth + 1)))
                .collect();
            Value::Object(fields)
        }
        "array" => Value::Array(vec![example_value(&schema["items"], schemas, depth + 1)]),
        "string" => match schema["format"].as_str() {
            Some("date-time") => Value::from("2027-01-01T00:00:00Z"),
            _ => Value::from("string"),
        },
        "integer" | "number" => Value::from(0),
        "boolean" => Value::from(true),
        _ => Value::Null,
    }
}

fn slug(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

fn object(value: &Value) -> &Map<String, Value> {
    static EMPTY: LazyLock<Map<String, Value>> = LazyLock::new(Map::new);
    value.as_object().unwrap_or(&EMPTY)
}

fn array(value: &Value) -> &[Value] {
    value.as_array().map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nullable_time_names_its_format_once() {
        let label =
            type_label(&serde_json::json!({"type": ["string", "null"], "format": "date-time"}));
        assert_eq!(
            label,
            TypeLabel::text("string (date-time)").joined(" or ", TypeLabel::text("null"))
        );
    }
}
