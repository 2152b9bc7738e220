//! A whole gate meeting as the commands that hold it: convene with the policy's materials, the
//! panel's votes until the rule decides, the decision recorded.

use crate::{
    Ballot, ConditionSpec, Deal, Error, Event, GateKind, Meeting, PersonId, Process, Seat, Vote,
};
use chrono::{DateTime, Utc};

/// A gate meeting from convening to the recorded decision, as the commands that hold it.
///
/// Built with the gate, the convener (sales operations) and the panel; everyone votes the same
/// way ([`Vote::Approve`] unless told otherwise). [`steps`](Self::steps) gives the commands with
/// who sends each: `convene_gate` with the materials the gate's policy requires and the first
/// seat as chair, one `cast_vote` per seat in turn until the policy's rule has decided (a vote
/// after that would be refused), then `record_decision` with the minutes and any conditions.
/// A host sends them at its own times; [`run`](Self::run) sends them all at one instant.
///
/// ```
/// use ltc_pipeline::{Command, Deal, DealId, Decimal, GateKind, GateSession, Money, Process};
/// use ltc_pipeline::{Role, StageKind, TimeZone, Utc, Vote};
///
/// let process = Process::standard();
/// let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
/// let mut deal = Deal::new(DealId::new("D-1"));
/// for (actor, command) in [
///     ("ops", Command::capture_lead("ACME", "web", Some(Money::eur(80_000)))),
///     ("ana", Command::grade_lead([("budget", 4), ("decision_chain", 3), ("urgency", 5)])),
///     ("ana", Command::QualifyLead {}),
///     ("ops", Command::add_member("ana", Role::ar(), Decimal::ONE)),
///     ("ops", Command::add_member("sam", Role::sr(), Decimal::ONE)),
/// ] {
///     deal.execute(&process, &command, &actor.into(), at)?;
/// }
/// let approval = GateSession::new(GateKind::OpportunityApproval, "ops").seat("eve", "director");
/// let events = approval.run(&mut deal, &process, at)?;
/// assert_eq!(events.len(), 3); // convened, one vote, decided
/// assert_eq!(deal.stage_kind(), Some(StageKind::SolutionWork));
///
/// // A refused session leaves the deal as it was: the standard review seats two managers.
/// let review = GateSession::new(GateKind::SolutionReview, "ops").seat("mia", "manager");
/// let before = deal.clone();
/// assert_eq!(review.run(&mut deal, &process, at).unwrap_err().code(), "panel_short");
/// assert_eq!(deal, before);
/// # Ok::<(), ltc_pipeline::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateSession {
    gate: GateKind,
    convener: PersonId,
    panel: Vec<Seat>,
    chair: Option<PersonId>,
    vote: Vote,
    minutes: Option<String>,
    conditions: Vec<ConditionSpec>,
}

impl GateSession {
    /// A session of `gate` convened by `convener`, with an empty panel, everyone approving.
    pub fn new(gate: GateKind, convener: impl Into<PersonId>) -> Self {
        Self {
            gate,
            convener: convener.into(),
            panel: Vec::new(),
            chair: None,
            vote: Vote::Approve,
            minutes: None,
            conditions: Vec::new(),
        }
    }

    /// Seats `person` at `level`; seats vote in the order they were added.
    #[must_use]
    pub fn seat(mut self, person: impl Into<PersonId>, level: impl Into<String>) -> Self {
        self.panel.push(Seat::new(person, level));
        self
    }

    /// Seats each (person, level) in turn.
    #[must_use]
    pub fn panel<P: Into<PersonId>, L: Into<String>>(
        mut self,
        seats: impl IntoIterator<Item = (P, L)>,
    ) -> Self {
        self.panel
            .extend(seats.into_iter().map(|(p, l)| Seat::new(p, l)));
        self
    }

    /// The chair (by default the first seat): the decider under `single_decider`.
    #[must_use]
    pub fn chair(mut self, person: impl Into<PersonId>) -> Self {
        self.chair = Some(person.into());
        self
    }

    /// How every seat votes.
    #[must_use]
    pub fn vote(mut self, vote: Vote) -> Self {
        self.vote = vote;
        self
    }

    /// The minutes recorded (by default `"{gate}: {vote} by {n} reviewer(s)"`).
    #[must_use]
    pub fn minutes(mut self, minutes: impl Into<String>) -> Self {
        self.minutes = Some(minutes.into());
        self
    }

    /// A condition attached to the approval.
    #[must_use]
    pub fn condition(mut self, condition: ConditionSpec) -> Self {
        self.conditions.push(condition);
        self
    }

    /// The gate.
    pub fn gate(&self) -> GateKind {
        self.gate
    }

    /// The panel, in voting order.
    pub fn seats(&self) -> &[Seat] {
        &self.panel
    }

    /// The commands that hold the meeting under `process`, each with who sends it: convening,
    /// the votes the rule counts, the decision.
    ///
    /// # Errors
    /// [`Error::GateNotConfigured`] when the process has no policy for the gate. Everything else
    /// (the panel's authority, four-eyes, the stage) is for [`decide`](crate::decide) to judge
    /// when the commands are sent.
    pub fn steps(&self, process: &Process) -> Result<Vec<(PersonId, crate::Command)>, Error> {
        let Some(policy) = process.shared_policy(self.gate) else {
            return Err(Error::GateNotConfigured { gate: self.gate });
        };
        let chair = self
            .chair
            .clone()
            .or_else(|| self.panel.first().map(|s| s.person.clone()));
        let mut steps = vec![(
            self.convener.clone(),
            crate::Command::ConveneGate {
                gate: self.gate,
                panel: self.panel.clone().into(),
                chair: chair.clone(),
                materials: policy.materials.clone().into(),
            },
        )];
        // The votes the rule counts, found by playing them on a meeting of this panel.
        let mut meeting = Meeting {
            gate: self.gate,
            policy: policy.clone(),
            attempt: 1,
            convened_at: DateTime::<Utc>::MIN_UTC,
            convened_by: self.convener.clone(),
            panel: self.panel.clone().into(),
            chair,
            materials: Vec::new().into(),
            substitutes: Default::default(),
            ballots: Vec::new(),
        };
        for seat in &self.panel {
            if meeting.verdict(&policy.rule).is_some() {
                break;
            }
            meeting.ballots.push(Ballot {
                seat: seat.person.clone(),
                by: seat.person.clone(),
                vote: self.vote,
                comment: None,
                at: DateTime::<Utc>::MIN_UTC,
            });
            steps.push((seat.person.clone(), crate::Command::cast_vote(self.vote)));
        }
        let voted = meeting.ballots.len();
        let minutes = self
            .minutes
            .clone()
            .unwrap_or_else(|| format!("{}: {} by {voted} reviewer(s)", self.gate, self.vote));
        steps.push((
            self.convener.clone(),
            crate::Command::RecordDecision {
                minutes: minutes.into(),
                conditions: self.conditions.clone(),
            },
        ));
        Ok(steps)
    }

    /// Sends every command of the meeting at `at` and returns their events. All or nothing: if
    /// one is refused, the deal is left as it was and the refusal returned.
    ///
    /// # Errors
    /// As [`steps`](Self::steps), and the first refusal of [`decide`](crate::decide).
    pub fn run(
        &self,
        deal: &mut Deal,
        process: &Process,
        at: DateTime<Utc>,
    ) -> Result<Vec<Event>, Error> {
        let mut next = deal.clone();
        let mut events = Vec::new();
        for (actor, command) in self.steps(process)? {
            events.extend(next.execute(process, &command, &actor, at)?);
        }
        *deal = next;
        Ok(events)
    }
}
