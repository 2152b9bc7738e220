//! Floors that are not state machines: the naive `f64` allocation and the count-only pass.

use ltc_pipeline::{Change, Event};

/// The naive allocation: `amount x weight / total` in `f64`, each part rounded to the cent on its
/// own. The speed floor for `allocate`; it does not keep the parts summing to the amount (see the
/// tests), and past 2^53 it is not even exact in the amount.
pub fn allocate_f64(amount: f64, weights: &[f64]) -> Vec<f64> {
    let total: f64 = weights.iter().sum();
    weights
        .iter()
        .map(|w| (amount * w / total * 100.0).round() / 100.0)
        .collect()
}

/// What the count-only pass finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Logs that are not empty.
    pub deals: u64,
    /// Events.
    pub events: u64,
    /// Events of each kind, in the order of [`Change`]'s variants.
    pub by_kind: [u64; 24],
}

/// The floor for analytics: one pass over every stored event that only counts them by kind. It
/// reads each event once, as any figure must, and computes nothing else.
pub fn count_events<L: AsRef<[Event]>>(logs: &[L]) -> Counts {
    let mut counts = Counts::default();
    for log in logs {
        let log = log.as_ref();
        counts.deals += u64::from(!log.is_empty());
        for event in log {
            counts.events += 1;
            if let Some(c) = counts.by_kind.get_mut(kind(&event.change)) {
                *c += 1;
            }
        }
    }
    counts
}

fn kind(change: &Change) -> usize {
    match change {
        Change::LeadCaptured { .. } => 0,
        Change::LeadGraded { .. } => 1,
        Change::EstimateSet { .. } => 2,
        Change::LeadQualified {} => 3,
        Change::MemberJoined { .. } => 4,
        Change::MemberLeft { .. } => 5,
        Change::GateConvened { .. } => 6,
        Change::VoteDelegated { .. } => 7,
        Change::VoteCast { .. } => 8,
        Change::GateWithdrawn { .. } => 9,
        Change::GateDecided { .. } => 10,
        Change::ConditionClosed { .. } => 11,
        Change::SolutionReviewSkipped { .. } => 12,
        Change::ContractDecisionRequested { .. } => 13,
        Change::MilestoneAdded { .. } => 14,
        Change::MilestoneDelivered { .. } => 15,
        Change::MilestoneAccepted { .. } => 16,
        Change::InvoiceIssued { .. } => 17,
        Change::PaymentReceived { .. } => 18,
        Change::RefundIssued { .. } => 19,
        Change::CashReversed { .. } => 20,
        Change::AmendmentProposed { .. } => 21,
        Change::Ended { .. } => 22,
        Change::ProcessMigrated { .. } => 23,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::fixtures::{amount, full_logs, weights};
    use rust_decimal::prelude::ToPrimitive;
    use rust_decimal::Decimal;

    #[test]
    fn naive_f64_loses_cents_where_allocate_does_not() {
        let w = weights(1000);
        let parts = allocate_f64(
            amount().to_f64().unwrap(),
            &w.iter().map(|x| f64::from(*x)).collect::<Vec<_>>(),
        );
        let sum_cents: i64 = parts.iter().map(|p| (p * 100.0).round() as i64).sum();
        assert_ne!(sum_cents, 987_654_321);
        let exact = ltc_incentive::allocate(
            amount(),
            &w.iter().map(|x| Decimal::from(*x)).collect::<Vec<_>>(),
            2,
        )
        .unwrap();
        assert_eq!(exact.iter().sum::<Decimal>(), amount());
    }

    #[test]
    fn counts_every_event() {
        let logs = full_logs(2).unwrap();
        let c = count_events(&logs);
        assert_eq!(c.deals, 2);
        assert_eq!(c.events as usize, logs[0].len() * 2);
        assert_eq!(c.by_kind.iter().sum::<u64>(), c.events);
    }
}
