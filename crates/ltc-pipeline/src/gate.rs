//! Gate meetings: panels, votes, delegation, and the decision a rule draws from them.

use crate::serde_strict::objects_only;
use crate::{ConditionId, DecisionRule, GateKind, GatePolicy, PersonId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A seat on a panel: the reviewer and the authority level the convener seated them at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Seat {
    /// The reviewer.
    pub person: PersonId,
    /// Their authority level (one of the process's levels).
    pub level: String,
}

objects_only!(Seat);

impl Seat {
    /// A seat for `person` at `level`.
    ///
    /// ```
    /// use ltc_pipeline::Seat;
    /// assert_eq!(Seat::new("mia", "manager").level, "manager");
    /// ```
    pub fn new(person: impl Into<PersonId>, level: impl Into<String>) -> Self {
        Self {
            person: person.into(),
            level: level.into(),
        }
    }
}

/// A reviewer's vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vote {
    /// Go on.
    Approve,
    /// Send back for rework.
    Rework,
    /// Stop the deal.
    Reject,
}

impl std::fmt::Display for Vote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Vote::Approve => "approve",
            Vote::Rework => "rework",
            Vote::Reject => "reject",
        })
    }
}

/// The outcome of a gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The deal goes on.
    Approved,
    /// The deal goes on; follow-up conditions must be closed before the next gate is convened.
    ApprovedWithConditions,
    /// The deal stays; the gate may be convened again.
    Rework,
    /// The deal ends (for change and closure decisions: the proposal is refused).
    Rejected,
}

impl Outcome {
    /// Whether the deal passes the gate.
    ///
    /// ```
    /// use ltc_pipeline::Outcome;
    /// assert!(Outcome::ApprovedWithConditions.is_pass());
    /// assert!(!Outcome::Rework.is_pass());
    /// ```
    pub fn is_pass(self) -> bool {
        matches!(self, Outcome::Approved | Outcome::ApprovedWithConditions)
    }
}

/// A recorded vote: whose seat, who cast it (the holder or their substitute), what, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Ballot {
    /// The seat holder.
    pub seat: PersonId,
    /// Who cast the vote.
    pub by: PersonId,
    /// The vote.
    pub vote: Vote,
    /// An optional comment for the minutes.
    pub comment: Option<crate::Text>,
    /// When it was cast.
    pub at: DateTime<Utc>,
}

objects_only!(Ballot);

/// A convened gate that has not been decided or withdrawn yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Meeting {
    /// The gate.
    pub gate: GateKind,
    /// The gate's policy when it was convened: the meeting is judged under it to the end, even if
    /// the deal moves to another process version meanwhile.
    pub policy: std::sync::Arc<GatePolicy>,
    /// 1 for the first convening of this gate on this deal, 2 after one rework, ...
    pub attempt: u32,
    /// When it was convened.
    pub convened_at: DateTime<Utc>,
    /// Who convened it (sales operations); only they record its decision or withdraw it.
    pub convened_by: PersonId,
    /// The panel.
    pub panel: std::sync::Arc<[Seat]>,
    /// The chair, who decides alone under [`DecisionRule::SingleDecider`].
    pub chair: Option<PersonId>,
    /// The materials presented.
    pub materials: std::sync::Arc<[String]>,
    /// Seats whose holder delegated the vote, to the substitute's seat.
    pub substitutes: BTreeMap<PersonId, Seat>,
    /// The votes cast so far.
    pub ballots: Vec<Ballot>,
}

objects_only!(Meeting);

/// Votes counted against a panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Tally {
    /// Approvals.
    pub approvals: u32,
    /// Votes for rework.
    pub reworks: u32,
    /// Rejections.
    pub rejections: u32,
    /// Seats that have not voted.
    pub pending: u32,
}

objects_only!(Tally);

impl Meeting {
    /// The seat holder for whom `actor` may vote: their own seat unless they delegated it, or the
    /// seat they substitute for.
    pub fn seat_for(&self, actor: &PersonId) -> Option<&PersonId> {
        if let Some((holder, _)) = self.substitutes.iter().find(|(_, s)| &s.person == actor) {
            return Some(holder);
        }
        self.panel
            .iter()
            .map(|s| &s.person)
            .find(|p| *p == actor && !self.substitutes.contains_key(*p))
    }

    /// Whether `person` sits on the panel, in their own seat or as a substitute.
    pub fn involves(&self, person: &PersonId) -> bool {
        self.panel.iter().any(|s| &s.person == person)
            || self.substitutes.values().any(|s| &s.person == person)
    }

    /// The ballot cast for a seat, if any.
    pub fn ballot(&self, seat: &PersonId) -> Option<&Ballot> {
        self.ballots.iter().find(|b| &b.seat == seat)
    }

    /// Counts the votes.
    pub fn tally(&self) -> Tally {
        let count = |v: Vote| self.ballots.iter().filter(|b| b.vote == v).count() as u32;
        let cast = self.ballots.len() as u32;
        Tally {
            approvals: count(Vote::Approve),
            reworks: count(Vote::Rework),
            rejections: count(Vote::Reject),
            pending: (self.panel.len() as u32).saturating_sub(cast),
        }
    }

    /// The verdict the rule draws from the votes so far, or `None` while it is still open.
    ///
    /// A pass is [`Vote::Approve`]. When a pass has become impossible, the verdict is
    /// [`Vote::Reject`] if rejections outnumber votes for rework, else [`Vote::Rework`] (the milder
    /// outcome wins a tie). Under [`DecisionRule::SingleDecider`] the chair's vote is the verdict,
    /// under [`DecisionRule::FirstResponse`] the first vote cast. Once there is a verdict, the
    /// engine takes no more votes, so the verdict recorded is the one the rule reached first.
    pub fn verdict(&self, rule: &DecisionRule) -> Option<Vote> {
        let t = self.tally();
        let n = self.panel.len() as u64;
        let (a, p) = (u64::from(t.approvals), u64::from(t.pending));
        let (passed, impossible) = match rule {
            DecisionRule::Unanimous => (a == n, t.reworks + t.rejections > 0),
            DecisionRule::Majority => (2 * a > n, 2 * (a + p) <= n),
            DecisionRule::KOfN { k } => (a >= u64::from(*k), a + p < u64::from(*k)),
            DecisionRule::SingleDecider => {
                return self
                    .chair
                    .as_ref()
                    .and_then(|c| self.ballot(c))
                    .map(|b| b.vote);
            }
            DecisionRule::FirstResponse => return self.ballots.first().map(|b| b.vote),
        };
        if passed {
            Some(Vote::Approve)
        } else if impossible {
            Some(if t.rejections > t.reworks {
                Vote::Reject
            } else {
                Vote::Rework
            })
        } else {
            None
        }
    }
}

/// A follow-up action attached to an approval, as the decision states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct ConditionSpec {
    /// The caller's id for it.
    pub id: ConditionId,
    /// What must be done.
    pub text: crate::Text,
    /// When it is due, if a date was set.
    #[serde(
        default,
        deserialize_with = "crate::serde_strict::instant::option::deserialize"
    )]
    pub due: Option<DateTime<Utc>>,
}

objects_only!(ConditionSpec);

impl ConditionSpec {
    /// A condition with the caller's id and what must be done, with no due date.
    ///
    /// ```
    /// use ltc_pipeline::{ConditionSpec, TimeZone, Utc};
    /// let due = Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, 0).unwrap();
    /// let spec = ConditionSpec::new("C-1", "review the delivery risk").due(due);
    /// assert_eq!(spec.due, Some(due));
    /// ```
    pub fn new(id: impl Into<ConditionId>, text: impl Into<crate::Text>) -> Self {
        Self {
            id: id.into(),
            text: text.into(),
            due: None,
        }
    }

    /// The same condition, due at `due`.
    #[must_use]
    pub fn due(mut self, due: DateTime<Utc>) -> Self {
        self.due = Some(due);
        self
    }
}

/// A condition on the deal, open or closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Condition {
    /// What was required.
    pub spec: ConditionSpec,
    /// The gate whose approval attached it.
    pub gate: GateKind,
    /// When it was opened.
    pub opened_at: DateTime<Utc>,
    /// When, by whom and with which note it was closed.
    pub closed: Option<Closing>,
}

objects_only!(Condition);

/// How a condition was closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Closing {
    /// When.
    pub at: DateTime<Utc>,
    /// By whom.
    pub by: PersonId,
    /// The note recorded.
    pub note: crate::Text,
}

objects_only!(Closing);

/// The audit record of a decided gate: who sat, who voted what, when, on which materials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct GateDecision {
    /// The meeting as it stood when decided.
    pub meeting: Meeting,
    /// The outcome.
    pub outcome: Outcome,
    /// When it was decided.
    pub decided_at: DateTime<Utc>,
    /// Who recorded it.
    pub decided_by: PersonId,
    /// The minutes.
    pub minutes: crate::Text,
    /// The conditions the approval attached.
    pub conditions: Vec<ConditionId>,
}

objects_only!(GateDecision);

/// One entry of a deal's gate log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    remote = "Self",
    deny_unknown_fields,
    tag = "type",
    rename_all = "snake_case"
)]
pub enum GateRecord {
    /// A decided meeting.
    Decided(std::sync::Arc<GateDecision>),
    /// A meeting the convener withdrew before it was decided.
    Withdrawn {
        /// The meeting as it stood (boxed: the gate log stays a list of small records).
        meeting: Box<Meeting>,
        /// When.
        at: DateTime<Utc>,
        /// Why.
        reason: crate::Text,
    },
}

objects_only!(GateRecord);
