//! The lead's rules: grading by the scorecard, qualification, the estimate, and the ends a
//! command may reach (disqualified, lost, withdrawn).

use super::*;

impl<'a> Decider<'a> {
    /// Decides a command of this family; a command of another family is not this one's to
    /// decide.
    pub(super) fn lead(
        &self,
        command: CommandRef<'_>,
        stage: StageKind,
    ) -> Result<Decided<'a>, Error> {
        let phase = stage.phase();
        match command {
            CommandRef::GradeLead { scores } => {
                if phase != Phase::Lead {
                    return Err(self.wrong_stage(command));
                }
                let (total, temperature) = self.grading(scores)?;
                Ok(Decided::Graded { total, temperature })
            }
            CommandRef::QualifyLead {} => match stage {
                StageKind::Graded => Ok(Decided::AsCommanded),
                _ => Err(self.wrong_stage(command)),
            },
            CommandRef::Disqualify { reason }
            | CommandRef::Lose { reason }
            | CommandRef::Withdraw { reason } => {
                let kind = match command {
                    CommandRef::Disqualify { .. } => EndKind::Disqualified,
                    CommandRef::Lose { .. } => EndKind::Lost,
                    _ => EndKind::Withdrawn,
                };
                if !kind.ends_by_command_from(phase) {
                    return Err(self.wrong_stage(command));
                }
                text(reason, "reason")?;
                Ok(Decided::AsCommanded)
            }
            CommandRef::SetEstimate { value } => {
                if !(phase == Phase::Lead || stage < StageKind::AwaitingContractDecision) {
                    return Err(self.wrong_stage(command));
                }
                self.money(value)?;
                // A deal that skipped the solution review as small stays small until its bid.
                if let Stage::Bid {
                    solution: SolutionPassage::Skipped { below, .. },
                    ..
                } = &self.deal.stage
                {
                    if value.amount >= *below {
                        return Err(Error::SkipNotAllowed {
                            amount: value.amount,
                            below: Some(*below),
                        });
                    }
                }
                Ok(Decided::AsCommanded)
            }
            _ => Err(self.wrong_stage(command)),
        }
    }

    pub(crate) fn grading(
        &self,
        scores: &std::collections::BTreeMap<String, u32>,
    ) -> Result<(u64, Temperature), Error> {
        let card = &self.process.definition().scorecard;
        if let Some(unknown) = scores
            .keys()
            .find(|k| !card.criteria.iter().any(|c| &c.name == *k))
        {
            return Err(Error::UnknownCriterion {
                criterion: unknown.clone(),
            });
        }
        let mut total: u64 = 0;
        for criterion in &card.criteria {
            let Some(score) = scores.get(&criterion.name) else {
                return Err(Error::MissingScore {
                    criterion: criterion.name.clone(),
                });
            };
            if *score > criterion.max {
                return Err(Error::ScoreAboveMax {
                    criterion: criterion.name.clone(),
                    score: *score,
                    max: criterion.max,
                });
            }
            // Bounded by the maximum total, which `Process::new` checked fits in a u64.
            total += u64::from(criterion.weight) * u64::from(*score);
        }
        let temperature = if total >= u64::from(card.hot_from) {
            Temperature::Hot
        } else if total >= u64::from(card.warm_from) {
            Temperature::Warm
        } else {
            Temperature::Cold
        };
        Ok((total, temperature))
    }
}
