//! The review gates' rules: convening a panel with its authority and materials, delegation,
//! votes that stop when the rule has decided, withdrawal, the decision and its conditions, the
//! skipped solution review and the contract decision's terms.

use super::*;

impl<'a> Decider<'a> {
    /// Decides a command of this family; a command of another family is not this one's to
    /// decide.
    pub(super) fn gate(
        &self,
        command: CommandRef<'_>,
        stage: StageKind,
    ) -> Result<Decided<'a>, Error> {
        match command {
            CommandRef::ConveneGate {
                gate,
                panel,
                chair,
                materials,
            } => self.convene(stage, *gate, panel, chair.as_ref(), materials),
            CommandRef::DelegateVote { substitute } => {
                let meeting = self.meeting()?;
                let policy = &meeting.policy;
                let Some(seat) = meeting.panel.iter().find(|s| &s.person == self.actor) else {
                    return Err(Error::NotOnPanel {
                        gate: meeting.gate,
                        person: self.actor.clone(),
                    });
                };
                if policy.panel.named.contains(self.actor) {
                    return Err(Error::NamedSeat {
                        gate: meeting.gate,
                        person: self.actor.clone(),
                    });
                }
                identifier(substitute.person.as_str(), "substitute.person")?;
                if meeting.substitutes.contains_key(self.actor) {
                    return Err(Error::AlreadyDone {
                        kind: "seat",
                        id: self.actor.to_string(),
                        state: "delegated",
                    });
                }
                if meeting.ballot(self.actor).is_some() {
                    return Err(Error::AlreadyVoted {
                        gate: meeting.gate,
                        seat: self.actor.clone(),
                    });
                }
                Self::open_for_votes(meeting, policy)?;
                let seat_rank = self.level(&seat.level, "panel")?;
                let sub_rank = self.level(&substitute.level, "delegate_vote.substitute.level")?;
                if sub_rank < seat_rank {
                    return Err(Error::SubstituteLevelTooLow {
                        seat_level: seat.level.clone(),
                        substitute_level: substitute.level.clone(),
                    });
                }
                if meeting.involves(&substitute.person) {
                    return Err(Error::DuplicateSeat {
                        person: substitute.person.clone(),
                    });
                }
                self.four_eyes(policy, &substitute.person)?;
                Ok(Decided::AsCommanded)
            }
            CommandRef::CastVote { .. } => {
                let meeting = self.meeting()?;
                let Some(seat) = meeting.seat_for(self.actor) else {
                    return Err(Error::NotOnPanel {
                        gate: meeting.gate,
                        person: self.actor.clone(),
                    });
                };
                if meeting.ballot(seat).is_some() {
                    return Err(Error::AlreadyVoted {
                        gate: meeting.gate,
                        seat: seat.clone(),
                    });
                }
                let policy = &meeting.policy;
                Self::open_for_votes(meeting, policy)?;
                self.four_eyes(policy, self.actor)?;
                Ok(Decided::Cast { seat })
            }
            CommandRef::WithdrawGate { reason } => {
                let meeting = self.meeting()?;
                self.convener(meeting)?;
                text(reason, "reason")?;
                // A verdict the rule has reached is recorded, not thrown away for another panel.
                if let Some(verdict) = meeting.verdict(&meeting.policy.rule) {
                    return Err(Error::VerdictReached {
                        gate: meeting.gate,
                        verdict,
                    });
                }
                Ok(Decided::Withdrawn { gate: meeting.gate })
            }
            CommandRef::RecordDecision {
                minutes,
                conditions,
            } => self.record_decision(minutes, conditions),
            CommandRef::CloseCondition { id, note } => {
                let Some(condition) = self.deal.conditions.get(id) else {
                    return Err(Error::UnknownId {
                        kind: "condition",
                        id: id.to_string(),
                    });
                };
                if condition.closed.is_some() {
                    return Err(Error::AlreadyDone {
                        kind: "condition",
                        id: id.to_string(),
                        state: "closed",
                    });
                }
                text(note, "note")?;
                Ok(Decided::AsCommanded)
            }
            CommandRef::SkipSolutionReview {} => {
                if stage != StageKind::SolutionWork {
                    return Err(self.wrong_stage(command));
                }
                if let Some(m) = &self.deal.meeting {
                    return Err(Error::MeetingOpen { gate: m.gate });
                }
                let (amount, below) = self.small_enough_to_skip(command.name())?;
                Ok(Decided::Skipped { amount, below })
            }
            CommandRef::RequestContractDecision { terms } => {
                if !matches!(
                    stage,
                    StageKind::Negotiation | StageKind::AwaitingContractDecision
                ) {
                    return Err(self.wrong_stage(command));
                }
                self.money(terms)?;
                Ok(Decided::AsCommanded)
            }
            _ => Err(self.wrong_stage(command)),
        }
    }

    fn convener(&self, meeting: &Meeting) -> Result<(), Error> {
        if &meeting.convened_by == self.actor {
            Ok(())
        } else {
            Err(Error::NotConvener {
                gate: meeting.gate,
                person: self.actor.clone(),
                convener: meeting.convened_by.clone(),
            })
        }
    }

    fn convene(
        &self,
        stage: StageKind,
        gate: GateKind,
        panel: &[Seat],
        chair: Option<&PersonId>,
        materials: &[String],
    ) -> Result<Decided<'a>, Error> {
        if !self.deal.stage.gates().contains(&gate) {
            return Err(Error::WrongGate { gate, stage });
        }
        let policy = self.policy(gate)?;
        if let Some(m) = &self.deal.meeting {
            return Err(Error::MeetingOpen { gate: m.gate });
        }
        if self.deal.has_open_conditions() {
            return Err(Error::OpenConditions {
                gate,
                open: self
                    .deal
                    .open_conditions()
                    .iter()
                    .map(|c| c.to_string())
                    .collect(),
            });
        }
        match gate {
            GateKind::ChangeDecision
                if self
                    .deal
                    .contract()
                    .is_none_or(|c| c.proposed_amendment.is_none()) =>
            {
                return Err(Error::NoAmendmentProposed);
            }
            GateKind::ClosureDecision => self.ready_to_close()?,
            _ => {}
        }
        for material in &policy.materials {
            if !materials.contains(material) {
                return Err(Error::MissingMaterial {
                    gate,
                    material: material.clone(),
                });
            }
        }
        if panel.is_empty() {
            return Err(Error::EmptyPanel { gate });
        }
        for seat in panel.iter() {
            identifier(seat.person.as_str(), "panel.person")?;
        }
        if let Some(person) = first_repeated(panel.iter().map(|s| &s.person)) {
            return Err(Error::DuplicateSeat {
                person: person.clone(),
            });
        }
        self.authority("convene_gate", policy, panel)?;
        for seat in panel {
            self.four_eyes(policy, &seat.person)?;
        }
        if let Some(chair) = chair {
            if !panel.iter().any(|s| &s.person == chair) {
                return Err(Error::ChairNotOnPanel {
                    person: chair.clone(),
                });
            }
        }
        match policy.rule {
            DecisionRule::KOfN { k } if k as usize > panel.len() => {
                return Err(Error::RuleUnsatisfiable {
                    gate,
                    needed: k,
                    seats: panel.len() as u32,
                })
            }
            DecisionRule::SingleDecider if chair.is_none() => {
                return Err(Error::ChairRequired { gate })
            }
            _ => {}
        }
        Ok(Decided::AsCommanded)
    }

    /// The authority a gate needs, checked when it is convened and again when its decision is
    /// recorded, so that no order of commands gets around it: the roles it requires are staffed,
    /// the panel seats the named reviewers and the levels the policy asks for, and a reviewer of
    /// the escalation level when the amount at stake is above a threshold.
    pub(crate) fn authority(
        &self,
        command: &'static str,
        policy: &GatePolicy,
        panel: &[Seat],
    ) -> Result<(), Error> {
        let gate = policy.gate;
        for role in &policy.required_roles {
            if !self.deal.team.is_staffed(role) {
                return Err(Error::RoleNotStaffed {
                    gate,
                    role: role.clone(),
                });
            }
        }
        // Every seat's level is known; the highest rank seated answers the escalation.
        let mut highest = None;
        for seat in panel {
            let Some(rank) = self.process.level_rank(&seat.level) else {
                return Err(Error::UnknownLevel {
                    level: seat.level.clone(),
                    path: format!("{command}.panel"),
                });
            };
            highest = highest.max(Some(rank));
        }
        let rank_of = |seat: &Seat| self.process.level_rank(&seat.level);
        for named in &policy.panel.named {
            if !panel.iter().any(|s| &s.person == named) {
                return Err(Error::NamedReviewerMissing {
                    gate,
                    person: named.clone(),
                });
            }
        }
        for need in &policy.panel.levels {
            let rank = self.level(&need.level, "policy")?;
            let found = panel
                .iter()
                .filter(|s| rank_of(s).is_some_and(|r| r >= rank))
                .count() as u32;
            if found < need.count {
                return Err(Error::PanelShort {
                    gate,
                    level: need.level.clone(),
                    needed: need.count,
                    found,
                });
            }
        }
        for escalation in &policy.escalation {
            // Refusals are built only when refusing (an `ok_or` would build and drop one).
            let Some(amount) = self.amount_at_stake(gate) else {
                return Err(Error::AmountUnknown { command });
            };
            let rank = self.level(&escalation.level, "policy")?;
            if escalation.applies_to(amount) && highest.is_none_or(|h| h < rank) {
                return Err(Error::EscalationRequired {
                    gate,
                    amount,
                    above: escalation.above,
                    level: escalation.level.clone(),
                });
            }
        }
        Ok(())
    }

    /// Refuses a vote or delegation once the votes cast settle the outcome under the rule.
    fn open_for_votes(meeting: &Meeting, policy: &GatePolicy) -> Result<(), Error> {
        match meeting.verdict(&policy.rule) {
            Some(verdict) => Err(Error::VotingClosed {
                gate: meeting.gate,
                verdict,
            }),
            None => Ok(()),
        }
    }

    fn ready_to_close(&self) -> Result<(), Error> {
        match self.deal.execution_ref() {
            Some(e) if e.contract.proposed_amendment.is_some() => Err(Error::AmendmentPending),
            Some(e) if e.is_complete() => Ok(()),
            Some(e) => Err(Error::NotReadyToClose {
                delivered: e.delivered(),
                invoiced: e.invoiced(),
                collected: e.collected(),
                value: e.contract.value.amount,
            }),
            None => Err(Error::WrongGate {
                gate: GateKind::ClosureDecision,
                stage: self.deal.stage.kind().unwrap_or(StageKind::Captured),
            }),
        }
    }

    fn record_decision(
        &self,
        minutes: &str,
        conditions: &[crate::ConditionSpec],
    ) -> Result<Decided<'a>, Error> {
        let meeting = self.meeting()?;
        self.convener(meeting)?;
        let policy = &meeting.policy;
        text(minutes, "minutes")?;
        self.authority("record_decision", policy, &meeting.panel)?;
        let Some(verdict) = meeting.verdict(&policy.rule) else {
            let tally = meeting.tally();
            return Err(Error::Undecided {
                gate: meeting.gate,
                approvals: tally.approvals,
                pending: tally.pending,
            });
        };
        let outcome = match verdict {
            Vote::Approve if conditions.is_empty() => Outcome::Approved,
            // Its approval ends the deal: there is no next gate for a condition to block.
            Vote::Approve if meeting.gate == GateKind::ClosureDecision => {
                return Err(Error::ConditionsOnClosure)
            }
            Vote::Approve => Outcome::ApprovedWithConditions,
            Vote::Rework | Vote::Reject if !conditions.is_empty() => {
                return Err(Error::ConditionsWithoutApproval {
                    gate: meeting.gate,
                    verdict: if verdict == Vote::Rework {
                        "rework"
                    } else {
                        "rejected"
                    },
                })
            }
            Vote::Rework => Outcome::Rework,
            Vote::Reject => Outcome::Rejected,
        };
        let mut ids = crate::records::IdSet::default();
        for spec in conditions {
            identifier(spec.id.as_str(), "condition.id")?;
            text(&spec.text, "condition.text")?;
            if self.deal.conditions.contains_key(&spec.id) || !ids.insert(&spec.id) {
                return Err(Error::DuplicateId {
                    kind: "condition",
                    id: spec.id.to_string(),
                });
            }
        }
        if outcome.is_pass() {
            match meeting.gate {
                GateKind::ClosureDecision => self.ready_to_close()?,
                GateKind::ChangeDecision => {
                    if let Some(e) = self.deal.execution_ref() {
                        match &e.contract.proposed_amendment {
                            Some(p) => e.amendment_fits(p.new_value)?,
                            None => return Err(Error::NoAmendmentProposed),
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(Decided::Drawn {
            gate: meeting.gate,
            outcome,
        })
    }
}

/// The first item equal to an earlier one, without allocating for the few seats a panel has
/// (compared pairwise), and through the hashed set the records' duplicates use for a longer list.
fn first_repeated<'a, T: std::hash::Hash + Eq + 'a>(
    items: impl Iterator<Item = &'a T> + Clone,
) -> Option<&'a T> {
    const PAIRWISE: usize = 16;
    if items.clone().nth(PAIRWISE).is_none() {
        items
            .clone()
            .enumerate()
            .find(|(i, item)| items.clone().take(*i).any(|earlier| earlier == *item))
            .map(|(_, item)| item)
    } else {
        let mut seen = crate::records::IdSet::default();
        items.into_iter().find(|item| !seen.insert(*item))
    }
}

#[cfg(test)]
mod tests {
    use super::first_repeated;
    use proptest::prelude::*;

    proptest! {
        // Pairwise for short lists, by a set for long ones: the same first repeat as a set
        // finds, on either side of the switch.
        #[test]
        fn first_repeated_is_the_first_item_seen_before(items in proptest::collection::vec(0u8..24, 0..40)) {
            let mut seen = std::collections::BTreeSet::new();
            let expected = items.iter().find(|i| !seen.insert(**i));
            prop_assert_eq!(first_repeated(items.iter()), expected);
        }
    }
}
