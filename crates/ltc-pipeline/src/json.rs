//! Reading the JSON documents a host receives (definitions, envelopes) without a JSON crate of
//! its own: the `from_json` readers.

use crate::Error;
use serde::de::DeserializeOwned;

/// Reads `text` as a `T`, strictly (as the types' own `Deserialize` does: unknown fields and
/// duplicate keys refused), with a leading UTF-8 byte-order mark skipped, and names the path of
/// a bad value in the error.
///
/// # Errors
/// [`Error::MalformedJson`] with the path (`"."` for the document itself) and what was wrong.
pub(crate) fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        malformed(path, &e.into_inner())
    })?;
    deserializer
        .end()
        .map_err(|e| malformed(".".to_owned(), &e))?;
    Ok(value)
}

fn malformed(path: String, error: &serde_json::Error) -> Error {
    Error::MalformedJson {
        path,
        message: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::from_json;
    use crate::{Envelope, ProcessDefinition};

    #[test]
    fn a_bad_value_is_named_by_its_path() {
        let err = from_json::<Envelope>(
            r#"{"actor": "ana", "at": "2026-03-02T09:00:00Z", "expected_version": "two", "command": {"command": "qualify_lead"}}"#,
        )
        .unwrap_err();
        assert_eq!(err.code(), "malformed_json");
        assert!(
            matches!(&err, crate::Error::MalformedJson { path, .. } if path == "expected_version"),
            "{err:?}"
        );
    }

    #[test]
    fn trailing_text_and_syntax_errors_are_malformed_at_the_root() {
        let text = serde_json::to_string(&ProcessDefinition::standard()).unwrap();
        for bad in [format!("{text} x"), "{".to_owned(), String::new()] {
            let err = from_json::<ProcessDefinition>(&bad).unwrap_err();
            assert_eq!(err.code(), "malformed_json", "{bad}");
        }
        // A byte-order mark before the document is not part of it.
        assert_eq!(
            from_json::<ProcessDefinition>(&format!("\u{feff}{text}")).unwrap(),
            ProcessDefinition::standard()
        );
    }
}
