//! Worked examples from the domain, the JSON shapes, and every refusal.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use chrono::NaiveDate;
use ltc_incentive::{split, Error, Member, SplitRequest, VacantRoles, Window};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).unwrap()
}

/// The first half of 2026: 181 days.
fn half_year() -> Window {
    Window::new(d(1, 1), d(7, 1))
}

fn triangle(pool: Decimal) -> SplitRequest {
    SplitRequest::new(pool, half_year())
        .role("AR", dec!(40))
        .role("SR", dec!(30))
        .role("FR", dec!(30))
}

fn amounts(s: &ltc_incentive::Split) -> Vec<(String, Decimal)> {
    s.people
        .iter()
        .map(|p| (p.id.to_string(), p.amount))
        .collect()
}

fn total(s: &ltc_incentive::Split) -> Decimal {
    s.people.iter().map(|p| p.amount).sum::<Decimal>() + s.retained
}

#[test]
fn iron_triangle_with_teams_inside_roles() {
    // AR 40%: ana (contribution 3) and al (1); SR 30%: bo alone;
    // FR 30%: cy (2) and cat (1, half involved).
    let request = triangle(dec!(100000.00))
        .member(Member::new("ana", "AR", dec!(3)))
        .member(Member::new("al", "AR", dec!(1)))
        .member(Member::new("bo", "SR", dec!(1)))
        .member(Member::new("cy", "FR", dec!(2)))
        .member(Member::new("cat", "FR", dec!(1)).involvement(dec!(0.5)));
    let s = split(&request).unwrap();
    assert_eq!(
        amounts(&s),
        [
            ("al".into(), dec!(10000.00)),
            ("ana".into(), dec!(30000.00)),
            ("bo".into(), dec!(30000.00)),
            ("cat".into(), dec!(6000.00)),
            ("cy".into(), dec!(24000.00)),
        ]
    );
    assert_eq!(s.retained, dec!(0.00));
    let cat = &s.person("cat").unwrap().lines[0];
    assert_eq!(cat.role_share, dec!(0.3));
    assert_eq!(cat.involvement, dec!(0.5));
    assert_eq!(cat.participation, dec!(1));
    assert_eq!(cat.exact_share, dec!(6000.00));
    assert_eq!(cat.adjustment, dec!(0));
}

#[test]
fn late_joiner_and_early_leaver() {
    // dan joins on April 1 (91 of 181 days); bo leaves on March 1 (59 days)
    // and bea stays the whole half year.
    let request = triangle(dec!(100000.00))
        .member(Member::new("ana", "AR", dec!(1)))
        .member(Member::new("dan", "AR", dec!(1)).joined(d(4, 1)))
        .member(Member::new("bo", "SR", dec!(1)).left(d(3, 1)))
        .member(Member::new("bea", "SR", dec!(1)))
        .member(Member::new("cy", "FR", dec!(1)));
    let s = split(&request).unwrap();
    assert_eq!(
        amounts(&s),
        [
            ("ana".into(), dec!(26617.65)),
            ("bea".into(), dec!(22625.00)),
            ("bo".into(), dec!(7375.00)),
            ("cy".into(), dec!(30000.00)),
            ("dan".into(), dec!(13382.35)),
        ]
    );
    let dan = &s.person("dan").unwrap().lines[0];
    assert_eq!((dan.days, dan.window_days), (91, 181));
    assert_eq!(dan.exact_share.round_dp(6), dec!(13382.352941));
    assert!(dan.adjustment.abs() < dec!(0.01));
    assert_eq!(dan.amount, dan.exact_share + dan.adjustment);
    // Without proration, time on the team does not matter.
    let flat = split(&request.clone().prorate_by_time(false)).unwrap();
    assert_eq!(flat.amount_of("dan"), dec!(20000.00));
    assert_eq!(flat.amount_of("bo"), dec!(15000.00));
    assert_eq!(flat.person("bo").unwrap().lines[0].participation, dec!(1));
}

#[test]
fn vacant_role_redistributed_or_retained() {
    // Nobody in FR, and SR's only member contributed nothing.
    let base = triangle(dec!(1000.00))
        .member(Member::new("ana", "AR", dec!(1)))
        .member(Member::new("bo", "SR", dec!(0)));
    let redistributed = split(&base).unwrap();
    assert_eq!(redistributed.amount_of("ana"), dec!(1000.00));
    assert_eq!(redistributed.amount_of("bo"), dec!(0.00));
    assert_eq!(redistributed.retained, dec!(0.00));
    assert_eq!(
        redistributed.person("ana").unwrap().lines[0].role_share,
        dec!(1)
    );

    let retained = split(&base.clone().vacant_roles(VacantRoles::Retain)).unwrap();
    assert_eq!(retained.amount_of("ana"), dec!(400.00));
    assert_eq!(retained.amount_of("bo"), dec!(0.00));
    assert_eq!(retained.retained, dec!(600.00));

    // Two active roles of three, by redistribution: 40 / 70 and 30 / 70.
    let two = triangle(dec!(1000.00))
        .member(Member::new("ana", "AR", dec!(1)))
        .member(Member::new("bo", "SR", dec!(1)));
    let s = split(&two).unwrap();
    assert_eq!(s.amount_of("ana"), dec!(571.43));
    assert_eq!(s.amount_of("bo"), dec!(428.57));
    let s = split(&two.vacant_roles(VacantRoles::Retain)).unwrap();
    assert_eq!(
        (s.amount_of("ana"), s.amount_of("bo"), s.retained),
        (dec!(400.00), dec!(300.00), dec!(300.00))
    );
}

#[test]
fn retained_is_last_in_ties() {
    // 0.01 over AR 1 (ana) and a vacant role of weight 1: a tie, ana wins.
    let request = SplitRequest::new(dec!(0.01), half_year())
        .role("AR", dec!(1))
        .role("FR", dec!(1))
        .vacant_roles(VacantRoles::Retain)
        .member(Member::new("ana", "AR", dec!(1)));
    let s = split(&request).unwrap();
    assert_eq!((s.amount_of("ana"), s.retained), (dec!(0.01), dec!(0.00)));
}

#[test]
fn one_person_in_two_roles() {
    let request = triangle(dec!(1000.00))
        .member(Member::new("ana", "AR", dec!(1)))
        .member(Member::new("bo", "SR", dec!(1)))
        .member(Member::new("bo", "FR", dec!(1)))
        .member(Member::new("cy", "FR", dec!(1)));
    let s = split(&request).unwrap();
    let bo = s.person("bo").unwrap();
    assert_eq!(bo.amount, dec!(450.00));
    let roles: Vec<_> = bo.lines.iter().map(|l| (&*l.role, l.amount)).collect();
    assert_eq!(roles, [("FR", dec!(150.00)), ("SR", dec!(300.00))]);
    assert_eq!(s.people.len(), 3);
}

#[test]
fn rounding_once_over_all_lines() {
    // Three equal AR members share 400.00: 133.34, 133.33, 133.33. The cent
    // goes to the smallest id, whatever the input order.
    let a = triangle(dec!(1000.00))
        .member(Member::new("c", "AR", dec!(1)))
        .member(Member::new("a", "AR", dec!(1)))
        .member(Member::new("b", "AR", dec!(1)))
        .member(Member::new("s", "SR", dec!(1)))
        .member(Member::new("f", "FR", dec!(1)));
    let s = split(&a).unwrap();
    assert_eq!(s.amount_of("a"), dec!(133.34));
    assert_eq!(s.amount_of("b"), dec!(133.33));
    assert_eq!(s.amount_of("c"), dec!(133.33));
    assert_eq!(total(&s), dec!(1000.00));
    let mut reversed = a.clone();
    reversed.members.reverse();
    assert_eq!(split(&reversed).unwrap(), s);
}

#[test]
fn holdback_rounds_half_to_even() {
    let request = SplitRequest::new(dec!(0.40), half_year())
        .role("AR", dec!(1))
        .holdback(dec!(0.15))
        .member(Member::new("ana", "AR", dec!(1)))
        .member(Member::new("bo", "AR", dec!(3)));
    let s = split(&request).unwrap();
    // ana: 0.10 x 0.15 = 0.015 -> 0.02; bo: 0.30 x 0.15 = 0.045 -> 0.04.
    let ana = s.person("ana").unwrap();
    let bo = s.person("bo").unwrap();
    assert_eq!(
        (ana.amount, ana.held, ana.payable),
        (dec!(0.10), dec!(0.02), dec!(0.08))
    );
    assert_eq!(
        (bo.amount, bo.held, bo.payable),
        (dec!(0.30), dec!(0.04), dec!(0.26))
    );
}

#[test]
fn json_shapes_in_and_out() {
    let json = r#"{"pool": "100000.00", "scale": 2, "roles": {"AR": "40", "SR": "30", "FR": "30"},
        "window": {"start": "2026-01-01", "end": "2026-07-01"}, "prorate_by_time": true,
        "vacant_roles": "redistribute", "holdback": "0.15",
        "members": [{"id": "ana", "role": "AR", "contribution": "1", "involvement": "1",
                     "joined": "2026-01-01", "left": null},
                    {"id": "bo", "role": "SR", "contribution": "2.5"},
                    {"id": "cy", "role": "FR", "contribution": "1", "left": "2026-04-01"}]}"#;
    let request: SplitRequest = serde_json::from_str(json).unwrap();
    assert_eq!(request.members[1].involvement, dec!(1));
    let minimal: SplitRequest = serde_json::from_str(
        r#"{"pool": "1.00", "roles": {"AR": "1"},
            "window": {"start": "2026-01-01", "end": "2026-01-02"},
            "members": [{"id": "ana", "role": "AR", "contribution": "1"}]}"#,
    )
    .unwrap();
    assert_eq!(minimal.scale, 2);
    assert!(minimal.prorate_by_time);
    assert_eq!(minimal.vacant_roles, VacantRoles::Redistribute);
    assert_eq!(minimal.holdback, dec!(0));
    // Typos are refused, not ignored.
    assert!(serde_json::from_str::<SplitRequest>(
        r#"{"pool": "1.00", "roles": {}, "window": {"start": "2026-01-01", "end": "2026-01-02"},
            "members": [], "hold_back": "0.1"}"#
    )
    .is_err());

    let s = split(&request).unwrap();
    let out = serde_json::to_value(&s).unwrap();
    assert_eq!(out["pool"], "100000.00");
    assert_eq!(out["retained"], "0.00");
    assert_eq!(out["people"][0]["id"], "ana");
    assert_eq!(out["people"][0]["amount"], "40000.00");
    assert_eq!(out["people"][0]["held"], "6000.00");
    assert_eq!(out["people"][0]["payable"], "34000.00");
    let line = &out["people"][0]["lines"][0];
    assert_eq!(line["role"], "AR");
    for field in [
        "amount",
        "role_share",
        "contribution",
        "involvement",
        "participation",
        "exact_share",
        "adjustment",
    ] {
        assert!(line[field].is_string(), "{field} is a string");
    }
    assert_eq!(line["days"], 181);
    assert_eq!(
        out["people"][2]["lines"][0]["participation"],
        "0.4972375690607734806629834254"
    );
    // Round trip.
    let back: ltc_incentive::Split = serde_json::from_value(out).unwrap();
    assert_eq!(back, s);
    let again: SplitRequest =
        serde_json::from_str(&serde_json::to_string(&request).unwrap()).unwrap();
    assert_eq!(again, request);
}

#[test]
fn every_refusal_is_precise() {
    let ok = || triangle(dec!(100.00)).member(Member::new("ana", "AR", dec!(1)));
    let cases: Vec<(SplitRequest, Error)> = vec![
        (
            ok().pool(dec!(-1.00)),
            Error::NegativePool { pool: dec!(-1.00) },
        ),
        (
            ok().pool(dec!(1.001)),
            Error::PoolFinerThanMinorUnit {
                pool: dec!(1.001),
                scale: 2,
            },
        ),
        (
            ok().role("SR", dec!(-30)),
            Error::NegativeRoleWeight {
                role: "SR".into(),
                weight: dec!(-30),
            },
        ),
        (
            ok().member(Member::new("bo", "XX", dec!(1))),
            Error::UnknownRole {
                member: "bo".into(),
                role: "XX".into(),
            },
        ),
        (
            ok().member(Member::new("ana", "AR", dec!(2))),
            Error::DuplicateMember {
                member: "ana".into(),
                role: "AR".into(),
            },
        ),
        (
            ok().member(Member::new("bo", "SR", dec!(-1))),
            Error::NegativeContribution {
                member: "bo".into(),
                role: "SR".into(),
                contribution: dec!(-1),
            },
        ),
        (
            ok().member(Member::new("bo", "SR", dec!(1)).involvement(dec!(1.01))),
            Error::InvolvementOutOfRange {
                member: "bo".into(),
                role: "SR".into(),
                involvement: dec!(1.01),
            },
        ),
        (
            ok().member(Member::new("bo", "SR", dec!(1)).involvement(dec!(-0.5))),
            Error::InvolvementOutOfRange {
                member: "bo".into(),
                role: "SR".into(),
                involvement: dec!(-0.5),
            },
        ),
        (
            ok().member(
                Member::new("bo", "SR", dec!(1))
                    .joined(d(3, 1))
                    .left(d(2, 1)),
            ),
            Error::LeftBeforeJoined {
                member: "bo".into(),
                role: "SR".into(),
                joined: d(3, 1),
                left: d(2, 1),
            },
        ),
        (
            SplitRequest {
                window: Window::new(d(2, 1), d(2, 1)),
                ..ok()
            },
            Error::EmptyWindow {
                start: d(2, 1),
                end: d(2, 1),
            },
        ),
        (
            ok().holdback(dec!(1.5)),
            Error::HoldbackOutOfRange {
                holdback: dec!(1.5),
            },
        ),
        (
            ok().holdback(dec!(-0.1)),
            Error::HoldbackOutOfRange {
                holdback: dec!(-0.1),
            },
        ),
        (triangle(dec!(100.00)), Error::NoPositiveWeight),
        (
            triangle(dec!(100.00)).member(Member::new("ana", "AR", dec!(1)).involvement(dec!(0))),
            Error::NoPositiveWeight,
        ),
        (
            triangle(dec!(100.00)).member(Member::new("ana", "AR", dec!(1)).left(d(1, 1))),
            Error::NoPositiveWeight,
        ),
        (
            triangle(dec!(100.00))
                .role("AR", dec!(0))
                .member(Member::new("ana", "AR", dec!(1))),
            Error::NoActiveRole,
        ),
        (ok().scale(29), Error::ScaleOutOfRange { scale: 29 }),
    ];
    for (request, expected) in cases {
        let code = expected.code();
        assert_eq!(split(&request), Err(expected), "{code}");
    }
}

#[test]
fn zero_pool_and_precision_extremes() {
    let s = split(&triangle(dec!(0)).member(Member::new("ana", "AR", dec!(1)))).unwrap();
    assert_eq!((s.pool, s.amount_of("ana")), (dec!(0.00), dec!(0.00)));
    // Contributions and involvements with 28 decimals still split exactly.
    let request = triangle(dec!(1000.00))
        .member(Member::new(
            "ana",
            "AR",
            "0.3333333333333333333333333333".parse().unwrap(),
        ))
        .member(
            Member::new(
                "al",
                "AR",
                "12345678901234567890.123456789".parse().unwrap(),
            )
            .involvement("0.0000000000000000000000000007".parse().unwrap()),
        )
        .member(Member::new("bo", "SR", Decimal::MAX))
        .member(Member::new("cy", "FR", dec!(1)).joined(d(6, 30)));
    let s = split(&request).unwrap();
    assert_eq!(total(&s), dec!(1000.00));
    // A pool too large for its minor units is an overflow, not a panic.
    let e = split(&triangle(Decimal::MAX).member(Member::new("ana", "AR", dec!(1)))).unwrap_err();
    assert_eq!(e.code(), "overflow");
}

#[test]
fn the_first_refusal_in_input_order_is_reported() {
    let base = || triangle(dec!(100.00));
    // Two duplicates: the one met first in the input is reported, not the smaller id.
    let twice = base()
        .member(Member::new("zed", "AR", dec!(1)))
        .member(Member::new("zed", "AR", dec!(1)))
        .member(Member::new("amy", "SR", dec!(1)))
        .member(Member::new("amy", "SR", dec!(1)));
    assert_eq!(
        split(&twice).unwrap_err(),
        Error::DuplicateMember {
            member: "zed".into(),
            role: "AR".into()
        }
    );
    // A refusal of an earlier member comes before a later duplicate...
    let unknown_first = base()
        .member(Member::new("amy", "AR", dec!(1)))
        .member(Member::new("bo", "QA", dec!(1)))
        .member(Member::new("amy", "AR", dec!(1)));
    assert_eq!(split(&unknown_first).unwrap_err().code(), "unknown_role");
    // ...and a duplicate before a later member's refusal.
    let duplicate_first = base()
        .member(Member::new("amy", "AR", dec!(1)))
        .member(Member::new("amy", "AR", dec!(1)))
        .member(Member::new("bo", "QA", dec!(1)));
    assert_eq!(
        split(&duplicate_first).unwrap_err().code(),
        "duplicate_member"
    );
}
