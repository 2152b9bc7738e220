//! `proptest` strategies for valid inputs (feature `proptest`), so
//! integrators can property-test their payroll code against this crate.
//!
//! Every value generated is accepted by the function it is meant for:
//! [`split_request`] by [`split`](crate::split), [`weights`] and [`amount`]
//! by [`allocate`](crate::allocate), [`payment_history`] and [`pool_rule`]
//! by [`tranches`](crate::tranches).
//!
//! # Examples
//!
//! ```
//! use ltc_incentive::{split, strategies};
//! use proptest::prelude::*;
//!
//! proptest!(|(request in strategies::split_request())| {
//!     let result = split(&request).unwrap();
//!     let total: rust_decimal::Decimal =
//!         result.people.iter().map(|p| p.amount).sum::<rust_decimal::Decimal>() + result.retained;
//!     prop_assert_eq!(total, result.pool);
//! });
//! ```

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::{Basis, Member, Payment, PoolRule, SplitRequest, VacantRoles, Window};

/// The window used by generated requests: 2026-01-01 to 2026-07-01 (181 days).
#[must_use]
pub fn window() -> Window {
    let d = |m| NaiveDate::from_ymd_opt(2026, m, 1).unwrap_or_default();
    Window::new(d(1), d(7))
}

/// A non-negative decimal `mantissa x 10^-scale` with mantissa up to `max`
/// and scale up to `max_scale`.
pub fn decimal(max: i64, max_scale: u32) -> impl Strategy<Value = Decimal> {
    (0..=max, 0..=max_scale).prop_map(|(m, s)| Decimal::new(m, s))
}

/// An amount of whole minor units at `scale` (negative or not), up to a
/// hundred million major units.
pub fn amount(scale: u32) -> impl Strategy<Value = Decimal> {
    (-10_000_000_000i64..=10_000_000_000i64).prop_map(move |m| Decimal::new(m, scale.min(28)))
}

/// Between 1 and `max_len` non-negative weights with mixed scales, at least
/// one positive.
pub fn weights(max_len: usize) -> impl Strategy<Value = Vec<Decimal>> {
    proptest::collection::vec(
        prop_oneof![
            1 => Just(Decimal::ZERO),
            8 => decimal(1_000_000, 4),
        ],
        1..=max_len.max(1),
    )
    .prop_map(|mut ws| {
        if ws.iter().all(Decimal::is_zero) {
            if let Some(w) = ws.first_mut() {
                *w = Decimal::ONE;
            }
        }
        ws
    })
}

/// A date from two months before the window to two months after it, or none.
fn maybe_date() -> impl Strategy<Value = Option<NaiveDate>> {
    prop_oneof![
        1 => Just(None),
        1 => (0u64..=300).prop_map(|k| {
            NaiveDate::from_ymd_opt(2025, 11, 1).and_then(|d| d.checked_add_days(Days::new(k)))
        }),
    ]
}

fn member() -> impl Strategy<Value = Member> {
    (
        0..6usize,
        0..4usize,
        decimal(1_000, 2),
        decimal(100, 2),
        maybe_date(),
        maybe_date(),
    )
        .prop_map(|(id, role, contribution, involvement, a, b)| {
            let (joined, left) = match (a, b) {
                (Some(a), Some(b)) if b < a => (Some(b), Some(a)),
                other => other,
            };
            Member {
                id: ["ana", "bo", "cy", "dan", "eve", "fay"]
                    .get(id)
                    .copied()
                    .unwrap_or("ana")
                    .to_owned(),
                role: ROLES.get(role).copied().unwrap_or("AR").to_owned(),
                contribution,
                involvement: involvement.min(Decimal::ONE),
                joined,
                left,
            }
        })
}

const ROLES: [&str; 4] = ["AR", "SR", "FR", "PM"];

/// A valid split request: up to four roles (some of weight zero), up to
/// twelve members (people in several roles, late joiners, early leavers,
/// zero contributions), either vacant-role rule, proration on or off, a
/// holdback in `[0, 1]`, a pool of whole cents.
///
/// At least one member in a role of positive weight has a positive weight,
/// and no (id, role) pair repeats.
pub fn split_request() -> impl Strategy<Value = SplitRequest> {
    (
        0i64..=100_000_000,
        proptest::collection::vec(decimal(100, 1), 1..=4),
        0..4usize,
        proptest::collection::vec(member(), 0..12),
        any::<bool>(),
        any::<bool>(),
        0i64..=100,
    )
        .prop_map(
            |(pool, role_weights, anchor_role, members, prorate, retain, holdback)| {
                let roles: BTreeMap<String, Decimal> = ROLES
                    .iter()
                    .zip(role_weights.iter())
                    .map(|(r, w)| ((*r).to_owned(), *w))
                    .collect();
                let anchor_role = ROLES
                    .get(anchor_role % roles.len().max(1))
                    .copied()
                    .unwrap_or("AR")
                    .to_owned();
                let mut roles = roles;
                // The anchor's role must weigh something.
                if let Some(w) = roles.get_mut(&anchor_role) {
                    if w.is_zero() {
                        *w = Decimal::ONE;
                    }
                }
                let mut all = vec![Member::new("ana", anchor_role.clone(), Decimal::ONE)];
                all.extend(members.into_iter().filter(|m| roles.contains_key(&m.role)));
                let mut seen = BTreeSet::new();
                all.retain(|m| seen.insert((m.id.clone(), m.role.clone())));
                SplitRequest {
                    pool: Decimal::new(pool, 2),
                    scale: 2,
                    roles,
                    window: window(),
                    prorate_by_time: prorate,
                    vacant_roles: if retain {
                        VacantRoles::Retain
                    } else {
                        VacantRoles::Redistribute
                    },
                    holdback: Decimal::new(holdback, 2),
                    members: all,
                }
            },
        )
}

/// A pool rule: a contract value up to a million, a rate up to 20%, either
/// basis.
pub fn pool_rule() -> impl Strategy<Value = PoolRule> {
    (0i64..=100_000_000, 0i64..=2_000, any::<bool>()).prop_map(|(value, rate, cash)| {
        PoolRule::new(
            Decimal::new(value, 2),
            Decimal::new(rate, 4),
            if cash { Basis::Cash } else { Basis::Contract },
        )
    })
}

/// Up to `max_len` payments and refunds of whole cents on increasing dates,
/// the cash collected never going below zero (a refund never exceeds what
/// was collected before it).
pub fn payment_history(max_len: usize) -> impl Strategy<Value = Vec<Payment>> {
    proptest::collection::vec((0u64..=40, -50_000_000i64..=100_000_000), 0..=max_len).prop_map(
        |steps| {
            let mut date = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
            let mut collected: i64 = 0;
            steps
                .into_iter()
                .map(|(gap, cents)| {
                    date = date.checked_add_days(Days::new(gap)).unwrap_or(date);
                    let cents = cents.max(-collected);
                    collected += cents;
                    Payment::new(date, Decimal::new(cents, 2))
                })
                .collect()
        },
    )
}
