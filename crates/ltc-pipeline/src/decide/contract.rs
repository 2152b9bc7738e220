//! The contract's rules: milestones delivered and accepted, invoices within the value, cash
//! within the invoices, amendments, and forced closure after long inactivity.

use super::*;

impl<'a> Decider<'a> {
    /// Decides a command of this family; a command of another family is not this one's to
    /// decide.
    pub(super) fn contract_rules(
        &self,
        command: CommandRef<'_>,
        stage: StageKind,
    ) -> Result<Decided<'a>, Error> {
        let phase = stage.phase();
        match command {
            CommandRef::AddMilestone { id, title } => {
                let contract = self.contract(command)?;
                if contract.milestones.contains_key(id) {
                    return Err(Error::DuplicateId {
                        kind: "milestone",
                        id: id.to_string(),
                    });
                }
                identifier(id.as_str(), "id")?;
                text(title, "title")?;
                Ok(Decided::AsCommanded)
            }
            CommandRef::DeliverMilestone { id } | CommandRef::AcceptMilestone { id } => {
                let contract = self.contract(command)?;
                let Some(m) = contract.milestones.get(id) else {
                    return Err(Error::UnknownId {
                        kind: "milestone",
                        id: id.to_string(),
                    });
                };
                let already = |state| Error::AlreadyDone {
                    kind: "milestone",
                    id: id.to_string(),
                    state,
                };
                if let CommandRef::DeliverMilestone { .. } = command {
                    if m.delivered_at.is_some() {
                        return Err(already("delivered"));
                    }
                    Ok(Decided::AsCommanded)
                } else {
                    if m.delivered_at.is_none() {
                        return Err(Error::NotDelivered { id: id.to_string() });
                    }
                    if m.accepted_at.is_some() {
                        return Err(already("accepted"));
                    }
                    Ok(Decided::AsCommanded)
                }
            }
            CommandRef::IssueInvoice { id, amount, .. } => {
                let execution = self.execution(command)?;
                if execution.contract.invoices.contains_key(id) {
                    return Err(Error::DuplicateId {
                        kind: "invoice",
                        id: id.to_string(),
                    });
                }
                identifier(id.as_str(), "id")?;
                self.money(amount)?;
                execution.invoice_fits(amount.amount)?;
                Ok(Decided::AsCommanded)
            }
            CommandRef::RecordPayment {
                id,
                invoice,
                amount,
            }
            | CommandRef::Refund {
                id,
                invoice,
                amount,
            } => {
                let contract = self.contract(command)?;
                if contract.cash.contains_key(id) {
                    return Err(Error::DuplicateId {
                        kind: "payment",
                        id: id.to_string(),
                    });
                }
                identifier(id.as_str(), "id")?;
                self.money(amount)?;
                let refund = matches!(command, CommandRef::Refund { .. });
                let kind = if refund {
                    CashKind::Refund
                } else {
                    CashKind::Payment
                };
                let delta = kind.signed(amount.amount);
                // Check the bounds exactly as `apply` will book them.
                contract.booked(invoice, delta)?;
                Ok(Decided::AsCommanded)
            }
            CommandRef::ReverseCash { id } => {
                let contract = self.contract(command)?;
                let Some(cash) = contract.cash.get(id) else {
                    return Err(Error::UnknownId {
                        kind: "payment",
                        id: id.to_string(),
                    });
                };
                if cash.reversed_at.is_some() {
                    return Err(Error::AlreadyDone {
                        kind: "payment",
                        id: id.to_string(),
                        state: "reversed",
                    });
                }
                contract.booked(&cash.invoice, -cash.kind.signed(cash.amount))?;
                Ok(Decided::AsCommanded)
            }
            CommandRef::ProposeAmendment { new_value, reason } => {
                let execution = self.execution(command)?;
                // Only a change decision takes an amendment in or drops it: without one, a
                // proposal would wait forever and block the closure.
                if self.process.policy(GateKind::ChangeDecision).is_none() {
                    return Err(Error::GateNotConfigured {
                        gate: GateKind::ChangeDecision,
                    });
                }
                let contract = &execution.contract;
                if contract.proposed_amendment.is_some() {
                    return Err(Error::AmendmentPending);
                }
                self.money(new_value)?;
                text(reason, "reason")?;
                if new_value.amount == contract.value.amount {
                    return Err(Error::InvalidAmendment {
                        new_value: new_value.amount,
                        value: contract.value.amount,
                        invoiced: execution.invoiced(),
                    });
                }
                execution.amendment_fits(new_value.amount)?;
                Ok(Decided::AsCommanded)
            }
            CommandRef::ForceClose { recommendation } => {
                if !EndKind::ForceClosed.ends_by_command_from(phase) {
                    return Err(self.wrong_stage(command));
                }
                text(recommendation, "recommendation")?;
                let last = self.deal.last_event_at.unwrap_or(self.at);
                let inactive_days = (self.at - last).num_days();
                let required_days = self.process.definition().forced_closure_after_days;
                if inactive_days < i64::from(required_days) {
                    return Err(Error::TooEarlyToForceClose {
                        inactive_days,
                        required_days,
                    });
                }
                Ok(Decided::AsCommanded)
            }
            _ => Err(self.wrong_stage(command)),
        }
    }
}
