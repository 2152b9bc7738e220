//! The daily digest: what happened on a person's deals, what is amber or red, what is due.

use super::service::{DealLight, Due, DueKind, Light, Settings, Subject};
use super::snapshot::{Filter, Snapshot};
use chrono::{DateTime, NaiveDate, Utc};
use ltc_pipeline::objects_only;
use ltc_pipeline::{
    Change, Deal, DealId, EndKind, Error, Event, GateKind, InvoiceId, Money, Outcome, PaymentId,
    PersonId, Process, Role,
};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Something that happened on a deal, as the digest reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Happening {
    /// The deal.
    pub deal: DealId,
    /// When.
    pub at: DateTime<Utc>,
    /// Who did it.
    pub actor: PersonId,
    /// What.
    pub what: What,
}

objects_only!(Happening);

/// The kinds of happenings a digest reports. Other events (grades, votes, milestones...) are left
/// out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    remote = "Self",
    deny_unknown_fields,
    tag = "type",
    rename_all = "snake_case"
)]
pub enum What {
    /// A lead was added.
    LeadCaptured {
        /// The customer.
        customer: String,
        /// Where it came from.
        source: String,
    },
    /// Someone joined the team.
    MemberJoined {
        /// Who.
        person: PersonId,
        /// In which role.
        role: Role,
    },
    /// Someone left the team.
    MemberLeft {
        /// Who.
        person: PersonId,
        /// Which role.
        role: Role,
    },
    /// A gate was convened.
    GateConvened {
        /// The gate.
        gate: GateKind,
        /// Which attempt.
        attempt: u32,
    },
    /// A gate was decided.
    GateDecided {
        /// The gate.
        gate: GateKind,
        /// The outcome.
        outcome: Outcome,
    },
    /// The contract was signed (the contract decision approved it).
    ContractSigned {
        /// The contract value.
        value: Money,
    },
    /// An invoice was sent.
    InvoiceIssued {
        /// The invoice.
        invoice: InvoiceId,
        /// The amount.
        amount: Money,
    },
    /// Cash was collected.
    CashCollected {
        /// The payment.
        payment: PaymentId,
        /// The invoice.
        invoice: InvoiceId,
        /// The amount.
        amount: Money,
    },
    /// Cash was paid back.
    CashRefunded {
        /// The refund.
        payment: PaymentId,
        /// The amount.
        amount: Money,
    },
    /// The deal ended.
    Ended {
        /// How.
        kind: EndKind,
        /// Why.
        reason: String,
    },
}

objects_only!(What);

/// What the digest reports of `event`, just applied to `deal` (`signed_before`: whether the deal
/// had a contract before it).
pub(crate) fn happening(deal: &Deal, event: &Event, signed_before: bool) -> Option<Happening> {
    let what = match &event.change {
        Change::LeadCaptured {
            customer, source, ..
        } => What::LeadCaptured {
            customer: customer.clone(),
            source: source.clone(),
        },
        Change::MemberJoined { person, role, .. } => What::MemberJoined {
            person: person.clone(),
            role: role.clone(),
        },
        Change::MemberLeft { person, role, .. } => What::MemberLeft {
            person: person.clone(),
            role: role.clone(),
        },
        Change::GateConvened { gate, .. } => What::GateConvened {
            gate: *gate,
            attempt: deal.meeting().map_or(1, |m| m.attempt),
        },
        Change::GateDecided { gate, outcome, .. } => match deal.contract() {
            Some(c) if !signed_before => What::ContractSigned { value: c.value },
            _ => What::GateDecided {
                gate: *gate,
                outcome: *outcome,
            },
        },
        Change::InvoiceIssued { id, amount, .. } => What::InvoiceIssued {
            invoice: id.clone(),
            amount: *amount,
        },
        Change::PaymentReceived {
            id,
            invoice,
            amount,
        } => What::CashCollected {
            payment: id.clone(),
            invoice: invoice.clone(),
            amount: *amount,
        },
        Change::RefundIssued { id, amount, .. } => What::CashRefunded {
            payment: id.clone(),
            amount: *amount,
        },
        Change::Ended { kind, reason } => What::Ended {
            kind: *kind,
            reason: reason.clone(),
        },
        _ => return None,
    };
    Some(Happening {
        deal: event.deal.clone(),
        at: event.at,
        actor: event.actor.clone(),
        what,
    })
}

/// A person's digest for one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Digest {
    /// For whom.
    pub person: PersonId,
    /// The day (UTC).
    pub day: NaiveDate,
    /// The instant the lights and what is due were taken at.
    pub now: DateTime<Utc>,
    /// What happened that day on their deals, in time order.
    pub happened: Vec<Happening>,
    /// Their open deals that are amber or red, worst first.
    pub flagged: Vec<DealLight>,
    /// What is due with them among those who should act, oldest first.
    pub due: Vec<Due>,
}

objects_only!(Digest);

impl Snapshot {
    /// The digest of `person` for `day` (a UTC date), with lights and what is due as of the
    /// snapshot's `now`.
    ///
    /// - *Their deals* for `happened`: deals on which they held a stint at some instant of the day,
    ///   or on which they did something that day. Only events at or before `now` are seen.
    /// - `flagged`: amber or red open deals on which they currently hold a stint.
    /// - `due`: what is due on any deal with `person` among [`Due::who`].
    ///
    /// # Errors
    /// [`Error::InvalidAmberShare`] for bad settings.
    ///
    /// # Examples
    /// ```
    /// use chrono::{Duration, TimeZone, Utc};
    /// use ltc_analytics::{Settings, Snapshot};
    /// use ltc_pipeline::{Command, Deal, DealId, Process};
    /// let process = Process::standard();
    /// let mut deal = Deal::new(DealId::new("D-1"));
    /// let t0 = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    /// let log = deal.execute(&process, &Command::CaptureLead {
    ///     customer: "ACME".into(), source: "web".into(), estimate: None }, &"ops".into(), t0)?;
    /// let logs = [log];
    /// let snapshot = Snapshot::new(&logs, &process, t0 + Duration::hours(8))?;
    /// let digest = snapshot.digest(&process, &Settings::default(), &"ops".into(), t0.date_naive())?;
    /// assert_eq!(digest.happened.len(), 1);
    /// assert!(digest.render().contains("lead captured: ACME (web)"));
    /// # Ok::<(), ltc_pipeline::Error>(())
    /// ```
    pub fn digest(
        &self,
        process: &Process,
        settings: &Settings,
        person: &PersonId,
        day: NaiveDate,
    ) -> Result<Digest, Error> {
        settings.validate()?;
        let start = day.and_time(chrono::NaiveTime::MIN).and_utc();
        let end = day
            .succ_opt()
            .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc());
        let in_day = |at: DateTime<Utc>| at >= start && end.is_none_or(|e| at < e);
        let mut happened = Vec::new();
        let mut flagged = Vec::new();
        for deal in &self.deals {
            let on_team_that_day = deal.deal.team().stints().iter().any(|s| {
                &s.person == person
                    && end.is_none_or(|e| s.joined < e)
                    && s.left.is_none_or(|l| l > start)
            });
            let acted = deal
                .happenings
                .iter()
                .any(|h| &h.actor == person && in_day(h.at));
            if on_team_that_day || acted {
                happened.extend(deal.happenings.iter().filter(|h| in_day(h.at)).cloned());
            }
            let current = deal.deal.team().current().any(|s| &s.person == person);
            if current {
                if let Some(light) = deal.light(process, settings) {
                    if light.light > Light::Green {
                        flagged.push(light);
                    }
                }
            }
        }
        happened.sort_by(|a, b| (a.at, &a.deal).cmp(&(b.at, &b.deal)));
        flagged.sort_by(|a, b| b.light.cmp(&a.light).then_with(|| a.deal.cmp(&b.deal)));
        let due = self
            .due(process, settings, &Filter::default())?
            .into_iter()
            .filter(|d| d.who.contains(person))
            .collect();
        Ok(Digest {
            person: person.clone(),
            day,
            now: self.now,
            happened,
            flagged,
            due,
        })
    }
}

impl fmt::Display for What {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            What::LeadCaptured { customer, source } => {
                write!(f, "lead captured: {customer} ({source})")
            }
            What::MemberJoined { person, role } => write!(f, "{person} joined as {role}"),
            What::MemberLeft { person, role } => write!(f, "{person} left {role}"),
            What::GateConvened { gate, attempt } => {
                write!(f, "{gate} convened (attempt {attempt})")
            }
            What::GateDecided { gate, outcome } => {
                let outcome = match outcome {
                    Outcome::Approved => "approved",
                    Outcome::ApprovedWithConditions => "approved with conditions",
                    Outcome::Rework => "sent back for rework",
                    Outcome::Rejected => "rejected",
                };
                write!(f, "{gate} {outcome}")
            }
            What::ContractSigned { value } => write!(f, "contract signed: {value}"),
            What::InvoiceIssued { invoice, amount } => {
                write!(f, "invoice {invoice} sent: {amount}")
            }
            What::CashCollected {
                payment, amount, ..
            } => write!(f, "cash collected: {amount} ({payment})"),
            What::CashRefunded { payment, amount } => {
                write!(f, "refund paid: {amount} ({payment})")
            }
            What::Ended { kind, reason } => write!(f, "ended {kind}: {reason}"),
        }
    }
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

impl Digest {
    /// A compact text rendering: one line per happening, flagged deal and thing due.
    pub fn render(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Digest for {} on {}", self.person, self.day)?;
        writeln!(f, "Happened ({}):", self.happened.len())?;
        for h in &self.happened {
            writeln!(
                f,
                "  {} {} {} (by {})",
                h.at.format("%H:%M"),
                h.deal,
                h.what,
                h.actor
            )?;
        }
        writeln!(f, "Amber or red ({}):", self.flagged.len())?;
        for l in &self.flagged {
            writeln!(f, "  {l}")?;
        }
        writeln!(f, "Due ({}):", self.due.len())?;
        for d in &self.due {
            writeln!(
                f,
                "  {} since {}: {}",
                d.deal,
                d.since.format("%Y-%m-%d"),
                d.kind
            )?;
        }
        Ok(())
    }
}
