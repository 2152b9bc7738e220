//! `proptest` strategies for valid inputs (feature `proptest`), so
//! integrators can property-test their payroll code against this crate.
//!
//! Every value generated is accepted by the function it is meant for:
//! [`split_request`] by [`split`](crate::split), [`weights`] and [`amount`]
//! by [`allocate`](crate::allocate), [`payment_history`] and [`pool_rule`]
//! by [`tranches`](crate::tranches); [`plan`], [`plan_version`] and [`rate_table`] by
//! [`Plan::validate`](crate::Plan::validate), [`won_deal`] by
//! [`WonDeal::validate`](crate::WonDeal::validate), [`statement_request`] by
//! [`statement`](crate::statement).
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

use crate::{
    Basis, Caps, CreditOn, Draw, DrawKind, Holdback, ManualAdjustment, Member, Method, Payment,
    Period, Plan, PlanVersion, PoolRule, Receipt, Reversal, SplitRequest, SplitShare,
    StatementRequest, TeamSplit, Tier, VacantRoles, Window, WonDeal,
};

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
                    .into(),
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

/// A day of 2026 from January 1, `k` days on (clamped to the year).
fn day(k: u64) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    first
        .checked_add_days(Days::new(k.min(364)))
        .unwrap_or(first)
}

/// The first `n` months of 2026 as open periods `2026-01`, `2026-02`, ... (at most 12).
#[must_use]
pub fn months(n: u32) -> Vec<Period> {
    (1..=n.clamp(1, 12))
        .map(|m| {
            let start = NaiveDate::from_ymd_opt(2026, m, 1).unwrap_or_default();
            let end = if m == 12 {
                NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or_default()
            } else {
                NaiveDate::from_ymd_opt(2026, m + 1, 1).unwrap_or_default()
            };
            Period::new(format!("2026-{m:02}"), start, end)
        })
        .collect()
}

/// A rate table of one to four tiers, the first from attainment 0, then at attainments up to
/// 3 in steps of hundredths; rates up to 30% with four decimals, never decreasing from tier to
/// tier when `nondecreasing`.
pub fn rate_table(nondecreasing: bool) -> impl Strategy<Value = Vec<Tier>> {
    proptest::collection::vec((1i64..=100, 0i64..=3_000), 1..=4).prop_map(move |steps| {
        let mut from = 0i64;
        let mut rates: Vec<i64> = steps.iter().map(|&(_, r)| r).collect();
        if nondecreasing {
            rates.sort_unstable();
        }
        steps
            .iter()
            .zip(rates)
            .enumerate()
            .map(|(i, (&(step, _), rate))| {
                if i > 0 {
                    from += step;
                }
                Tier::new(Decimal::new(from, 2), Decimal::new(rate, 4))
            })
            .collect()
    })
}

/// A valid plan version numbered `number`, effective on the first day of one of the first six
/// months (January for number 1), published between early December 2025 and July 2026: a
/// quota from 10.00 to 1,000,000.00, either method, a rate table ([`rate_table`]), and
/// optionally a floor, caps, a draw of either kind, a guarantee and a holdback.
pub fn plan_version(number: u32, nondecreasing: bool) -> impl Strategy<Value = PlanVersion> {
    (
        (0u32..6, 0u64..=240, 1_000i64..=100_000_000, any::<bool>()),
        rate_table(nondecreasing),
        (
            proptest::option::of(0i64..=100),
            proptest::option::of(0i64..=1_000_000),
            proptest::option::of(0i64..=3_000_000),
        ),
        (
            proptest::option::of((
                any::<bool>(),
                0i64..=500_000,
                proptest::option::of(0i64..=200_000),
            )),
            proptest::option::of(0i64..=300_000),
            proptest::option::of((0i64..=30, 1u32..=3)),
        ),
    )
        .prop_map(
            move |((month, published, quota, marginal), tiers, (floor, deal, period), extras)| {
                let (draw, guarantee, holdback) = extras;
                let month = if number == 1 { 0 } else { month };
                let effective = NaiveDate::from_ymd_opt(2026, month + 1, 1).unwrap_or_default();
                let published = NaiveDate::from_ymd_opt(2025, 12, 1)
                    .and_then(|d| d.checked_add_days(Days::new(published)))
                    .unwrap_or(effective);
                let method = if marginal {
                    Method::Marginal
                } else {
                    Method::Retroactive
                };
                let mut v = PlanVersion::new(number, effective, Decimal::new(quota, 2), method)
                    .published(published)
                    .caps(Caps {
                        deal: deal.map(|c| Decimal::new(c, 2)),
                        period: period.map(|c| Decimal::new(c, 2)),
                    });
                v.rate_table = tiers;
                v.floor = floor.map(|f| Decimal::new(f, 2));
                v.draw = draw.map(|(recoverable, amount, limit)| Draw {
                    kind: if recoverable {
                        DrawKind::Recoverable
                    } else {
                        DrawKind::NonRecoverable
                    },
                    amount: Decimal::new(amount, 2),
                    limit: if recoverable {
                        limit.map(|l| Decimal::new(l, 2))
                    } else {
                        None
                    },
                });
                v.guarantee = guarantee.map(|g| Decimal::new(g, 2));
                v.holdback = holdback.map(|(rate, after)| Holdback {
                    rate: Decimal::new(rate, 2),
                    release_after: after,
                });
                v
            },
        )
}

/// A valid plan of one to three versions ([`plan_version`]), crediting on either basis.
pub fn plan() -> impl Strategy<Value = Plan> {
    (
        plan_version(1, false),
        proptest::option::of(plan_version(2, false)),
        proptest::option::of(plan_version(3, false)),
        any::<bool>(),
    )
        .prop_map(|(first, second, third, cash)| Plan {
            id: "plan".to_owned(),
            scale: 2,
            credit_on: if cash {
                CreditOn::Cash
            } else {
                CreditOn::Signature
            },
            versions: std::iter::once(first).chain(second).chain(third).collect(),
        })
}

/// Revenue shares of one to four people that total exactly 1, in ten-thousandths.
fn revenue_shares() -> impl Strategy<Value = Vec<SplitShare>> {
    proptest::collection::vec(1u32..=1_000, 1..=4).prop_map(|weights| {
        let total: u32 = weights.iter().sum();
        let mut left = 10_000i64;
        let n = weights.len();
        weights
            .iter()
            .enumerate()
            .map(|(i, &w)| {
                let part = if i + 1 == n {
                    left
                } else {
                    i64::from(w) * 10_000 / i64::from(total.max(1))
                };
                left -= part;
                let person = ["ana", "bo", "cy", "dan"].get(i).copied().unwrap_or("ana");
                SplitShare::revenue(person, Decimal::new(part, 4))
            })
            .collect()
    })
}

/// A valid won deal `id` for a plan crediting `on`: signed in the first half of 2026 (value up
/// to 200,000.00), entered up to ten days later; revenue shared by splits totalling exactly 1
/// or by a team of ana, bo and cy; maybe an overlay share for sam; up to three receipts, and
/// reversals that never exceed what they reverse, each entered up to ten days after its date.
pub fn won_deal(id: String, on: CreditOn) -> impl Strategy<Value = WonDeal> {
    (
        (0u64..=180, 0u64..=10, 0i64..=20_000_000, any::<bool>()),
        revenue_shares(),
        proptest::option::of(0i64..=100),
        proptest::collection::vec((0u64..=60, 1i64..=8_000_000, 0u64..=10), 0..=3),
        proptest::collection::vec((0u64..=40, 0i64..=100, 0u64..=10), 0..=2),
    )
        .prop_map(
            move |((signed, late, value, team), shares, overlay, receipts, reversals)| {
                let signed_on = day(signed);
                let mut deal = WonDeal::new(id.clone(), Decimal::new(value, 2), signed_on)
                    .recorded(day(signed + late));
                if team {
                    deal = deal.team(TeamSplit {
                        roles: [("AR", 40), ("SR", 30), ("FR", 30)]
                            .into_iter()
                            .map(|(r, w)| (r.to_owned(), Decimal::from(w)))
                            .collect(),
                        window: window(),
                        prorate_by_time: true,
                        members: vec![
                            Member::new("ana", "AR", Decimal::ONE),
                            Member::new("bo", "SR", Decimal::ONE),
                            Member::new("cy", "FR", Decimal::TWO),
                        ],
                    });
                } else {
                    deal.splits = shares;
                }
                if let Some(o) = overlay {
                    deal.splits
                        .push(SplitShare::overlay("sam", Decimal::new(o, 2)));
                }
                // Receipts within the deal's value, dated from the signature to the last day
                // of the six months.
                let mut sources: Vec<(String, NaiveDate, i64)> = Vec::new();
                let mut unpaid = value;
                for (k, (after, cents, late)) in receipts.into_iter().enumerate() {
                    let cents = cents.min(unpaid);
                    if cents <= 0 {
                        continue;
                    }
                    unpaid -= cents;
                    let after = after.min(180u64.saturating_sub(signed));
                    let date = day(signed + after);
                    let id = format!("R-{k}");
                    sources.push((id.clone(), date, cents));
                    deal.receipts.push(Receipt {
                        id,
                        date,
                        amount: Decimal::new(cents, 2),
                        recorded: Some(day(signed + after + late)),
                    });
                }
                if on == CreditOn::Signature {
                    sources = vec![("signature".to_owned(), signed_on, value)];
                }
                let mut left: Vec<i64> = sources.iter().map(|s| s.2).collect();
                for (k, (after, percent, late)) in reversals.into_iter().enumerate() {
                    let which = k % sources.len().max(1);
                    let (Some((of, date, _)), Some(room)) =
                        (sources.get(which), left.get_mut(which))
                    else {
                        continue;
                    };
                    let cents = *room * percent / 100;
                    if cents <= 0 {
                        continue;
                    }
                    *room -= cents;
                    let date = date.checked_add_days(Days::new(after)).unwrap_or(*date);
                    deal.reversals.push(Reversal {
                        id: format!("CN-{k}"),
                        of: of.clone(),
                        date,
                        amount: Decimal::new(cents, 2),
                        reason: "credit note".to_owned(),
                        recorded: date.checked_add_days(Days::new(late)),
                    });
                }
                deal
            },
        )
}

/// A valid statement request for ana: a plan ([`plan`]), the first six months of 2026 with
/// the first few closed three days after they end, up to six deals ([`won_deal`]), up to two
/// manual adjustments, and one of the months as the period.
pub fn statement_request() -> impl Strategy<Value = StatementRequest> {
    plan()
        .prop_flat_map(|plan| {
            let on = plan.credit_on;
            (
                Just(plan),
                0usize..=5,
                proptest::collection::vec(0u32..1, 0..=6).prop_flat_map(move |slots| {
                    slots
                        .iter()
                        .enumerate()
                        .map(|(i, _)| won_deal(format!("D-{i}"), on))
                        .collect::<Vec<_>>()
                }),
                proptest::collection::vec((0u32..6, -100_000i64..=100_000, 0u64..=200), 0..=2),
                0usize..6,
            )
        })
        .prop_map(|(plan, closed, deals, manual, period)| {
            let mut periods = months(6);
            for p in periods.iter_mut().take(closed) {
                let on = p.end.checked_add_days(Days::new(3)).unwrap_or(p.end);
                *p = p.clone().closed_on(on);
            }
            let adjustments = manual
                .into_iter()
                .enumerate()
                .map(|(k, (month, cents, recorded))| ManualAdjustment {
                    id: format!("A-{k}"),
                    person: "ana".to_owned(),
                    period: format!("2026-{:02}", month + 1),
                    amount: Decimal::new(cents, 2),
                    reason: "manual".to_owned(),
                    recorded: day(recorded),
                })
                .collect();
            StatementRequest {
                plan,
                periods,
                deals,
                adjustments,
                person: Some("ana".to_owned()),
                period: format!("2026-{:02}", period + 1),
            }
        })
}
