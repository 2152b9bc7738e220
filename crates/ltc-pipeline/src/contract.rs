//! A signed contract: value, milestones, invoices, payments, refunds and amendments.

use crate::money::{add, sub};

use crate::serde_strict::objects_only;
use crate::Records;
use crate::{Error, InvoiceId, MilestoneId, Money, PaymentId, StageKind};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A delivery milestone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Milestone {
    /// What is delivered.
    pub title: crate::Text,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When the customer accepted it.
    pub accepted_at: Option<DateTime<Utc>>,
}

objects_only!(Milestone);

/// An invoice and what has been collected against it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Invoice {
    /// The amount invoiced.
    #[serde(with = "crate::serde_strict::decimal")]
    pub amount: Decimal,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// When payment is due, if terms were set.
    pub due: Option<DateTime<Utc>>,
    /// Net cash collected against it (payments less refunds and reversals).
    #[serde(with = "crate::serde_strict::decimal")]
    pub collected: Decimal,
}

objects_only!(Invoice);

impl Invoice {
    /// What is still to be collected.
    pub fn outstanding(&self) -> Decimal {
        self.amount.saturating_sub(self.collected)
    }
}

/// Money in (a payment) or out (a refund).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CashKind {
    /// The customer paid.
    Payment,
    /// We paid back.
    Refund,
}

impl CashKind {
    /// The change to collected cash that `amount` of this kind makes: a payment adds, a refund
    /// subtracts.
    ///
    /// ```
    /// use ltc_pipeline::CashKind;
    /// use rust_decimal::Decimal;
    /// assert_eq!(CashKind::Refund.signed(Decimal::TEN), -Decimal::TEN);
    /// ```
    pub fn signed(self, amount: Decimal) -> Decimal {
        match self {
            CashKind::Payment => amount,
            CashKind::Refund => -amount,
        }
    }
}

/// A payment or a refund against an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct CashMovement {
    /// Payment or refund.
    pub kind: CashKind,
    /// The invoice it is booked against.
    pub invoice: InvoiceId,
    /// The amount, positive.
    #[serde(with = "crate::serde_strict::decimal")]
    pub amount: Decimal,
    /// When.
    pub at: DateTime<Utc>,
    /// When it was reversed (a bounced payment, a booking error), if it was.
    pub reversed_at: Option<DateTime<Utc>>,
}

objects_only!(CashMovement);

/// An approved change of the contract value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Amendment {
    /// The value before.
    #[serde(with = "crate::serde_strict::decimal")]
    pub from: Decimal,
    /// The value after.
    #[serde(with = "crate::serde_strict::decimal")]
    pub to: Decimal,
    /// Why.
    pub reason: crate::Text,
    /// When it was approved.
    pub approved_at: DateTime<Utc>,
}

objects_only!(Amendment);

/// A proposed amendment waiting for the change decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct ProposedAmendment {
    /// The value asked for.
    #[serde(with = "crate::serde_strict::decimal")]
    pub new_value: Decimal,
    /// Why.
    pub reason: crate::Text,
    /// When it was proposed.
    pub proposed_at: DateTime<Utc>,
}

objects_only!(ProposedAmendment);

/// A signed contract and its execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Contract {
    /// The current value (after approved amendments).
    pub value: Money,
    /// The value at signature.
    #[serde(with = "crate::serde_strict::decimal")]
    pub signed_value: Decimal,
    /// When it was signed.
    pub signed_at: DateTime<Utc>,
    /// Delivery milestones.
    pub milestones: Records<MilestoneId, Milestone>,
    /// Invoices.
    pub invoices: Records<InvoiceId, Invoice>,
    /// Payments and refunds.
    pub cash: Records<PaymentId, CashMovement>,
    /// Approved amendments, oldest first.
    pub amendments: Vec<Amendment>,
    /// An amendment waiting for the change decision.
    pub proposed_amendment: Option<ProposedAmendment>,
}

objects_only!(Contract);

impl Contract {
    pub(crate) fn new(value: Money, signed_at: DateTime<Utc>) -> Self {
        Self {
            value,
            signed_value: value.amount,
            signed_at,
            milestones: Records::new(),
            invoices: Records::new(),
            cash: Records::new(),
            amendments: Vec::new(),
            proposed_amendment: None,
        }
    }

    /// The total invoiced.
    pub fn invoiced(&self) -> Decimal {
        // The engine keeps the total at most the contract value; saturating keeps a forged,
        // deserialized state from panicking.
        self.invoices
            .values()
            .fold(Decimal::ZERO, |total, i| total.saturating_add(i.amount))
    }

    /// The net cash collected.
    pub fn collected(&self) -> Decimal {
        self.invoices
            .values()
            .fold(Decimal::ZERO, |total, i| total.saturating_add(i.collected))
    }

    /// Whether every milestone is accepted (and there is at least one).
    pub fn delivered(&self) -> bool {
        !self.milestones.is_empty() && self.milestones.values().all(|m| m.accepted_at.is_some())
    }

    /// Delivered, fully invoiced and fully paid.
    pub fn is_complete(&self) -> bool {
        let invoiced = self.invoiced();
        self.delivered() && invoiced == self.value.amount && self.collected() == invoiced
    }

    /// The execution stage this contract is in, derived from its obligations: the first one not
    /// yet met names the stage.
    ///
    /// ```text
    /// signed -> fulfilment (a milestone delivered) -> invoicing (all accepted)
    ///        -> collection (fully invoiced)        -> closing (fully paid)
    /// ```
    pub fn phase(&self) -> StageKind {
        let delivered = self.delivered();
        let invoiced = self.invoiced();
        if delivered && invoiced == self.value.amount {
            if self.collected() == invoiced {
                StageKind::Closing
            } else {
                StageKind::Collection
            }
        } else if delivered {
            StageKind::Invoicing
        } else if self.milestones.values().any(|m| m.delivered_at.is_some()) {
            StageKind::Fulfilment
        } else {
            StageKind::Signed
        }
    }

    /// What booking `delta` against the invoice would set its collected cash to the invoice's collected cash to, or why it refuses;
    /// changes nothing.
    pub(crate) fn booked(&self, invoice: &InvoiceId, delta: Decimal) -> Result<Decimal, Error> {
        let Some(inv) = self.invoices.get(invoice) else {
            return Err(Error::UnknownId {
                kind: "invoice",
                id: invoice.to_string(),
            });
        };
        Self::booked_on(invoice, inv, delta)
    }

    /// What booking `delta` against `inv` (the invoice `id`) sets its collected cash to, or why
    /// it refuses.
    pub(crate) fn booked_on(
        id: &InvoiceId,
        inv: &Invoice,
        delta: Decimal,
    ) -> Result<Decimal, Error> {
        let next = add(inv.collected, delta)?;
        if next > inv.amount {
            return Err(Error::AboveInvoiced {
                invoice: id.clone(),
                amount: delta,
                outstanding: sub(inv.amount, inv.collected)?,
            });
        }
        if next < Decimal::ZERO {
            return Err(Error::AboveCollected {
                invoice: id.clone(),
                amount: -delta,
                collected: inv.collected,
            });
        }
        Ok(next)
    }
}
