//! What the digest reports of an event: the happenings of a deal.

use chrono::{DateTime, Utc};
use ltc_pipeline::objects_only;
use ltc_pipeline::{
    Change, Deal, DealId, EndKind, Event, GateKind, InvoiceId, Money, Outcome, PaymentId, PersonId,
    Role,
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

/// The kind of a [`What`], its `type` in JSON: a digest groups like happenings by it.
///
/// ```
/// use ltc_analytics::{HappeningKind, What};
/// let what = What::MemberJoined { person: "bob".into(), role: ltc_pipeline::Role::sr() };
/// assert_eq!(what.kind(), HappeningKind::MemberJoined);
/// assert_eq!(what.kind().as_str(), "member_joined");
/// assert_eq!(what.kind().plural(), "members joined");
/// assert_eq!(what.person().map(|p| p.as_str()), Some("bob"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HappeningKind {
    /// [`What::LeadCaptured`].
    LeadCaptured,
    /// [`What::MemberJoined`].
    MemberJoined,
    /// [`What::MemberLeft`].
    MemberLeft,
    /// [`What::GateConvened`].
    GateConvened,
    /// [`What::GateDecided`].
    GateDecided,
    /// [`What::ContractSigned`].
    ContractSigned,
    /// [`What::InvoiceIssued`].
    InvoiceIssued,
    /// [`What::CashCollected`].
    CashCollected,
    /// [`What::CashRefunded`].
    CashRefunded,
    /// [`What::Ended`].
    Ended,
}

impl HappeningKind {
    /// Every kind, in the order of [`What`]'s variants.
    pub const ALL: [HappeningKind; 10] = [
        HappeningKind::LeadCaptured,
        HappeningKind::MemberJoined,
        HappeningKind::MemberLeft,
        HappeningKind::GateConvened,
        HappeningKind::GateDecided,
        HappeningKind::ContractSigned,
        HappeningKind::InvoiceIssued,
        HappeningKind::CashCollected,
        HappeningKind::CashRefunded,
        HappeningKind::Ended,
    ];

    /// The snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            HappeningKind::LeadCaptured => "lead_captured",
            HappeningKind::MemberJoined => "member_joined",
            HappeningKind::MemberLeft => "member_left",
            HappeningKind::GateConvened => "gate_convened",
            HappeningKind::GateDecided => "gate_decided",
            HappeningKind::ContractSigned => "contract_signed",
            HappeningKind::InvoiceIssued => "invoice_issued",
            HappeningKind::CashCollected => "cash_collected",
            HappeningKind::CashRefunded => "cash_refunded",
            HappeningKind::Ended => "ended",
        }
    }

    /// How a count of them reads: "3 members joined".
    pub fn plural(self) -> &'static str {
        match self {
            HappeningKind::LeadCaptured => "leads captured",
            HappeningKind::MemberJoined => "members joined",
            HappeningKind::MemberLeft => "members left",
            HappeningKind::GateConvened => "gates convened",
            HappeningKind::GateDecided => "gates decided",
            HappeningKind::ContractSigned => "contracts signed",
            HappeningKind::InvoiceIssued => "invoices sent",
            HappeningKind::CashCollected => "payments collected",
            HappeningKind::CashRefunded => "refunds paid",
            HappeningKind::Ended => "ends",
        }
    }
}

impl fmt::Display for HappeningKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl What {
    /// Its kind.
    pub fn kind(&self) -> HappeningKind {
        match self {
            What::LeadCaptured { .. } => HappeningKind::LeadCaptured,
            What::MemberJoined { .. } => HappeningKind::MemberJoined,
            What::MemberLeft { .. } => HappeningKind::MemberLeft,
            What::GateConvened { .. } => HappeningKind::GateConvened,
            What::GateDecided { .. } => HappeningKind::GateDecided,
            What::ContractSigned { .. } => HappeningKind::ContractSigned,
            What::InvoiceIssued { .. } => HappeningKind::InvoiceIssued,
            What::CashCollected { .. } => HappeningKind::CashCollected,
            What::CashRefunded { .. } => HappeningKind::CashRefunded,
            What::Ended { .. } => HappeningKind::Ended,
        }
    }

    /// The person it is about, beside whoever did it: who joined or left the team.
    pub fn person(&self) -> Option<&PersonId> {
        match self {
            What::MemberJoined { person, .. } | What::MemberLeft { person, .. } => Some(person),
            _ => None,
        }
    }
}

/// What the digest reports of `event`, just applied to `deal` (`signed_before`: whether the deal
/// had a contract before it).
pub(crate) fn happening(deal: &Deal, event: &Event, signed_before: bool) -> Option<Happening> {
    let what = match &event.change {
        Change::LeadCaptured {
            customer, source, ..
        } => What::LeadCaptured {
            customer: customer.to_string(),
            source: source.to_string(),
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
            reason: reason.to_string(),
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
