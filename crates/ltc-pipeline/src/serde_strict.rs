//! Strict reading of what hosts send: structs from JSON objects only (never positional arrays),
//! unknown fields refused at every depth, decimals exact or refused.
//!
//! Each type that is read from outside derives its serde impls with
//! `#[serde(remote = "Self", deny_unknown_fields)]`, which turns them into inherent functions,
//! and [`objects_only!`](crate::objects_only) implements the traits on top: deserializing asks
//! for a map, so an array never reaches the derived visitor. Crates built on this one (the
//! analytics) read their own input types the same way, with the same exact [`decimal`]s.

/// Implements `Serialize` and `Deserialize` for a type whose derives use `remote = "Self"`,
/// reading it from a map (a JSON object) only. The calling crate depends on `serde`.
///
/// ```
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, Serialize, Deserialize)]
/// #[serde(remote = "Self", deny_unknown_fields)]
/// struct Window {
///     days: u32,
/// }
/// ltc_pipeline::objects_only!(Window);
///
/// let w: Window = serde_json::from_str(r#"{"days": 7}"#)?;
/// assert_eq!(w.days, 7);
/// assert!(serde_json::from_str::<Window>("[7]").is_err()); // positional: refused
/// assert!(serde_json::from_str::<Window>(r#"{"days": 7, "x": 1}"#).is_err()); // unknown field
/// # Ok::<(), serde_json::Error>(())
/// ```
#[macro_export]
macro_rules! objects_only {
    // A type with derived indexes (running totals, lookups) that are not written: they are
    // rebuilt by `$rebuild` once the stored fields are read.
    ($t:ty => $rebuild:path) => {
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Object;
                impl<'de> serde::de::Visitor<'de> for Object {
                    type Value = $t;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("an object")
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<$t, A::Error> {
                        <$t>::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                            .map($rebuild)
                    }
                }
                deserializer.deserialize_map(Object)
            }
        }
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                <$t>::serialize(self, serializer)
            }
        }
    };
    ($($t:ty),+ $(,)?) => {$(
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Object;
                impl<'de> serde::de::Visitor<'de> for Object {
                    type Value = $t;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("an object")
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<$t, A::Error> {
                        <$t>::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    }
                }
                deserializer.deserialize_map(Object)
            }
        }
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                <$t>::serialize(self, serializer)
            }
        }
    )+};
}
#[doc(inline)]
pub use crate::objects_only;

/// A map [`unique_keys`] reads into: it tells a key it holds, and takes a new one.
pub(crate) trait UniqueMap<K, V>: Default {
    /// Whether `key` is held.
    fn holds(&self, key: &K) -> bool;
    /// Adds `key` (not held) with `value`.
    fn put(&mut self, key: K, value: V);
}

impl<K: Ord, V> UniqueMap<K, V> for std::collections::BTreeMap<K, V> {
    fn holds(&self, key: &K) -> bool {
        self.contains_key(key)
    }
    fn put(&mut self, key: K, value: V) {
        self.insert(key, value);
    }
}

/// Reads a map whose keys are each given once: a key given twice is refused, naming it, where
/// serde would keep the last value silently.
pub(crate) fn unique_keys<'de, D, K, V, M>(deserializer: D) -> Result<M, D::Error>
where
    D: serde::Deserializer<'de>,
    K: serde::Deserialize<'de> + std::fmt::Display,
    V: serde::Deserialize<'de>,
    M: UniqueMap<K, V>,
{
    struct Unique<K, V, M>(std::marker::PhantomData<(K, V, M)>);
    impl<'de, K, V, M> serde::de::Visitor<'de> for Unique<K, V, M>
    where
        K: serde::Deserialize<'de> + std::fmt::Display,
        V: serde::Deserialize<'de>,
        M: UniqueMap<K, V>,
    {
        type Value = M;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = M::default();
            while let Some((key, value)) = map.next_entry::<K, V>()? {
                if out.holds(&key) {
                    return Err(serde::de::Error::custom(format!(
                        "the key `{}` is given twice",
                        crate::error::esc(&key)
                    )));
                }
                out.put(key, value);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_map(Unique(std::marker::PhantomData))
}

/// Decimals as strings (`"1250.00"`), read exactly: a value with more significant digits than a
/// `Decimal` holds, or out of its range, is refused with the value named, never rounded.
///
/// For `#[serde(with = "ltc_pipeline::serde_strict::decimal")]` on a `Decimal` field, and
/// `...::decimal::option` on an `Option<Decimal>`.
///
/// ```
/// use ltc_pipeline::serde_strict::decimal;
/// assert_eq!(decimal::parse("1.25e3").map(|d| d.to_string()).as_deref(), Ok("1250"));
/// assert!(decimal::parse("0.00000000000000000000000000001").is_err()); // would round
/// ```
pub mod decimal {
    use rust_decimal::Decimal;
    use serde::{de, Deserializer, Serializer};

    /// Parses `text` exactly: plain (`"1250.00"`) or scientific (`"1.25e3"`) notation.
    ///
    /// # Errors
    /// A one-line message naming `text` when no `Decimal` holds it exactly.
    pub fn parse(text: &str) -> Result<Decimal, String> {
        exact(text).map_err(|why| {
            format!(
                "`{}` is not an exact decimal: {why}",
                crate::error::Esc(text)
            )
        })
    }

    fn exact(text: &str) -> Result<Decimal, String> {
        let too_precise = "it has more significant digits than a decimal holds (28)";
        let plain = |t: &str| {
            Decimal::from_str_exact(t).map_err(|e| match e {
                rust_decimal::Error::Underflow => too_precise.to_owned(),
                other => other.to_string(),
            })
        };
        let Some((mantissa, exponent)) = text.split_once(['e', 'E']) else {
            return plain(text);
        };
        let mantissa = plain(mantissa)?;
        let exponent: i64 = exponent.parse().map_err(|_| {
            format!(
                "the exponent `{}` is not a whole number",
                crate::error::Esc(exponent)
            )
        })?;
        let mut digits = mantissa.mantissa();
        // An exponent this large either way cannot give a decimal; saturating keeps the
        // arithmetic below from overflowing.
        let mut scale = i64::from(mantissa.scale()).saturating_sub(exponent);
        // Trailing zeros carry no value: drop them while the scale is too large to hold.
        while scale > 28 && digits % 10 == 0 && digits != 0 {
            digits /= 10;
            scale -= 1;
        }
        if digits == 0 {
            return Ok(Decimal::ZERO);
        }
        if scale < 0 {
            let factor = u32::try_from(-scale)
                .ok()
                .and_then(|k| 10i128.checked_pow(k))
                .ok_or("it is out of a decimal's range")?;
            digits = digits
                .checked_mul(factor)
                .ok_or("it is out of a decimal's range")?;
            scale = 0;
        }
        let scale = u32::try_from(scale).map_err(|_| too_precise.to_owned())?;
        if scale > 28 {
            return Err(too_precise.to_owned());
        }
        Decimal::try_from_i128_with_scale(digits, scale)
            .map_err(|_| "it is out of a decimal's range".to_owned())
    }

    /// Writes the decimal as a string.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    /// Reads a decimal from a string only: a JSON number is refused with a message that says to
    /// write it as a string (a number would have passed through a float in most writers).
    struct DecimalText;

    impl<'de> de::Visitor<'de> for DecimalText {
        type Value = Decimal;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a decimal number as a string, such as \"1250.00\"")
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Decimal, E> {
            parse(text).map_err(E::custom)
        }
    }

    /// Reads a decimal from a string, exactly.
    ///
    /// # Errors
    /// Anything but a string (a JSON number is told to be written as a string), or a string
    /// [`parse`] refuses.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        deserializer.deserialize_str(DecimalText)
    }

    /// The same for an optional decimal (`null` or absent is `None`).
    pub mod option {
        use rust_decimal::Decimal;
        use serde::{de, Deserializer, Serializer};

        /// Writes the decimal as a string, or `null`.
        ///
        /// # Errors
        /// The serializer's.
        pub fn serialize<S: Serializer>(
            value: &Option<Decimal>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(d) => serializer.collect_str(d),
                None => serializer.serialize_none(),
            }
        }

        /// `null` (or absent) or a decimal string.
        struct OptionalDecimal;

        impl<'de> de::Visitor<'de> for OptionalDecimal {
            type Value = Option<Decimal>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("null or a decimal number as a string, such as \"1250.00\"")
            }

            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }

            fn visit_some<D: Deserializer<'de>>(self, inner: D) -> Result<Self::Value, D::Error> {
                super::deserialize(inner).map(Some)
            }
        }

        /// Reads `null` (or an absent field) as `None`, else a decimal from a string, exactly.
        ///
        /// # Errors
        /// Anything but `null` or a string, or a string [`parse`](super::parse) refuses.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Decimal>, D::Error> {
            deserializer.deserialize_option(OptionalDecimal)
        }
    }
}

/// Instants (`"2026-03-02T09:00:00Z"`), read as `chrono` reads them (RFC 3339, any offset,
/// converted to UTC) and written as `chrono` writes them, but refused with a message that says
/// what is expected: `expected an RFC 3339 instant such as 2026-03-02T09:00:00Z, got
/// `yesterday``, where `chrono` alone says `input contains invalid characters`.
///
/// For `#[serde(deserialize_with = "ltc_pipeline::serde_strict::instant::deserialize")]` on a
/// `DateTime<Utc>` field, and `...::instant::option::deserialize` (with `#[serde(default)]`) on
/// an `Option<DateTime<Utc>>`; `with = "..."` works too, and writes what `chrono` writes.
///
/// ```
/// use ltc_pipeline::serde_strict::instant;
/// use ltc_pipeline::{Envelope, TimeZone, Utc};
/// let at = instant::parse("2026-03-02T10:00:00+01:00")?;
/// assert_eq!(at, Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap());
/// let err = instant::parse("yesterday").unwrap_err();
/// assert_eq!(err, "expected an RFC 3339 instant such as 2026-03-02T09:00:00Z, got `yesterday`");
/// // As a field of what a host sends:
/// let json = r#"{"actor": "ops", "at": "yesterday", "command": {"type": "qualify_lead"}}"#;
/// let err = serde_json::from_str::<Envelope>(json).unwrap_err().to_string();
/// assert!(err.starts_with("expected an RFC 3339 instant such as 2026-03-02T09:00:00Z, got `yesterday`"), "{err}");
/// # Ok::<(), String>(())
/// ```
pub mod instant {
    use chrono::{DateTime, FixedOffset, Utc};
    use serde::{de, Deserializer, Serialize, Serializer};

    /// What a message says is expected.
    pub const EXPECTED: &str = "an RFC 3339 instant such as 2026-03-02T09:00:00Z";

    /// How much of a refused value a message repeats: enough to recognise it, not a whole
    /// document pasted where an instant goes.
    const SHOWN: usize = 64;

    /// Parses `text` as `chrono` reads an instant: RFC 3339 (a space for the `T` is accepted),
    /// any offset, converted to UTC.
    ///
    /// # Errors
    /// A one-line message naming `text` (escaped, and cut after 64 characters), with what is
    /// wrong when the shape is right but a part is not (a 30 February, an hour 25).
    pub fn parse(text: &str) -> Result<DateTime<Utc>, String> {
        text.parse::<DateTime<FixedOffset>>()
            .map(|at| at.with_timezone(&Utc))
            .map_err(|e| {
                let why = match e.kind() {
                    chrono::format::ParseErrorKind::OutOfRange => ": a field is out of its range",
                    chrono::format::ParseErrorKind::Impossible => ": no such date or time",
                    _ => "",
                };
                format!("expected {EXPECTED}, got `{}`{why}", shown(text))
            })
    }

    /// `text` escaped, and cut after [`SHOWN`] characters.
    fn shown(text: &str) -> String {
        match text.char_indices().nth(SHOWN) {
            Some((end, _)) => format!("{}…", crate::error::Esc(text.get(..end).unwrap_or(text))),
            None => crate::error::Esc(text).to_string(),
        }
    }

    /// Writes the instant as `chrono` does (`"2026-03-02T09:00:00Z"`).
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(
        value: &DateTime<Utc>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(serializer)
    }

    struct InstantText;

    impl de::Visitor<'_> for InstantText {
        type Value = DateTime<Utc>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(EXPECTED)
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<DateTime<Utc>, E> {
            parse(text).map_err(E::custom)
        }
    }

    /// Reads an instant from a string.
    ///
    /// # Errors
    /// Anything but a string (`invalid type: integer `5`, expected an RFC 3339 instant such as
    /// ...`), or a string [`parse`] refuses.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        deserializer.deserialize_str(InstantText)
    }

    /// An instant read through [`deserialize`]: for a reader that fills its fields by hand.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(crate) struct Instant(pub(crate) DateTime<Utc>);

    impl<'de> serde::Deserialize<'de> for Instant {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserialize(deserializer).map(Instant)
        }
    }

    /// The same for an optional instant (`null` or absent is `None`).
    pub mod option {
        use chrono::{DateTime, Utc};
        use serde::{de, Deserializer, Serialize, Serializer};

        /// Writes the instant as `chrono` does, or `null`.
        ///
        /// # Errors
        /// The serializer's.
        pub fn serialize<S: Serializer>(
            value: &Option<DateTime<Utc>>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            value.serialize(serializer)
        }

        struct OptionalInstant;

        impl<'de> de::Visitor<'de> for OptionalInstant {
            type Value = Option<DateTime<Utc>>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "null or {}", super::EXPECTED)
            }

            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }

            fn visit_some<D: Deserializer<'de>>(self, inner: D) -> Result<Self::Value, D::Error> {
                super::deserialize(inner).map(Some)
            }
        }

        /// Reads `null` as `None`, else an instant from a string. An absent field is `None` only
        /// with `#[serde(default)]` beside it (serde asks a `deserialize_with` for a value).
        ///
        /// # Errors
        /// Anything but `null` or a string, or a string [`parse`](super::parse) refuses.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            deserializer.deserialize_option(OptionalInstant)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::{Command, Envelope, Money};

    #[test]
    fn decimals_are_exact_or_refused() {
        let money = |amount: &str| {
            serde_json::from_str::<Money>(&format!(r#"{{"amount":"{amount}","currency":"EUR"}}"#))
        };
        assert_eq!(
            money("10.50").map(|m| m.amount.to_string()).ok(),
            Some("10.50".to_owned())
        );
        let err = money("79228162514264337593543950335.4")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`79228162514264337593543950335.4` is not an exact decimal"),
            "{err}"
        );
        assert!(money("0.00000000000000000000000000001").is_err());
        assert!(money("79228162514264337593543950336").is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":10,"currency":"EUR"}"#).is_err());
        let exact = |t: &str| super::decimal::parse(t).map(|d| d.to_string());
        assert_eq!(exact("1.25e3").as_deref(), Ok("1250"));
        assert_eq!(exact("125E-2").as_deref(), Ok("1.25"));
        assert_eq!(
            exact("1e-28").as_deref(),
            Ok("0.0000000000000000000000000001")
        );
        assert!(exact("1e-29").is_err());
        assert!(exact("1e29").is_err());
        assert!(exact("1e400").is_err());
        assert!(exact("1ex").is_err());
        assert!(exact("1e-9223372036854775808").is_err());
        assert!(exact("0.1e-9223372036854775807").is_err());
        assert!(exact("1e9223372036854775807").is_err());
        assert_eq!(exact("0e-9223372036854775808").as_deref(), Ok("0"));
    }

    #[test]
    fn a_json_number_where_a_decimal_goes_says_to_write_it_as_a_string() {
        let says_string = |json: &str| {
            let err = serde_json::from_str::<Command>(json)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("expected a decimal number as a string, such as \"1250.00\""),
                "{err}"
            );
        };
        says_string(
            r#"{"type":"capture_lead","customer":"A","source":"web","estimate":{"amount":100,"currency":"EUR"}}"#,
        );
        says_string(
            r#"{"type":"capture_lead","customer":"A","source":"web","estimate":{"amount":99.5,"currency":"EUR"}}"#,
        );
        says_string(r#"{"type":"add_member","person":"ana","role":"AR","involvement":1}"#);
        // `null` still means no estimate where one is optional.
        let lead = r#"{"type":"capture_lead","customer":"A","source":"web","estimate":null}"#;
        assert!(serde_json::from_str::<Command>(lead).is_ok());
    }

    #[test]
    fn a_bad_instant_says_an_rfc_3339_instant_is_expected_wherever_it_is_read() {
        let says = |result: Result<(), serde_json::Error>, got: &str| {
            let err = result.unwrap_err().to_string();
            let expected =
                format!("expected an RFC 3339 instant such as 2026-03-02T09:00:00Z, got `{got}`");
            assert!(err.starts_with(&expected), "{err}");
        };
        let envelope = |at: &str| {
            serde_json::from_str::<Envelope>(&format!(
                r#"{{"actor":"ops","at":"{at}","command":{{"type":"qualify_lead"}}}}"#
            ))
            .map(drop)
        };
        says(envelope("yesterday"), "yesterday");
        says(envelope(""), "");
        says(envelope("2026-03-02"), "2026-03-02");
        let invoice = r#"{"type":"issue_invoice","id":"I-1","amount":{"amount":"1","currency":"EUR"},"due":"soon"}"#;
        says(serde_json::from_str::<Command>(invoice).map(drop), "soon");
        let decision = r#"{"type":"record_decision","minutes":"ok","conditions":[{"id":"C-1","text":"x","due":"friday"}]}"#;
        says(
            serde_json::from_str::<Command>(decision).map(drop),
            "friday",
        );
        let event = r#"{"deal":"D-1","version":1,"at":"noon","actor":"ops","change":{"type":"lead_qualified"}}"#;
        says(
            serde_json::from_str::<crate::Event>(event).map(drop),
            "noon",
        );
        let stored = r#"{"format":1,"deal":"D-1","version":1,"at":"noon","actor":"ops","change":{"type":"lead_qualified"},"hash":"00"}"#;
        says(
            serde_json::from_str::<crate::StoredEvent>(stored).map(drop),
            "noon",
        );
        let issued = r#"{"format":1,"deal":"D-1","version":1,"at":"2026-03-02T09:00:00Z","actor":"ops","change":{"type":"invoice_issued","id":"I-1","amount":{"amount":"1","currency":"EUR"},"due":"later"}}"#;
        says(
            serde_json::from_str::<crate::StoredEvent>(issued).map(drop),
            "later",
        );

        // What is wrong, when the shape is right but a part is not; a long value is cut.
        let err = super::instant::parse("2026-02-30T09:00:00Z").unwrap_err();
        assert!(
            err.ends_with("`2026-02-30T09:00:00Z`: a field is out of its range"),
            "{err}"
        );
        let long = "x".repeat(1000);
        let err = super::instant::parse(&long).unwrap_err();
        assert!(err.len() < 200 && err.ends_with("…`"), "{err}");
        let err = super::instant::parse("a\nb").unwrap_err();
        assert!(err.ends_with("got `a\\nb`"), "{err}");
        // Not a string: serde's own message, saying what is expected.
        let err = envelope_with(r#"5"#);
        assert!(
            err.contains("invalid type: integer `5`, expected an RFC 3339 instant"),
            "{err}"
        );
        // What chrono reads is read the same: any offset, converted to UTC; `null` and an
        // absent due date are none.
        assert!(envelope("2026-03-02T10:00:00+01:00").is_ok());
        assert!(envelope("2026-03-02 09:00:00.5Z").is_ok());
        let no_due =
            r#"{"type":"issue_invoice","id":"I-1","amount":{"amount":"1","currency":"EUR"}}"#;
        let null_due = r#"{"type":"issue_invoice","id":"I-1","amount":{"amount":"1","currency":"EUR"},"due":null}"#;
        for json in [no_due, null_due] {
            let Command::IssueInvoice { due, .. } = serde_json::from_str(json).unwrap() else {
                unreachable!()
            };
            assert_eq!(due, None);
        }
    }

    fn envelope_with(at: &str) -> String {
        serde_json::from_str::<Envelope>(&format!(
            r#"{{"actor":"ops","at":{at},"command":{{"type":"qualify_lead"}}}}"#
        ))
        .unwrap_err()
        .to_string()
    }

    #[test]
    fn objects_only_and_no_unknown_fields_at_any_depth() {
        let envelope = |json: &str| serde_json::from_str::<Envelope>(json);
        let ok = r#"{"actor":"ops","at":"2026-01-05T09:00:00Z","command":{"type":"qualify_lead"}}"#;
        assert!(envelope(ok).is_ok());
        let typo = r#"{"actor":"ops","at":"2026-01-05T09:00:00Z","expected_versoin":7,"command":{"type":"qualify_lead"}}"#;
        assert!(envelope(typo)
            .unwrap_err()
            .to_string()
            .contains("unknown field `expected_versoin`"));
        let inner = r#"{"actor":"ops","at":"2026-01-05T09:00:00Z","command":{"type":"qualify_lead","x":1}}"#;
        assert!(envelope(inner)
            .unwrap_err()
            .to_string()
            .contains("unknown field `x`"));
        let seat = r#"{"type":"convene_gate","gate":"bid_decision","panel":[{"person":"a","level":"manager","x":1}]}"#;
        assert!(serde_json::from_str::<Command>(seat).is_err());
        let positional =
            r#"{"type":"convene_gate","gate":"bid_decision","panel":[["a","manager"]]}"#;
        let err = serde_json::from_str::<Command>(positional)
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected an object"), "{err}");
        let money = r#"{"type":"set_estimate","value":["10","EUR"]}"#;
        assert!(serde_json::from_str::<Command>(money).is_err());
        assert!(serde_json::from_str::<Envelope>(
            r#"["ops","2026-01-05T09:00:00Z",null,{"type":"qualify_lead"}]"#
        )
        .is_err());
    }
}
