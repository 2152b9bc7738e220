//! Service levels: the traffic light and what is due.

use crate::elapsed::{Elapsed, SECONDS_PER_DAY};
use crate::error::Error;
use crate::replay::{replay, LevelsCache, Replayed};
use chrono::{DateTime, Duration, Utc};
use ltc_pipeline::objects_only;
use ltc_pipeline::{
    ConditionId, DealId, Event, GateKind, InvoiceId, Money, PersonId, Processes, Role, StageKind,
    Stint,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// How service levels are read, beyond what the process definition says.
///
/// ```
/// use ltc_analytics::Settings;
/// use rust_decimal::Decimal;
/// let s = Settings::default();
/// assert_eq!(s.amber_share, Decimal::new(8, 1));
/// assert!(Settings { amber_share: Decimal::new(15, 1), ..s }.validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Settings {
    /// The share of a service level after which a deal is amber, in (0, 1]; default 0.8.
    #[serde(
        with = "ltc_pipeline::serde_strict::decimal",
        default = "default_share"
    )]
    pub amber_share: Decimal,
    /// The roles that own a signed contract: they are told of overdue invoices, conditions and
    /// closures, and owe a closure recommendation when they leave it; default `["AR"]`.
    #[serde(default = "default_owners")]
    pub owner_roles: Vec<Role>,
}

objects_only!(Settings);

fn default_share() -> Decimal {
    Decimal::new(8, 1)
}

fn default_owners() -> Vec<Role> {
    vec![Role::ar()]
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            amber_share: default_share(),
            owner_roles: default_owners(),
        }
    }
}

impl Settings {
    /// Checks the amber share.
    ///
    /// # Errors
    /// [`Error::InvalidAmberShare`] unless `0 < amber_share <= 1`.
    pub fn validate(&self) -> Result<(), Error> {
        if self.amber_share <= Decimal::ZERO || self.amber_share > Decimal::ONE {
            return Err(Error::InvalidAmberShare {
                share: self.amber_share,
            });
        }
        Ok(())
    }
}

/// Green, amber or red; ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    /// Within the amber share of the service level, or no service level.
    Green,
    /// Past the amber share, not past the service level.
    Amber,
    /// Past the service level.
    Red,
}

impl Light {
    /// The light for `elapsed` against a service level of `days` (none: green).
    ///
    /// Red when `elapsed > days`, amber when `elapsed > share x days`, both exact to the second.
    ///
    /// ```
    /// use ltc_analytics::{Elapsed, Light};
    /// use rust_decimal::Decimal;
    /// let share = Decimal::new(8, 1);
    /// let day = 86_400;
    /// assert_eq!(Light::of(Elapsed::from_seconds(8 * day), Some(10), share), Light::Green);
    /// assert_eq!(Light::of(Elapsed::from_seconds(8 * day + 1), Some(10), share), Light::Amber);
    /// assert_eq!(Light::of(Elapsed::from_seconds(10 * day + 1), Some(10), share), Light::Red);
    /// assert_eq!(Light::of(Elapsed::from_seconds(99 * day), None, share), Light::Green);
    /// ```
    pub fn of(elapsed: Elapsed, days: Option<u32>, share: Decimal) -> Light {
        let Some(days) = days else {
            return Light::Green;
        };
        let limit = i64::from(days) * SECONDS_PER_DAY;
        let seconds = Decimal::from(elapsed.seconds);
        if elapsed.seconds > limit {
            Light::Red
        } else if share
            .checked_mul(Decimal::from(limit))
            .is_some_and(|amber| seconds > amber)
        {
            Light::Amber
        } else {
            Light::Green
        }
    }

    /// `green`, `amber` or `red`.
    pub fn as_str(self) -> &'static str {
        match self {
            Light::Green => "green",
            Light::Amber => "amber",
            Light::Red => "red",
        }
    }
}

/// What a reading measures: the time in a stage or a convened gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    remote = "Self",
    deny_unknown_fields,
    tag = "type",
    content = "name",
    rename_all = "snake_case"
)]
pub enum Subject {
    /// Time in the current stage.
    Stage(StageKind),
    /// Time since the open gate meeting was convened.
    Gate(GateKind),
}

objects_only!(Subject);

/// One measurement against a service level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Reading {
    /// What is measured.
    pub subject: Subject,
    /// Since when.
    pub since: DateTime<Utc>,
    /// From `since` to `now`.
    pub elapsed: Elapsed,
    /// The service level, if the process sets one.
    pub service_level_days: Option<u32>,
    /// The light.
    pub light: Light,
}

objects_only!(Reading);

/// The traffic light of an open deal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct DealLight {
    /// The deal.
    pub deal: DealId,
    /// The customer.
    pub customer: String,
    /// The stage at `now`.
    pub stage: StageKind,
    /// When the lead was captured.
    pub opened_at: DateTime<Utc>,
    /// The deal's age: from the lead's capture to `now`.
    pub age: Elapsed,
    /// The worst of the readings.
    pub light: Light,
    /// The stage reading, then the open gate's reading if a gate is convened.
    pub readings: Vec<Reading>,
}

objects_only!(DealLight);

/// Something due on a deal at `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Due {
    /// The deal.
    pub deal: DealId,
    /// What is due.
    pub kind: DueKind,
    /// Since when it is due.
    pub since: DateTime<Utc>,
    /// Who should act (see [`DueKind`]).
    pub who: Vec<PersonId>,
}

objects_only!(Due);

/// The kinds of things due. Unless stated otherwise, `who` is the current holders of the owner
/// roles ([`Settings::owner_roles`]), or every current member when no owner is on the team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    remote = "Self",
    deny_unknown_fields,
    tag = "type",
    rename_all = "snake_case"
)]
pub enum DueKind {
    /// A convened gate is past its service level: escalate. Since: convened + the service level.
    /// `who` is the convener.
    GateOverdue {
        /// The gate.
        gate: GateKind,
        /// Which attempt.
        attempt: u32,
        /// When it was convened.
        convened_at: DateTime<Utc>,
        /// The gate's service level.
        service_level_days: u32,
    },
    /// An open condition is past its due date. Since: the due date.
    ConditionOverdue {
        /// The condition.
        condition: ConditionId,
        /// The gate that attached it.
        gate: GateKind,
    },
    /// An invoice is not fully paid past its due date. Since: the due date.
    InvoiceOverdue {
        /// The invoice.
        invoice: InvoiceId,
        /// What is still to be collected.
        outstanding: Money,
    },
    /// The contract reached a reminder age (the latest one reached). Since: signature + the age.
    ClosureReminder {
        /// The age, in days since signature.
        age_days: u32,
        /// When the contract was signed.
        signed_at: DateTime<Utc>,
    },
    /// The contract may now be closed by force. Since: the last event + the inactivity period.
    ForcedClosure {
        /// The last event on the deal.
        last_activity: DateTime<Utc>,
        /// The process's inactivity period, in days.
        after_days: u32,
    },
    /// An owner left the signed contract without a closure recommendation. Since: when they left.
    /// `who` is that person.
    RecommendationOwed {
        /// Who left.
        person: PersonId,
        /// Which owner role.
        role: Role,
    },
}

objects_only!(DueKind);

impl DueKind {
    /// The kind's snake_case name.
    pub fn name(&self) -> &'static str {
        match self {
            DueKind::GateOverdue { .. } => "gate_overdue",
            DueKind::ConditionOverdue { .. } => "condition_overdue",
            DueKind::InvoiceOverdue { .. } => "invoice_overdue",
            DueKind::ClosureReminder { .. } => "closure_reminder",
            DueKind::ForcedClosure { .. } => "forced_closure",
            DueKind::RecommendationOwed { .. } => "recommendation_owed",
        }
    }
}

/// `at` plus `n` days; `None` past the end of time (then it is never due).
fn plus_days(at: DateTime<Utc>, n: u32) -> Option<DateTime<Utc>> {
    at.checked_add_signed(Duration::try_seconds(
        i64::from(n).checked_mul(SECONDS_PER_DAY)?,
    )?)
}

impl Replayed {
    pub(crate) fn light(&self, settings: &Settings) -> Option<DealLight> {
        if self.ending().is_some() {
            return None;
        }
        let stage = self.stage();
        let since = self.deal.stage_since().unwrap_or(self.now);
        let reading = |subject, since, sl| {
            let elapsed = Elapsed::between(since, self.now);
            Reading {
                subject,
                since,
                elapsed,
                service_level_days: sl,
                light: Light::of(elapsed, sl, settings.amber_share),
            }
        };
        let mut readings = vec![reading(
            Subject::Stage(stage),
            since,
            self.levels.stage(stage),
        )];
        if let Some(m) = self.deal.meeting() {
            let sl = self.levels.gate(m.gate);
            readings.push(reading(Subject::Gate(m.gate), m.convened_at, sl));
        }
        Some(DealLight {
            deal: self.id().clone(),
            customer: self.deal.customer().to_owned(),
            stage,
            opened_at: self.opened_at(),
            age: Elapsed::between(self.opened_at(), self.now),
            light: readings
                .iter()
                .map(|r| r.light)
                .max()
                .unwrap_or(Light::Green),
            readings,
        })
    }

    /// The current holders of the owner roles, or every current member when there is none.
    fn owners(&self, settings: &Settings) -> Vec<PersonId> {
        let team = self.deal.team();
        let owners: BTreeSet<PersonId> = team
            .current()
            .filter(|s| settings.owner_roles.contains(&s.role))
            .map(|s| s.person.clone())
            .collect();
        if !owners.is_empty() {
            return owners.into_iter().collect();
        }
        let all: BTreeSet<PersonId> = team.current().map(|s| s.person.clone()).collect();
        all.into_iter().collect()
    }

    pub(crate) fn due(&self, settings: &Settings) -> Vec<Due> {
        if self.ending().is_some() {
            return Vec::new();
        }
        let now = self.now;
        let deal = &self.deal;
        let owners = self.owners(settings);
        let mut out = Vec::new();
        let mut push = |kind, since, who: Vec<PersonId>| {
            out.push(Due {
                deal: self.id().clone(),
                kind,
                since,
                who,
            })
        };
        if let Some(m) = deal.meeting() {
            if let Some(sl) = self.levels.gate(m.gate) {
                let since = plus_days(m.convened_at, sl);
                if let Some(since) = since.filter(|s| now > *s) {
                    push(
                        DueKind::GateOverdue {
                            gate: m.gate,
                            attempt: m.attempt,
                            convened_at: m.convened_at,
                            service_level_days: sl,
                        },
                        since,
                        vec![m.convened_by.clone()],
                    );
                }
            }
        }
        for (id, c) in deal.conditions() {
            if let (None, Some(due)) = (&c.closed, c.spec.due) {
                if now > due {
                    push(
                        DueKind::ConditionOverdue {
                            condition: id.clone(),
                            gate: c.gate,
                        },
                        due,
                        owners.clone(),
                    );
                }
            }
        }
        let Some(contract) = deal.contract() else {
            out.sort_by(order);
            return out;
        };
        for (id, invoice) in &contract.invoices {
            if let Some(due) = invoice.due {
                if now > due && invoice.outstanding() > Decimal::ZERO {
                    push(
                        DueKind::InvoiceOverdue {
                            invoice: id.clone(),
                            outstanding: Money {
                                amount: invoice.outstanding(),
                                currency: contract.value.currency,
                            },
                        },
                        due,
                        owners.clone(),
                    );
                }
            }
        }
        let levels = &self.levels;
        let reminder = levels
            .closure_reminder_days
            .iter()
            .copied()
            .filter_map(|age| Some((age, plus_days(contract.signed_at, age)?)))
            .filter(|(_, at)| *at <= now)
            .max();
        if let Some((age, since)) = reminder {
            push(
                DueKind::ClosureReminder {
                    age_days: age,
                    signed_at: contract.signed_at,
                },
                since,
                owners.clone(),
            );
        }
        if let Some(last) = deal.last_event_at() {
            let after = levels.forced_closure_after_days;
            if let Some(since) = plus_days(last, after).filter(|s| *s <= now) {
                push(
                    DueKind::ForcedClosure {
                        last_activity: last,
                        after_days: after,
                    },
                    since,
                    owners.clone(),
                );
            }
        }
        for role in &settings.owner_roles {
            // Each person's latest stint in the role (stints are kept in the order they began),
            // in one pass, by person.
            let mut latest: BTreeMap<&PersonId, &Stint> = BTreeMap::new();
            for stint in deal.team().stints().iter().filter(|s| &s.role == role) {
                latest.insert(&stint.person, stint);
            }
            for (person, stint) in latest {
                if let Some(left) = stint.left {
                    if left >= contract.signed_at && stint.closure_recommendation.is_none() {
                        push(
                            DueKind::RecommendationOwed {
                                person: person.clone(),
                                role: role.clone(),
                            },
                            left,
                            vec![person.clone()],
                        );
                    }
                }
            }
        }
        out.sort_by(order);
        out
    }
}

fn order(a: &Due, b: &Due) -> std::cmp::Ordering {
    (a.since, &a.deal, a.kind.name()).cmp(&(b.since, &b.deal, b.kind.name()))
}

/// The traffic light of one deal as of `now`; `None` once the deal has ended.
///
/// The deal is read twice: its time in the current stage against the stage's service level, and,
/// while a gate is convened, the time since convening against the gate's. Its light is the worse.
///
/// # Errors
/// [`Error::InvalidAmberShare`] for bad settings; otherwise as
/// [`deal_figures`](super::deal_figures).
///
/// # Examples
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use ltc_analytics::{deal_light, Light, Settings};
/// use ltc_pipeline::{Command, Deal, DealId, Process};
/// let process = Process::standard(); // a captured lead may wait 7 days
/// let mut deal = Deal::new(DealId::new("D-1"));
/// let t0 = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
/// let log = deal.execute(&process, &Command::CaptureLead {
///     customer: "ACME".into(), source: "web".into(), estimate: None }, &"ops".into(), t0)?;
/// let at = |d| deal_light(&log, &process, t0 + Duration::days(d), &Settings::default());
/// assert_eq!(at(5)?.map(|l| l.light), Some(Light::Green));
/// assert_eq!(at(6)?.map(|l| l.light), Some(Light::Amber));
/// assert_eq!(at(8)?.map(|l| l.light), Some(Light::Red));
/// # Ok::<(), ltc_analytics::Error>(())
/// ```
pub fn deal_light<P: Processes + ?Sized>(
    events: &[Event],
    process: &P,
    now: DateTime<Utc>,
    settings: &Settings,
) -> Result<Option<DealLight>, Error> {
    settings.validate()?;
    let deal =
        replay(events, process, now, &mut LevelsCache::default())?.ok_or(Error::NotOpened)?;
    Ok(deal.light(settings))
}

/// What is due on one deal at `now`, oldest first; empty for a deal that has ended.
///
/// See [`DueKind`] for each kind, when it becomes due and who should act.
///
/// # Errors
/// [`Error::InvalidAmberShare`] for bad settings; otherwise as
/// [`deal_figures`](super::deal_figures).
///
/// # Examples
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use ltc_analytics::{deal_due, Settings};
/// use ltc_pipeline::{Command, Deal, DealId, Process};
/// let process = Process::standard();
/// let mut deal = Deal::new(DealId::new("D-1"));
/// let t0 = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
/// let log = deal.execute(&process, &Command::CaptureLead {
///     customer: "ACME".into(), source: "web".into(), estimate: None }, &"ops".into(), t0)?;
/// assert!(deal_due(&log, &process, t0 + Duration::days(30), &Settings::default())?.is_empty());
/// # Ok::<(), ltc_analytics::Error>(())
/// ```
pub fn deal_due<P: Processes + ?Sized>(
    events: &[Event],
    process: &P,
    now: DateTime<Utc>,
    settings: &Settings,
) -> Result<Vec<Due>, Error> {
    settings.validate()?;
    let deal =
        replay(events, process, now, &mut LevelsCache::default())?.ok_or(Error::NotOpened)?;
    Ok(deal.due(settings))
}

/// The lights of `deals` that are open, worst first, then by deal.
pub(crate) fn lights<'a>(
    deals: impl Iterator<Item = &'a Replayed>,
    settings: &Settings,
) -> Result<Vec<DealLight>, Error> {
    settings.validate()?;
    let mut out: Vec<DealLight> = deals.filter_map(|d| d.light(settings)).collect();
    out.sort_by(|a, b| b.light.cmp(&a.light).then_with(|| a.deal.cmp(&b.deal)));
    Ok(out)
}

/// What is due on `deals`, oldest first (then by deal and kind).
pub(crate) fn due<'a>(
    deals: impl Iterator<Item = &'a Replayed>,
    settings: &Settings,
) -> Result<Vec<Due>, Error> {
    settings.validate()?;
    let mut out: Vec<Due> = deals.flat_map(|d| d.due(settings)).collect();
    out.sort_by(order);
    Ok(out)
}

impl fmt::Display for DueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DueKind::GateOverdue {
                gate,
                attempt,
                service_level_days,
                ..
            } => write!(
                f,
                "{gate} (attempt {attempt}) undecided past {service_level_days} days: escalate"
            ),
            DueKind::ConditionOverdue { condition, gate } => {
                write!(f, "condition {condition} of {gate} past its due date")
            }
            DueKind::InvoiceOverdue {
                invoice,
                outstanding,
            } => write!(
                f,
                "invoice {invoice} unpaid past its due date: {outstanding} outstanding"
            ),
            DueKind::ClosureReminder { age_days, .. } => {
                write!(f, "contract {age_days} days old: consider closing it")
            }
            DueKind::ForcedClosure { after_days, .. } => {
                write!(
                    f,
                    "no activity for {after_days} days: may be closed by force"
                )
            }
            DueKind::RecommendationOwed { person, role } => {
                write!(f, "{person} left {role} without a closure recommendation")
            }
        }
    }
}

impl fmt::Display for DealLight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} ({}):",
            self.deal,
            self.light.as_str(),
            self.customer
        )?;
        for r in &self.readings {
            let what = match r.subject {
                Subject::Stage(s) => s.to_string(),
                Subject::Gate(g) => g.to_string(),
            };
            match r.service_level_days {
                Some(sl) => write!(f, " {what} {} of {sl} days", r.elapsed.days)?,
                None => write!(f, " {what} {} days", r.elapsed.days)?,
            }
        }
        Ok(())
    }
}
