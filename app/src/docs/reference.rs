//! The API reference as `/docs/api` shows it, derived on the server from the
//! OpenAPI document `/v1/openapi.json` serves (`docs::ssr::build`), so adding
//! an operation to the API adds its section here. Server-only, like the page.

use crate::api_keys::KeyAllowance;

#[derive(Clone, Debug, PartialEq)]
pub struct ApiReference {
    /// The deployment's base URL, e.g. `https://tracepipe.ai`.
    pub base_url: String,
    pub description: String,
    /// The header a key goes in (`X-API-Key`).
    pub key_header: String,
    pub groups: Vec<ResourceGroup>,
    pub schemas: Vec<SchemaDoc>,
    /// Each key's per-minute allowance.
    pub rate_limits: KeyAllowance,
}

/// The operations on one resource (account, API keys, usage).
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceGroup {
    pub title: String,
    pub anchor: String,
    pub operations: Vec<OperationDoc>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OperationDoc {
    /// Stable: `op-` and the operation id (`op-create_key`).
    pub anchor: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    /// The key permission it needs, e.g. `api_keys:write`.
    pub permission: Option<String>,
    pub parameters: Vec<FieldDoc>,
    pub request_body: Option<BodyDoc>,
    pub responses: Vec<ResponseDoc>,
    pub examples: Examples,
}

/// A parameter, a body, or a field of a schema.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDoc {
    pub name: String,
    /// `path`, `query`, `header`; empty for schema fields.
    pub location: String,
    pub type_label: TypeLabel,
    pub required: bool,
    pub description: String,
}

/// A type as read: `string`, `array of ApiKey`, `ApiKey or null`; the
/// schemas named in it link to their sections.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TypeLabel {
    pub parts: Vec<TypePart>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypePart {
    Text(String),
    Schema(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct BodyDoc {
    pub content_type: String,
    pub type_label: TypeLabel,
    pub required: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ResponseDoc {
    pub status: String,
    pub description: String,
    pub type_label: Option<TypeLabel>,
    /// The envelope's `error.code` for an error status.
    pub error_code: Option<String>,
}

/// Copyable calls with the key from the environment, never a secret.
#[derive(Clone, Debug, PartialEq)]
pub struct Examples {
    pub curl: String,
    pub python: String,
    pub javascript: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SchemaDoc {
    /// Stable: `schema-` and the schema's name.
    pub anchor: String,
    pub name: String,
    pub description: String,
    pub fields: Vec<FieldDoc>,
    /// For a schema that is one of several shapes or values.
    pub alternatives: Option<TypeLabel>,
}

impl TypeLabel {
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            parts: vec![TypePart::Text(text.into())],
        }
    }

    pub fn schema(name: impl Into<String>) -> Self {
        Self {
            parts: vec![TypePart::Schema(name.into())],
        }
    }

    /// `self` then `text` then `other`, e.g. "ApiKey" " or " "null".
    pub fn joined(mut self, text: &str, other: TypeLabel) -> Self {
        self.parts.push(TypePart::Text(text.to_owned()));
        self.parts.extend(other.parts);
        self
    }

    pub fn prefixed(self, text: &str) -> Self {
        let mut parts = vec![TypePart::Text(text.to_owned())];
        parts.extend(self.parts);
        Self { parts }
    }
}

/// The anchor of the schema named `name`.
pub fn schema_anchor(name: &str) -> String {
    format!("schema-{name}")
}
