//! Reading the JSON documents a host receives (plans, statement requests, split requests, deal
//! terms) without a JSON crate of its own: the `from_json` readers.

use crate::Error;
use serde::de::DeserializeOwned;

/// Reads `text` as a `T`, strictly (as the types' own `Deserialize` does), with a leading UTF-8
/// byte-order mark skipped.
///
/// # Errors
/// [`Error::MalformedJson`], [`At`](Error::At) the path of the bad value when it is inside the
/// document.
pub(crate) fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let error = malformed(&e.into_inner());
        if path == "." {
            error
        } else {
            error.at(path)
        }
    })?;
    deserializer.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

fn malformed(error: &serde_json::Error) -> Error {
    Error::MalformedJson {
        message: error.to_string(),
    }
}

/// Declares `from_json` on documents the crate reads.
macro_rules! readers {
    ($($ty:ident),* $(,)?) => {$(
        impl crate::$ty {
            #[doc = concat!(
                "Reads a [`", stringify!($ty), "`](crate::", stringify!($ty), ") from its JSON ",
                "document, strictly (an unknown ",
                "field at any depth or a key given twice is refused), naming the path of a bad ",
                "value. A leading UTF-8 byte-order mark is skipped. What the document states is ",
                "checked where it is used (`validate`, `statement`, `split`), as for a value built ",
                "in code.\n\n",
                "# Errors\n",
                "[`Error::MalformedJson`], [`At`](Error::At) the path of the bad value.\n\n",
                "# Examples\n",
                "```\n",
                "let err = ltc_incentive::", stringify!($ty), "::from_json(\"[1, 2]\").unwrap_err();\n",
                "assert_eq!(err.code(), \"malformed_json\");\n",
                "```",
            )]
            pub fn from_json(text: &str) -> Result<Self, Error> {
                from_json(text)
            }
        }
    )*};
}

readers!(Plan, StatementRequest, SplitRequest, WonDeal);

#[cfg(feature = "pipeline")]
readers!(DealTerms);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::{Plan, StatementRequest};

    #[test]
    fn a_bad_value_is_named_by_its_path() {
        let err = Plan::from_json(
            r#"{"id": "ae", "versions": [{"version": 1, "effective": "2026-01-01", "published": "2026-01-01",
                "quota": "100.00", "method": "sideways", "rate_table": []}]}"#,
        )
        .unwrap_err();
        assert_eq!(err.code(), "malformed_json");
        assert_eq!(err.path(), Some("versions[0].method"));
        assert!(
            err.to_string()
                .starts_with("at `versions[0].method`: malformed JSON: "),
            "{err}"
        );
    }

    #[test]
    fn syntax_and_trailing_text_are_malformed_at_the_root() {
        for bad in ["{", "", r#"{"plan": 1} x"#] {
            let err = StatementRequest::from_json(bad).unwrap_err();
            assert_eq!(err.code(), "malformed_json", "{bad}");
        }
        let err = StatementRequest::from_json("{} x").unwrap_err();
        assert_eq!(err.path(), None, "{err}");
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let plan = r#"{"id": "ae", "versions": [{"version": 1, "effective": "2026-01-01",
            "published": "2026-01-01", "quota": "100.00", "method": "marginal",
            "rate_table": [{"from": "0", "rate": "0.05"}]}]}"#;
        assert_eq!(
            Plan::from_json(&format!("\u{feff}{plan}")).unwrap(),
            Plan::from_json(plan).unwrap()
        );
    }
}
