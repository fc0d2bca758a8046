//! Decoding a JSON body so that a refusal can say which field is wrong.

use serde::de::DeserializeOwned;

/// Why a body is not the JSON expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonRefusal {
    /// Not JSON at all (a client's 400).
    #[error("The body is not JSON: {0}.")]
    NotJson(String),
    /// JSON of the wrong shape (a client's 422). `field` is its path, e.g.
    /// `tokens.gpt-4o`, or `.` for the whole body.
    #[error("{message}")]
    Invalid { field: String, message: String },
}

/// Every body the APIs take is an object (or `null` where a body is
/// optional): serde would otherwise read a struct from an array of its
/// fields in order, accepting `[null, null]` as if it were `{}`.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, JsonRefusal> {
    if body.trim_ascii_start().starts_with(b"[") {
        return Err(JsonRefusal::Invalid {
            field: ".".to_owned(),
            message: "The body must be a JSON object, not an array.".to_owned(),
        });
    }
    let mut json = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut json).map_err(|err| {
        let field = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            JsonRefusal::NotJson(inner.to_string())
        } else {
            let message = format!("{field}: {inner}");
            JsonRefusal::Invalid { field, message }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Report {
        #[allow(dead_code)]
        tokens: BTreeMap<String, u64>,
    }

    #[test]
    fn broken_json_is_not_json_and_a_wrong_value_names_its_field() {
        assert!(matches!(
            decode::<Report>(br#"{"tokens":"#),
            Err(JsonRefusal::NotJson(_))
        ));
        match decode::<Report>(br#"{"tokens":{"m":-1}}"#) {
            Err(JsonRefusal::Invalid { field, message }) => {
                assert_eq!(field, "tokens.m");
                assert!(message.starts_with("tokens.m: "), "{message}");
            }
            other => panic!("{other:?}"),
        }
        match decode::<Report>(b" [{}]") {
            Err(JsonRefusal::Invalid { field, message }) => {
                assert_eq!(field, ".");
                assert!(message.contains("object"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        match decode::<Report>(br#"{"tokens":{},"admin":true}"#) {
            Err(JsonRefusal::Invalid { message, .. }) => assert!(message.contains("admin")),
            other => panic!("{other:?}"),
        }
    }
}
