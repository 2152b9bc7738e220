//! The deal team: dated membership per role, with history kept when people leave.

use crate::serde_strict::objects_only;
use crate::{PersonId, Role};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

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
    pub closure_recommendation: Option<crate::Text>,
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
///
/// It keeps an index of the running stints by person and role, how many people hold each role
/// and who has ever been on the team, so that the questions a command asks of the team cost the
/// same however long its history. The index is not written: reading a `Team` back rebuilds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Team {
    stints: Vec<Stint>,
    #[serde(skip)]
    index: TeamIndex,
}

objects_only!(Team => Team::reindexed);

/// Where the running stints are, and counts that follow joins and departures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct TeamIndex {
    /// The running stint of each person in each role, by its position in `stints`.
    current: BTreeMap<PersonId, BTreeMap<Role, usize>>,
    /// How many people hold each role now.
    holders: BTreeMap<Role, usize>,
    /// Everyone who has been on the team, in any role.
    members: BTreeSet<PersonId>,
}

impl Team {
    fn reindexed(mut self) -> Self {
        self.index = TeamIndex::default();
        for position in 0..self.stints.len() {
            self.index_stint(position);
        }
        self
    }

    fn index_stint(&mut self, position: usize) {
        let Some(stint) = self.stints.get(position) else {
            return;
        };
        self.index.members.insert(stint.person.clone());
        if stint.is_current() {
            let roles = self.index.current.entry(stint.person.clone()).or_default();
            if roles.insert(stint.role.clone(), position).is_none() {
                *self.index.holders.entry(stint.role.clone()).or_default() += 1;
            }
        }
    }

    /// How many people hold `role` now.
    ///
    /// ```
    /// use ltc_pipeline::{Role, Team};
    /// assert_eq!(Team::default().holders(&Role::ar()), 0);
    /// ```
    pub fn holders(&self, role: &Role) -> usize {
        self.index.holders.get(role).copied().unwrap_or(0)
    }

    /// Every stint, current and past, in joining order.
    pub fn stints(&self) -> &[Stint] {
        &self.stints
    }

    /// The running stints.
    pub fn current(&self) -> impl Iterator<Item = &Stint> {
        let mut positions: Vec<usize> = self
            .index
            .current
            .values()
            .flat_map(|roles| roles.values().copied())
            .collect();
        positions.sort_unstable();
        positions.into_iter().filter_map(|p| self.stints.get(p))
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
        self.holders(role) > 0
    }

    /// Whether `person` is, or ever was, on the team (in any role).
    pub fn has_member(&self, person: &PersonId) -> bool {
        self.index.members.contains(person)
    }

    /// The running stint of `person` in `role`, if any.
    pub fn current_stint(&self, person: &PersonId, role: &Role) -> Option<&Stint> {
        let position = self.index.current.get(person)?.get(role)?;
        self.stints.get(*position)
    }

    pub(crate) fn join(&mut self, stint: Stint) {
        self.stints.push(stint);
        self.index_stint(self.stints.len() - 1);
    }

    /// Ends the running stint of `person` in `role`; `false` if there is none.
    pub(crate) fn leave(
        &mut self,
        person: &PersonId,
        role: &Role,
        at: DateTime<Utc>,
        recommendation: Option<crate::Text>,
    ) -> bool {
        let Some(roles) = self.index.current.get_mut(person) else {
            return false;
        };
        let Some(stint) = roles.get(role).and_then(|p| self.stints.get_mut(*p)) else {
            return false;
        };
        stint.left = Some(at);
        stint.closure_recommendation = recommendation;
        roles.remove(role);
        if roles.is_empty() {
            self.index.current.remove(person);
        }
        if let Some(count) = self.index.holders.get_mut(role) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.index.holders.remove(role);
            }
        }
        true
    }
}
