//! What a host sends is read exactly and strictly, or refused: decimals never rounded, structs
//! from JSON objects only, unknown fields refused at every depth, and messages on one line.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use chrono::NaiveDate;
use ltc_incentive::{
    split, Account, Error, HoldbackMovement, Ledger, Member, Payment, PoolRule, Split,
    SplitRequest, Tranche, Window,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// A valid request, as JSON.
fn request() -> Value {
    json!({
        "pool": "1000.00",
        "roles": {"AR": "40", "SR": "30", "FR": "30"},
        "window": {"start": "2026-01-01", "end": "2026-07-01"},
        "holdback": "0.15",
        "members": [
            {"id": "ana", "role": "AR", "contribution": "1"},
            {"id": "bo", "role": "SR", "contribution": "1", "involvement": "0.5"},
            {"id": "cy", "role": "FR", "contribution": "2", "joined": "2026-02-01"}
        ]
    })
}

fn refused<T: DeserializeOwned + std::fmt::Debug>(value: Value) -> String {
    serde_json::from_value::<T>(value.clone())
        .map(|t| panic!("accepted {value}: {t:?}"))
        .unwrap_err()
        .to_string()
}

#[test]
fn a_valid_request_reads_and_writes_as_before() {
    let r: SplitRequest = serde_json::from_value(request()).unwrap();
    assert_eq!(r.pool.to_string(), "1000.00");
    assert_eq!(r.members[1].involvement, dec!(0.5));
    let s = split(&r).unwrap();
    let text = serde_json::to_string(&s).unwrap();
    assert!(text.starts_with(r#"{"pool":"1000.00","retained":"0.00","people":[{"id":"ana","#));
    let back: Split = serde_json::from_str(&text).unwrap();
    assert_eq!(back, s);
    assert_eq!(serde_json::to_string(&back).unwrap(), text);
    let again: SplitRequest = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
    assert_eq!(again, r);
}

#[test]
fn a_pool_with_more_digits_than_a_decimal_holds_is_refused_not_rounded() {
    let mut r = request();
    r["pool"] = json!("79228162514264337593543950335.4");
    let err = refused::<SplitRequest>(r);
    assert!(
        err.contains(
            "`79228162514264337593543950335.4` has more significant digits than a decimal holds"
        ),
        "{err}"
    );
    let mut r = request();
    r["pool"] = json!("123456789012345678901234567.891");
    assert!(refused::<SplitRequest>(r).contains("more significant digits"));
    let mut r = request();
    r["pool"] = json!("79228162514264337593543950336");
    assert!(refused::<SplitRequest>(r).contains("is larger than a decimal holds"));
}

#[test]
fn a_contribution_too_small_to_hold_is_refused_not_made_zero() {
    // Read with rounding, 10^-29 became 0 and the role counted as vacant.
    let mut r = request();
    r["members"][0]["contribution"] = json!("0.00000000000000000000000000001");
    let err = refused::<SplitRequest>(r);
    assert!(
        err.contains(
            "`0.00000000000000000000000000001` has more decimal places than a decimal holds (28)"
        ),
        "{err}"
    );
    // The smallest that fits is read as it is, and the role is active.
    let mut r = request();
    r["members"][0]["contribution"] = json!("0.0000000000000000000000000001");
    let r: SplitRequest = serde_json::from_value(r).unwrap();
    assert_eq!(r.members[0].contribution, Decimal::new(1, 28));
    assert_eq!(split(&r).unwrap().amount_of("ana"), dec!(400.00));
}

#[test]
fn every_decimal_field_is_exact() {
    let tiny = json!("0.00000000000000000000000000001");
    let paths: &[&[&str]] = &[
        &["pool"],
        &["holdback"],
        &["roles", "AR"],
        &["members", "0", "contribution"],
        &["members", "1", "involvement"],
    ];
    for path in paths {
        let mut r = request();
        let mut at = &mut r;
        for key in *path {
            at = match key.parse::<usize>() {
                Ok(i) => &mut at[i],
                Err(_) => &mut at[*key],
            };
        }
        *at = tiny.clone();
        let err = refused::<SplitRequest>(r);
        assert!(err.contains("more decimal places"), "{path:?}: {err}");
    }
    let rule = json!({"contract_value": "1", "rate": tiny, "basis": "cash"});
    assert!(refused::<PoolRule>(rule).contains("more decimal places"));
    let payment = json!({"date": "2026-01-01", "amount": tiny});
    assert!(refused::<Payment>(payment).contains("more decimal places"));
    let account = json!({"amount": "1", "held": "0", "payable": "1", "released": "0",
                         "forfeited": tiny});
    assert!(refused::<Account>(account).contains("more decimal places"));
}

#[test]
fn numbers_for_decimals_are_refused_as_before() {
    let mut r = request();
    r["pool"] = json!(1000);
    let err = refused::<SplitRequest>(r);
    assert!(
        err.contains("expected a decimal number as a string"),
        "{err}"
    );
    let mut r = request();
    r["roles"]["AR"] = json!(40.5);
    assert!(refused::<SplitRequest>(r).contains("invalid type: floating point"));
}

#[test]
fn unknown_fields_are_refused_at_every_depth() {
    let mut r = request();
    r["members"][1]["contibution"] = json!("2");
    let err = refused::<SplitRequest>(r);
    assert!(err.contains("unknown field `contibution`"), "{err}");
    let mut r = request();
    r["window"]["days"] = json!(181);
    assert!(refused::<SplitRequest>(r).contains("unknown field `days`"));
    let mut r = request();
    r["hold_back"] = json!("0.1");
    assert!(refused::<SplitRequest>(r).contains("unknown field `hold_back`"));

    let s = split(&serde_json::from_value(request()).unwrap()).unwrap();
    let mut out = serde_json::to_value(&s).unwrap();
    out["people"][0]["lines"][0]["note"] = json!("x");
    assert!(refused::<Split>(out).contains("unknown field `note`"));
    let mut out = serde_json::to_value(&s).unwrap();
    out["people"][0]["bonus"] = json!("1.00");
    assert!(refused::<Split>(out).contains("unknown field `bonus`"));

    let payment = json!({"date": "2026-01-01", "amount": "1.00", "currency": "EUR"});
    assert!(refused::<Payment>(payment).contains("unknown field `currency`"));
    let rule = json!({"contract_value": "1", "rate": "0.1", "basis": "cash", "cap": "1"});
    assert!(refused::<PoolRule>(rule).contains("unknown field `cap`"));
}

#[test]
fn structs_are_read_from_objects_only() {
    // serde's derive would read a struct from a positional array; that is refused.
    let mut r = request();
    r["members"][0] = json!(["ana", "AR", "1", "1", null, null]);
    let err = refused::<SplitRequest>(r);
    assert!(err.contains("expected an object"), "{err}");
    let mut r = request();
    r["window"] = json!(["2026-01-01", "2026-07-01"]);
    assert!(refused::<SplitRequest>(r).contains("expected an object"));
    assert!(refused::<Member>(json!(["ana", "AR", "1"])).contains("expected an object"));
    assert!(refused::<Window>(json!(["2026-01-01", "2026-07-01"])).contains("expected an object"));
    assert!(refused::<Payment>(json!(["2026-01-01", "1.00"])).contains("expected an object"));
    assert!(refused::<PoolRule>(json!(["1", "0.1", "cash"])).contains("expected an object"));
    let whole = request();
    let positional: Vec<Value> = whole.as_object().unwrap().values().cloned().collect();
    assert!(refused::<SplitRequest>(Value::Array(positional)).contains("expected an object"));
}

#[test]
fn a_role_named_twice_is_refused() {
    let text = r#"{"pool": "1.00", "roles": {"AR": "40", "AR": "60"},
        "window": {"start": "2026-01-01", "end": "2026-07-01"},
        "members": [{"id": "ana", "role": "AR", "contribution": "1"}]}"#;
    let err = serde_json::from_str::<SplitRequest>(text)
        .unwrap_err()
        .to_string();
    assert!(err.contains("key `AR` is given more than once"), "{err}");
}

#[test]
fn ledger_state_round_trips_strictly() {
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    let r: SplitRequest = serde_json::from_value(request()).unwrap();
    let mut ledger = Ledger::new();
    let tranche = ledger.pay(d(7, 1), &split(&r).unwrap()).unwrap();
    let movement = ledger.release("ana", d(12, 31)).unwrap();

    let text = serde_json::to_string(&ledger).unwrap();
    assert!(text.starts_with(r#"{"pool":"1000.00","retained":"0","accounts":{"ana":{"amount":"400.00","held":"60.00","payable":"340.00","released":"60.00","forfeited":"0"}"#), "{text}");
    let back: Ledger = serde_json::from_str(&text).unwrap();
    assert_eq!(back, ledger);
    assert_eq!(serde_json::to_string(&back).unwrap(), text);
    let back: Tranche = serde_json::from_str(&serde_json::to_string(&tranche).unwrap()).unwrap();
    assert_eq!(back, tranche);
    let back: HoldbackMovement =
        serde_json::from_str(&serde_json::to_string(&movement).unwrap()).unwrap();
    assert_eq!(back, movement);

    let mut state = serde_json::to_value(&ledger).unwrap();
    state["accounts"]["ana"]["bonus"] = json!("1");
    assert!(refused::<Ledger>(state).contains("unknown field `bonus`"));
    let mut state = serde_json::to_value(&ledger).unwrap();
    state["accounts"]["ana"] = json!(["400.00", "60.00", "340.00", "60.00", "0.00"]);
    assert!(refused::<Ledger>(state).contains("expected an object"));
    let mut state = serde_json::to_value(&ledger).unwrap();
    state["version"] = json!(2);
    assert!(refused::<Ledger>(state).contains("unknown field `version`"));
    let mut t = serde_json::to_value(&tranche).unwrap();
    t["people"][0]["extra"] = json!(0);
    assert!(refused::<Tranche>(t).contains("unknown field `extra`"));
    let mut m = serde_json::to_value(&movement).unwrap();
    m["amount"] = json!("0.00000000000000000000000000001");
    assert!(refused::<HoldbackMovement>(m).contains("more decimal places"));
    let twice = text.replacen(r#""accounts":{"#, r#""accounts":{"ana":{"amount":"0","held":"0","payable":"0","released":"0","forfeited":"0"},"#, 1);
    let err = serde_json::from_str::<Ledger>(&twice)
        .unwrap_err()
        .to_string();
    assert!(err.contains("key `ana` is given more than once"), "{err}");
}

#[test]
fn messages_stay_on_one_line() {
    let triangle = |id: &str, role: &str| {
        SplitRequest::new(
            dec!(100.00),
            Window::new(
                NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
            ),
        )
        .role("AR", dec!(1))
        .member(Member::new(id, role, dec!(1)))
    };
    let err = split(&triangle("ana\nEVIL: forged line", "X\r\t\u{1b}[31m")).unwrap_err();
    assert_eq!(err.code(), "unknown_role");
    let message = err.to_string();
    assert_eq!(
        message,
        "member ana\\nEVIL: forged line has role X\\r\\t\\u{1b}[31m, which is not one of the \
         listed roles"
    );
    assert!(!message.contains(['\n', '\r', '\t', '\u{1b}']));
    // Quotes and other text are shown as they are.
    let err = split(&triangle("o'neil \"jr\" é", "X")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "member o'neil \"jr\" é has role X, which is not one of the listed roles"
    );
    let err = Error::UnknownPerson {
        id: "a\u{2028}b\\c".into(),
    };
    assert_eq!(
        err.to_string(),
        "person a\\u{2028}b\\\\c has no account in the ledger"
    );
    let err = split(&triangle("ana", "AR").member(Member::new("ana", "AR", dec!(2)))).unwrap_err();
    assert_eq!(err.code(), "duplicate_member");

    // A value refused while reading is escaped too.
    let mut r = request();
    r["pool"] = json!("1\n2");
    let err = refused::<SplitRequest>(r);
    assert!(err.starts_with("`1\\n2` is not a decimal number"), "{err}");
    assert!(!err.contains('\n'));
}

#[test]
fn sums_that_would_round_are_refused_in_the_ledger() {
    // An account already holding 10^28 cannot also hold a ten-thousandth exactly:
    // `Decimal::checked_add` would have rounded the sum back to 10^28.
    let big = Decimal::from_i128_with_scale(10i128.pow(28), 0);
    let state = json!({"pool": big.to_string(), "retained": "0", "accounts": {
        "ana": {"amount": big.to_string(), "held": "0", "payable": big.to_string(),
                "released": "0", "forfeited": "0"}}});
    let mut ledger: Ledger = serde_json::from_value(state).unwrap();
    let tranche: Tranche = serde_json::from_value(json!({"date": "2026-07-01",
        "pool": big.to_string(), "retained": "0",
        "people": [{"id": "ana", "amount": "0.0001", "held": "0", "payable": "0.0001"}]}))
    .unwrap();
    let err = ledger.record(&tranche).unwrap_err();
    assert_eq!(err.code(), "inexact");
    assert!(
        matches!(
            err,
            Error::Inexact {
                what: "a ledger balance",
                op: '+',
                ..
            }
        ),
        "{err:?}"
    );
    // Nothing was recorded.
    assert_eq!(ledger.account("ana").unwrap().amount, big);
}
