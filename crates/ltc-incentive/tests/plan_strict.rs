//! Plans, deals and statement requests are read strictly, and refused with the path of what is
//! wrong, on one line.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use ltc_incentive::{statement, Error, StatementRequest};

const REQUEST: &str = r#"{
  "plan": {"id": "ae", "credit_on": "cash", "versions": [{"version": 1,
    "effective": "2026-01-01", "published": "2026-01-01", "quota": "10000.00",
    "method": "marginal", "rate_table": [{"from": "0", "rate": "0.05"}]}]},
  "periods": [{"id": "2026-01", "start": "2026-01-01", "end": "2026-02-01"}],
  "deals": [{"id": "D-1", "value": "100.00", "signed": "2026-01-05",
    "splits": [{"person": "ana", "type": "revenue", "share": "1"}],
    "team": null,
    "receipts": [{"id": "R-1", "date": "2026-01-10", "amount": "100.00"}],
    "reversals": []}],
  "person": "ana",
  "period": "2026-01"
}"#;

fn read(text: &str) -> Result<StatementRequest, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

fn refused(text: &str) -> Error {
    statement(&read(text).unwrap()).unwrap_err()
}

#[test]
fn the_sample_is_accepted() {
    let s = statement(&read(REQUEST).unwrap()).unwrap();
    assert_eq!(s.statements[0].commission.to_string(), "5.00");
}

#[test]
fn unknown_fields_are_refused_at_every_depth() {
    for (from, to) in [
        (r#""person": "ana","#, r#""persn": "ana","#),
        (
            r#""credit_on": "cash""#,
            r#""credit_on": "cash", "cap": "1""#,
        ),
        (
            r#""quota": "10000.00""#,
            r#""quota": "10000.00", "quot": "1""#,
        ),
        (r#""from": "0""#, r#""from": "0", "to": "1""#),
        (
            r#""end": "2026-02-01""#,
            r#""end": "2026-02-01", "closed_on": "2026-02-02""#,
        ),
        (r#""share": "1""#, r#""share": "1", "pct": "100""#),
        (
            r#""amount": "100.00"}"#,
            r#""amount": "100.00", "amout": "1"}"#,
        ),
    ] {
        assert!(REQUEST.contains(from), "{from}");
        let err = read(&REQUEST.replacen(from, to, 1)).unwrap_err();
        assert!(err.contains("unknown field"), "{to}: {err}");
    }
}

#[test]
fn numbers_arrays_and_rounded_decimals_are_refused() {
    let err = read(&REQUEST.replace(r#""quota": "10000.00""#, r#""quota": 10000"#)).unwrap_err();
    assert!(
        err.contains("expected a decimal number as a string"),
        "{err}"
    );
    let err =
        read(&REQUEST.replace(r#"{"from": "0", "rate": "0.05"}"#, r#"["0", "0.05"]"#)).unwrap_err();
    assert!(err.contains("expected an object"), "{err}");
    let err = read(&REQUEST.replace(
        r#""share": "1""#,
        r#""share": "0.99999999999999999999999999999""#,
    ))
    .unwrap_err();
    assert!(
        err.contains("more decimal places than a decimal holds"),
        "{err}"
    );
    let err =
        read(&REQUEST.replace(r#""method": "marginal""#, r#""method": "tiered""#)).unwrap_err();
    assert!(err.contains("unknown variant `tiered`"), "{err}");
}

#[test]
fn refusals_name_the_path() {
    for (from, to, code, path) in [
        (
            r#""rate_table": [{"from": "0", "rate": "0.05"}]"#,
            r#""rate_table": [{"from": "0.1", "rate": "0.05"}]"#,
            "first_tier_not_at_zero",
            "plan.versions[0].rate_table[0].from",
        ),
        (
            r#""rate_table": [{"from": "0", "rate": "0.05"}]"#,
            r#""rate_table": []"#,
            "empty",
            "plan.versions[0].rate_table",
        ),
        (
            r#""amount": "100.00"}"#,
            r#""amount": "100.005"}"#,
            "finer_than_minor_unit",
            "deals[0].receipts[0].amount",
        ),
        (
            r#""date": "2026-01-10", "amount""#,
            r#""date": "2026-01-10", "recorded": "2026-01-09", "amount""#,
            "recorded_before_date",
            "deals[0].receipts[0].recorded",
        ),
        (
            r#""reversals": []"#,
            r#""reversals": [{"id": "CN", "of": "R-9", "date": "2026-01-12", "amount": "1.00", "reason": "x"}]"#,
            "unknown_reference",
            "deals[0].reversals[0].of",
        ),
        (
            r#""reversals": []"#,
            r#""reversals": [{"id": "CN", "of": "R-1", "date": "2026-01-09", "amount": "1.00", "reason": "x"}]"#,
            "recorded_before_date",
            "deals[0].reversals[0].date",
        ),
        (
            r#""team": null"#,
            r#""team": {"roles": {"AR": "1"}, "window": {"start": "2026-01-01", "end": "2026-02-01"}, "members": []}"#,
            "inconsistent",
            "deals[0].team",
        ),
        (
            r#""end": "2026-02-01""#,
            r#""end": "2026-01-01""#,
            "empty_window",
            "periods[0].end",
        ),
        (
            r#""period": "2026-01""#,
            r#""period": "2026-13""#,
            "unknown_reference",
            "period",
        ),
    ] {
        assert!(REQUEST.contains(from), "{from}");
        let err = refused(&REQUEST.replacen(from, to, 1));
        assert_eq!((err.code(), err.path()), (code, Some(path)), "{err}");
        assert!(
            err.to_string().starts_with(&format!("at `{path}`: ")),
            "{err}"
        );
    }
}

#[test]
fn a_team_without_revenue_splits_is_validated_as_a_split() {
    let team = REQUEST.replacen(
        r#""splits": [{"person": "ana", "type": "revenue", "share": "1"}],
    "team": null"#,
        r#""team": {"roles": {"AR": "1"}, "window": {"start": "2026-01-01", "end": "2026-02-01"},
             "members": [{"id": "ana", "role": "SR", "contribution": "1"}]}"#,
        1,
    );
    let err = refused(&team);
    assert_eq!(
        (err.code(), err.path()),
        ("unknown_role", Some("deals[0].team"))
    );
}

#[test]
fn every_message_is_one_line() {
    let text = REQUEST.replace(r#""period": "2026-01""#, r#""period": "20\n26\u001b""#);
    let err = refused(&text);
    let message = err.to_string();
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains(r"20\n26\u{1b}"), "{message}");
    let table =
        statement(&read(&REQUEST.replace(r#""person": "ana""#, r#""person": "a\nna""#)).unwrap())
            .unwrap()
            .table();
    assert!(table.starts_with(r"a\nna · 2026-01"), "{table}");
}

#[test]
fn a_quota_is_money_in_whole_minor_units() {
    for quota in ["1000.001", "0.0000000000000000000000000001"] {
        let err =
            refused(&REQUEST.replace(r#""quota": "10000.00""#, &format!(r#""quota": "{quota}""#)));
        let text = err.to_string();
        assert!(text.contains("quota"), "{quota}: {text}");
        assert!(text.contains(quota), "{quota}: {text}");
    }
}

#[test]
fn the_table_marks_an_attainment_it_shows_shortened() {
    // 100.00 of a 30000.00 quota is 1/300: four places are not the exact ratio.
    let request = REQUEST.replace(r#""quota": "10000.00""#, r#""quota": "30000.00""#);
    let s = statement(&read(&request).unwrap()).unwrap();
    let table = s.statements[0].table();
    assert!(table.contains("attainment ≈ 0.0033"), "{table}");
    // 100.00 of 10000.00 is exactly 0.01.
    let s = statement(&read(REQUEST).unwrap()).unwrap();
    assert!(s.statements[0].table().contains("attainment 0.01"));
}
