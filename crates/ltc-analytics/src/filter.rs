//! Which deals a set figure is computed over.

use crate::replay::Replayed;
use chrono::{DateTime, Utc};
use ltc_pipeline::objects_only;
use ltc_pipeline::{PersonId, Role};
use serde::{Deserialize, Serialize};

/// Which deals a set figure is computed over. The default selects every deal.
///
/// - `from` / `until`: the lead was captured at or after `from` and before `until` (a range that
///   ends before it starts selects nothing).
/// - `person`: the person held a stint on the deal's team at some time (in `role` when given).
/// - `role` without `person`: the role was staffed at some time. For [`Snapshot::people`](crate::Snapshot::people) and
///   [`Snapshot::enablement`](crate::Snapshot::enablement) the role also restricts which stints make a person count.
///
/// ```
/// use ltc_analytics::Filter;
/// use ltc_pipeline::Role;
/// let f = Filter::default().person("ana").role(Role::ar());
/// assert_eq!(f.person.map(|p| p.to_string()), Some("ana".to_owned()));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Filter {
    /// Leads captured at or after this instant.
    #[serde(default)]
    pub from: Option<DateTime<Utc>>,
    /// Leads captured before this instant.
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
    /// Deals this person was on.
    #[serde(default)]
    pub person: Option<PersonId>,
    /// Deals on which this role was staffed (by `person`, when given).
    #[serde(default)]
    pub role: Option<Role>,
}

objects_only!(Filter);

impl Filter {
    /// Leads captured in `[from, until)`.
    pub fn opened(mut self, from: DateTime<Utc>, until: DateTime<Utc>) -> Self {
        self.from = Some(from);
        self.until = Some(until);
        self
    }

    /// Deals `person` was on.
    pub fn person(mut self, person: impl Into<PersonId>) -> Self {
        self.person = Some(person.into());
        self
    }

    /// Deals on which `role` was staffed.
    pub fn role(mut self, role: Role) -> Self {
        self.role = Some(role);
        self
    }

    pub(crate) fn matches(&self, deal: &Replayed) -> bool {
        let opened = deal.opened_at();
        if self.from.is_some_and(|from| opened < from) {
            return false;
        }
        if self.until.is_some_and(|until| opened >= until) {
            return false;
        }
        let mut stints = deal.stints(self.role.as_ref());
        match &self.person {
            Some(person) => stints.any(|s| &s.person == person),
            None if self.role.is_some() => stints.next().is_some(),
            None => true,
        }
    }
}
