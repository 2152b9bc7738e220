//! The deal team: dated membership per role, with history kept when people leave.

use crate::serde_strict::objects_only;
use crate::{PersonId, Role};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One continuous period in which a person held a role on the deal team.
///
/// Leaving and rejoining makes a second stint; the first is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Stint {
    /// Who.
    pub person: PersonId,
    /// In which role.
    pub role: Role,
    /// How fully they take part, in (0, 1].
    #[serde(with = "crate::serde_strict::decimal")]
    pub involvement: Decimal,
    /// When they joined.
    pub joined: DateTime<Utc>,
    /// When they left, if they have.
    pub left: Option<DateTime<Utc>>,
    /// The closure recommendation a leaving member wrote, if any.
    pub closure_recommendation: Option<String>,
}

objects_only!(Stint);

impl Stint {
    /// Whether the stint covers the instant `at` (joined at or before, not yet left).
    ///
    /// ```
    /// # use ltc_pipeline::{PersonId, Role, Stint};
    /// # use chrono::{TimeZone, Utc};
    /// # use rust_decimal::Decimal;
    /// let stint = Stint {
    ///     person: PersonId::new("ana"),
    ///     role: Role::sr(),
    ///     involvement: Decimal::ONE,
    ///     joined: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    ///     left: Some(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()),
    ///     closure_recommendation: None,
    /// };
    /// assert!(stint.covers(Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap()));
    /// assert!(!stint.covers(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()));
    /// ```
    pub fn covers(&self, at: DateTime<Utc>) -> bool {
        self.joined <= at && self.left.is_none_or(|left| at < left)
    }

    /// Whether the stint is still running.
    pub fn is_current(&self) -> bool {
        self.left.is_none()
    }
}

/// The team of a deal: every stint, in the order people joined.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Team {
    stints: Vec<Stint>,
}

objects_only!(Team);

impl Team {
    /// Every stint, current and past, in joining order.
    pub fn stints(&self) -> &[Stint] {
        &self.stints
    }

    /// The running stints.
    pub fn current(&self) -> impl Iterator<Item = &Stint> {
        self.stints.iter().filter(|s| s.is_current())
    }

    /// Who held `role` at the instant `at`: answers "who held SR when the bid was decided?".
    pub fn holders_at(&self, role: &Role, at: DateTime<Utc>) -> Vec<&PersonId> {
        self.stints
            .iter()
            .filter(|s| &s.role == role && s.covers(at))
            .map(|s| &s.person)
            .collect()
    }

    /// Whether at least one person currently holds `role`.
    pub fn is_staffed(&self, role: &Role) -> bool {
        self.current().any(|s| &s.role == role)
    }

    /// Whether `person` is, or ever was, on the team (in any role).
    pub fn has_member(&self, person: &PersonId) -> bool {
        self.stints.iter().any(|s| &s.person == person)
    }

    /// The running stint of `person` in `role`, if any.
    pub fn current_stint(&self, person: &PersonId, role: &Role) -> Option<&Stint> {
        self.current()
            .find(|s| &s.person == person && &s.role == role)
    }

    pub(crate) fn join(&mut self, stint: Stint) {
        self.stints.push(stint);
    }

    pub(crate) fn leave(
        &mut self,
        person: &PersonId,
        role: &Role,
        at: DateTime<Utc>,
        recommendation: Option<String>,
    ) -> bool {
        match self
            .stints
            .iter_mut()
            .find(|s| s.is_current() && &s.person == person && &s.role == role)
        {
            Some(stint) => {
                stint.left = Some(at);
                stint.closure_recommendation = recommendation;
                true
            }
            None => false,
        }
    }
}
