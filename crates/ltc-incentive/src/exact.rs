//! Decimals read exactly, or refused: the serde helpers every `Decimal` a host sends goes
//! through (`#[serde(with = "ltc_incentive::exact")]`, and [`option`], [`vec`](mod@vec),
//! [`map`] for the collections).
//!
//! A decimal is read from a string, `"1250.00"`, or in scientific notation, `"1.25e3"`; a JSON
//! number is refused. Nothing is rounded: a value with more than a `Decimal` holds (28 to 29
//! significant digits, 28 decimal places), such as `"0.1"` followed by 28 more digits or a
//! 30-digit amount, is refused with the value named, where `Decimal`'s own `Deserialize` would
//! round it. Trailing zeros beyond what fits are dropped, since that changes no value.
//!
//! Writing is `Decimal`'s own: its string, scale kept (`"1250.00"`).
//!
//! Public so that a host whose own documents carry amounts (a command-line tool, an API) reads
//! them the same way:
//!
//! ```
//! use rust_decimal::Decimal;
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Input {
//!     #[serde(with = "ltc_incentive::exact")]
//!     amount: Decimal,
//!     #[serde(with = "ltc_incentive::exact::vec")]
//!     weights: Vec<Decimal>,
//! }
//!
//! let ok: Input = serde_json::from_str(r#"{"amount": "10.00", "weights": ["1", "2.5"]}"#).unwrap();
//! assert_eq!(ok.weights[1], Decimal::new(25, 1));
//! let rounded = r#"{"amount": "79228162514264337593543950335.4", "weights": []}"#;
//! assert!(serde_json::from_str::<Input>(rounded).is_err());
//! assert!(ltc_incentive::exact::parse("0.00000000000000000000000000001").is_err());
//! ```

use std::fmt;

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::allocate::{MAX_SCALE, MAX_UNITS};
use crate::error::Esc;

/// What the visitors expect, for serde's "invalid type" messages.
const EXPECTING: &str = "a decimal number as a string, such as \"1250.00\"";

/// The largest `Decimal`, as written in messages.
const MAX_TEXT: &str = "79228162514264337593543950335";

/// Reads `text` as a decimal exactly, in the syntax `Decimal`'s own `Deserialize` reads (an
/// optional sign, digits with optional `_` separators and one optional `.`, and optionally `e`
/// or `E` and an exponent), but a value a `Decimal` cannot hold exactly is refused, never
/// rounded.
///
/// # Errors
///
/// A one-line message naming the value and why it was refused.
pub fn parse(text: &str) -> Result<Decimal, String> {
    let parsed = match text.find(['e', 'E']) {
        Some(at) => scientific(text, at),
        None => plain(text),
    };
    parsed.map_err(|why| format!("`{}` {why}", Shown(text)))
}

/// A number without an exponent.
fn plain(text: &str) -> Result<Decimal, &'static str> {
    match Decimal::from_str_exact(text) {
        Ok(d) => Ok(d),
        Err(_) => without_extra_zeros(text).ok_or_else(|| why_not(text)),
    }
}

/// `text` read with trailing zero decimals dropped, if it then fits, at the largest scale (up to
/// the number of decimals written and at most 28) that holds it: the scale `Decimal` arithmetic
/// would give it.
fn without_extra_zeros(text: &str) -> Option<Decimal> {
    let point = text.find('.')?;
    let written = text
        .get(point + 1..)?
        .chars()
        .filter(char::is_ascii_digit)
        .count();
    let trimmed = text.trim_end_matches(['0', '_']);
    if trimmed.len() == text.len() {
        return None;
    }
    // A bare point (`"."`, from `".000"`) is read as `".0"`.
    let d = match Decimal::from_str_exact(trimmed) {
        Ok(d) => d,
        Err(_) if trimmed.ends_with('.') => Decimal::from_str_exact(&format!("{trimmed}0")).ok()?,
        Err(_) => return None,
    };
    let target = u32::try_from(written).unwrap_or(u32::MAX).min(MAX_SCALE);
    let (mut mantissa, mut scale) = (d.mantissa(), d.scale());
    while scale < target {
        match mantissa.checked_mul(10) {
            Some(m) if m.unsigned_abs() <= MAX_UNITS => {
                mantissa = m;
                scale += 1;
            }
            _ => break,
        }
    }
    Decimal::try_from_i128_with_scale(mantissa, scale).ok()
}

/// A number with an exponent: `base e exponent`, the base read exactly and the exponent applied
/// exactly.
fn scientific(text: &str, at: usize) -> Result<Decimal, &'static str> {
    const NOT_A_NUMBER: &str = "is not a decimal number";
    const TOO_FINE: &str = "has more decimal places than a decimal holds (28)";
    const TOO_LARGE: &str = "is larger than a decimal holds (79228162514264337593543950335)";
    let (base, exponent) = text.split_at_checked(at).ok_or(NOT_A_NUMBER)?;
    let exponent = exponent.get(1..).ok_or(NOT_A_NUMBER)?;
    let base = plain(base)?;
    let exponent: i64 = exponent.parse().map_err(|_| NOT_A_NUMBER)?;
    let mut mantissa = base.mantissa();
    // The value is mantissa x 10^-scale, scale possibly negative or above 28.
    let mut scale = i64::from(base.scale())
        .checked_sub(exponent)
        .ok_or(NOT_A_NUMBER)?;
    let max_scale = i64::from(MAX_SCALE);
    if mantissa == 0 {
        scale = scale.clamp(0, max_scale);
    }
    while scale > max_scale {
        if mantissa % 10 != 0 {
            return Err(TOO_FINE);
        }
        mantissa /= 10;
        scale -= 1;
    }
    if scale < 0 {
        let factor = u32::try_from(scale.unsigned_abs())
            .ok()
            .and_then(|k| 10i128.checked_pow(k))
            .ok_or(TOO_LARGE)?;
        mantissa = mantissa.checked_mul(factor).ok_or(TOO_LARGE)?;
        scale = 0;
    }
    let scale = u32::try_from(scale).map_err(|_| NOT_A_NUMBER)?;
    Decimal::try_from_i128_with_scale(mantissa, scale).map_err(|_| TOO_LARGE)
}

/// Why `text`, without an exponent, is not a `Decimal`.
fn why_not(text: &str) -> &'static str {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let is_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit() || c == '_');
    let has_digit = |s: &str| s.chars().any(|c| c.is_ascii_digit());
    if !is_digits(whole) || !is_digits(fraction) || !(has_digit(whole) || has_digit(fraction)) {
        return "is not a decimal number";
    }
    let whole: String = whole.chars().filter(char::is_ascii_digit).collect();
    let whole = whole.trim_start_matches('0');
    let fraction: String = fraction.chars().filter(char::is_ascii_digit).collect();
    let fraction = fraction.trim_end_matches('0');
    let significant = format!("{whole}{fraction}");
    if whole.len() > MAX_TEXT.len() || (whole.len() == MAX_TEXT.len() && whole > MAX_TEXT) {
        "is larger than a decimal holds (79228162514264337593543950335)"
    } else if fraction.len() > MAX_SCALE as usize {
        "has more decimal places than a decimal holds (28)"
    } else if significant.trim_start_matches('0').len() > MAX_SCALE as usize {
        "has more significant digits than a decimal holds (28-29)"
    } else {
        "is not a decimal number"
    }
}

/// A value echoed in a message: escaped to one line, and cut after 80 characters.
pub(crate) struct Shown<'a>(pub(crate) &'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const LIMIT: usize = 80;
        match self.0.char_indices().nth(LIMIT) {
            Some((cut, _)) => write!(f, "{}...", Esc(self.0.get(..cut).unwrap_or_default())),
            None => write!(f, "{}", Esc(self.0)),
        }
    }
}

struct DecimalVisitor;

impl Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EXPECTING)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse(v).map_err(E::custom)
    }
}

/// Writes a decimal as its string, as `Decimal` itself does.
///
/// # Errors
///
/// The serializer's.
pub fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    Serialize::serialize(value, s)
}

/// Reads a decimal from a string, exactly: see [`parse`].
///
/// # Errors
///
/// Anything but a string, and a string that is not a decimal a `Decimal` holds exactly.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    d.deserialize_str(DecimalVisitor)
}

/// A decimal read exactly, for the collections.
struct Exact(Decimal);

impl<'de> Deserialize<'de> for Exact {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize(d).map(Exact)
    }
}

/// `Option<Decimal>`: `null` (or, with `#[serde(default)]`, absent) is `None`.
pub mod option {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes `null` or the decimal's string.
    ///
    /// # Errors
    ///
    /// The serializer's.
    pub fn serialize<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        value.serialize(s)
    }

    /// Reads `null` or a decimal, exactly.
    ///
    /// # Errors
    ///
    /// As [`super::deserialize`].
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        Ok(Option::<super::Exact>::deserialize(d)?.map(|e| e.0))
    }
}

/// `Vec<Decimal>`: an array of decimals, each read exactly.
pub mod vec {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes an array of the decimals' strings.
    ///
    /// # Errors
    ///
    /// The serializer's.
    pub fn serialize<S: Serializer>(value: &[Decimal], s: S) -> Result<S::Ok, S::Error> {
        value.serialize(s)
    }

    /// Reads an array of decimals, each exactly.
    ///
    /// # Errors
    ///
    /// As [`super::deserialize`], for any element.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Decimal>, D::Error> {
        Ok(Vec::<super::Exact>::deserialize(d)?
            .into_iter()
            .map(|e| e.0)
            .collect())
    }
}

/// `BTreeMap<String, Decimal>`: an object of decimals, each read exactly; a key given twice is
/// refused (rather than the last one silently winning).
pub mod map {
    use std::collections::BTreeMap;

    use rust_decimal::Decimal;
    use serde::{Deserializer, Serialize, Serializer};

    /// Writes an object of the decimals' strings.
    ///
    /// # Errors
    ///
    /// The serializer's.
    pub fn serialize<S: Serializer>(
        value: &BTreeMap<String, Decimal>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(s)
    }

    /// Reads an object of decimals, each exactly, every key once.
    ///
    /// # Errors
    ///
    /// As [`super::deserialize`], for any value; a key given twice.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, Decimal>, D::Error> {
        Ok(crate::strict::unique_keys::<D, super::Exact>(d)?
            .into_iter()
            .map(|(k, e)| (k, e.0))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::BTreeMap;
    use std::str::FromStr;

    fn read(text: &str) -> Result<Decimal, String> {
        deserialize(serde_json::Value::String(text.to_owned())).map_err(|e| e.to_string())
    }

    #[test]
    fn what_fits_reads_as_before() {
        for text in [
            "0",
            "1250.00",
            "-0.05",
            "+5",
            ".5",
            "5.",
            "1_000.5",
            "00001.50",
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "7.9228162514264337593543950335",
            "0.0000000000000000000000000001",
            "1.0000000000000000000000000000",
        ] {
            let ours = read(text).unwrap();
            let before = Decimal::from_str(text).unwrap();
            assert_eq!(ours.to_string(), before.to_string(), "{text}");
        }
        for text in ["1e3", "1.5E2", "1.50e2", "25e-3", "-2.5e-1", "1e0", "1e+2"] {
            let ours = read(text).unwrap();
            let before = Decimal::from_scientific(text).unwrap();
            assert_eq!(ours.to_string(), before.to_string(), "{text}");
        }
    }

    #[test]
    fn trailing_zeros_beyond_what_fits_are_dropped() {
        assert_eq!(
            read("1.00000000000000000000000000000000")
                .unwrap()
                .to_string(),
            "1.0000000000000000000000000000"
        );
        assert_eq!(
            read("79228162514264337593543950335.000")
                .unwrap()
                .to_string(),
            "79228162514264337593543950335"
        );
        assert_eq!(
            read("7922816251426433759354395033.50").unwrap().to_string(),
            "7922816251426433759354395033.5"
        );
        assert_eq!(
            read("100e-30").unwrap().to_string(),
            "0.0000000000000000000000000001"
        );
        let zeros = format!(".{}", "0".repeat(40));
        assert_eq!(
            read(&zeros).unwrap().to_string(),
            "0.0000000000000000000000000000"
        );
    }

    #[test]
    fn what_would_round_is_refused_with_the_value_named() {
        assert_eq!(
            read("79228162514264337593543950335.4").unwrap_err(),
            "`79228162514264337593543950335.4` has more significant digits than a decimal \
             holds (28-29)"
        );
        assert_eq!(
            read("0.00000000000000000000000000001").unwrap_err(),
            "`0.00000000000000000000000000001` has more decimal places than a decimal holds (28)"
        );
        assert_eq!(
            read("79228162514264337593543950336").unwrap_err(),
            "`79228162514264337593543950336` is larger than a decimal holds \
             (79228162514264337593543950335)"
        );
        assert!(read("7922816251426433759354395033.56")
            .unwrap_err()
            .contains("more significant digits"));
        assert!(read("1e-29").unwrap_err().contains("more decimal places"));
        assert!(read("1e29").unwrap_err().contains("is larger than"));
        assert!(read("79228162514264337593543950335.4e1")
            .unwrap_err()
            .contains("more significant digits"));
        assert_eq!(
            read("7.9228162514264337593543950335e28").unwrap(),
            Decimal::MAX
        );
        assert_eq!(read("0e99").unwrap().to_string(), "0");
        assert_eq!(
            read("0.0e-99").unwrap().to_string(),
            "0.0000000000000000000000000000"
        );
        assert!(read("1e99999999999999999999")
            .unwrap_err()
            .contains("not a decimal"));
    }

    #[test]
    fn what_is_not_a_number_is_refused_on_one_line() {
        for text in [
            "", "-", ".", "abc", "1,5", " 5", "5 ", "1.5.2", "e5", "1e", "1e5e5", "NaN",
        ] {
            let err = read(text).unwrap_err();
            assert!(err.contains("is not a decimal number"), "{text}: {err}");
        }
        let err = read("1\n2").unwrap_err();
        assert_eq!(err, "`1\\n2` is not a decimal number");
        let long = "9".repeat(200);
        let err = read(&long).unwrap_err();
        assert!(
            err.starts_with(&format!("`{}...`", "9".repeat(80))),
            "{err}"
        );
    }

    #[test]
    fn numbers_and_other_types_are_refused_as_before() {
        for json in ["10", "10.5", "true", "null", "[\"1\"]", "{}"] {
            let mut de = serde_json::Deserializer::from_str(json);
            let err = deserialize(&mut de).unwrap_err().to_string();
            assert!(
                err.contains("expected a decimal number as a string"),
                "{json}: {err}"
            );
        }
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Shapes {
        #[serde(default, with = "option")]
        maybe: Option<Decimal>,
        #[serde(with = "vec")]
        many: Vec<Decimal>,
        #[serde(with = "map")]
        named: BTreeMap<String, Decimal>,
    }

    #[test]
    fn collections_are_exact_too() {
        let json = r#"{"maybe":"1.50","many":["1","2.0"],"named":{"a":"0.25"}}"#;
        let shapes: Shapes = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&shapes).unwrap(), json);
        let none: Shapes = serde_json::from_str(r#"{"many":[],"named":{}}"#).unwrap();
        assert_eq!(none.maybe, None);
        let null: Shapes = serde_json::from_str(r#"{"maybe":null,"many":[],"named":{}}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&null).unwrap(),
            r#"{"maybe":null,"many":[],"named":{}}"#
        );
        let tiny = "0.00000000000000000000000000001";
        for json in [
            format!(r#"{{"maybe":"{tiny}","many":[],"named":{{}}}}"#),
            format!(r#"{{"many":["1","{tiny}"],"named":{{}}}}"#),
            format!(r#"{{"many":[],"named":{{"a":"{tiny}"}}}}"#),
        ] {
            let err = serde_json::from_str::<Shapes>(&json)
                .unwrap_err()
                .to_string();
            assert!(err.contains("more decimal places"), "{json}: {err}");
        }
        let twice = r#"{"many":[],"named":{"a":"1","a":"2"}}"#;
        let err = serde_json::from_str::<Shapes>(twice)
            .unwrap_err()
            .to_string();
        assert!(err.contains("key `a` is given more than once"), "{err}");
        let numbers = r#"{"many":[1],"named":{}}"#;
        assert!(serde_json::from_str::<Shapes>(numbers).is_err());
    }
}
