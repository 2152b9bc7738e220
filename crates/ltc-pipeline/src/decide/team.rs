//! The team's rules: who may join in which role and how fully, and who may leave.

use super::*;

impl<'a> Decider<'a> {
    /// Decides a command of this family; a command of another family is not this one's to
    /// decide.
    pub(super) fn team(&self, command: CommandRef<'_>) -> Result<Decided<'a>, Error> {
        match command {
            CommandRef::AddMember {
                person,
                role,
                involvement,
            } => {
                if !self.process.has_role(role) {
                    return Err(Error::UnknownRole {
                        role: role.clone(),
                        path: "add_member.role".to_owned(),
                    });
                }
                if *involvement <= Decimal::ZERO || *involvement > Decimal::ONE {
                    return Err(Error::InvalidInvolvement {
                        involvement: *involvement,
                    });
                }
                identifier(person.as_str(), "person")?;
                if self.deal.team.current_stint(person, role).is_some() {
                    return Err(Error::AlreadyOnTeam {
                        person: person.clone(),
                        role: role.clone(),
                    });
                }
                // Four-eyes: a reviewer of the convened gate cannot join the team it judges.
                if let Some(meeting) = &self.deal.meeting {
                    if meeting.involves(person) && meeting.policy.four_eyes {
                        return Err(Error::FourEyes {
                            gate: meeting.gate,
                            person: person.clone(),
                        });
                    }
                }
                Ok(Decided::AsCommanded)
            }
            CommandRef::RemoveMember {
                person,
                role,
                closure_recommendation,
            } => {
                if self.deal.team.current_stint(person, role).is_none() {
                    return Err(Error::NotOnTeam {
                        person: person.clone(),
                        role: role.clone(),
                    });
                }
                if let Some(r) = closure_recommendation {
                    text(r, "closure_recommendation")?;
                }
                Ok(Decided::AsCommanded)
            }
            _ => Err(self.wrong_stage(command)),
        }
    }
}
