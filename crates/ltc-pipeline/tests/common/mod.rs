//! Shared scenario helpers: "given these events, when this command, then these events or this error".
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use ltc_pipeline::*;
use rust_decimal::Decimal;

pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap()
}

/// A deal driven command by command, with a clock the test advances.
pub struct World {
    /// The process the deal runs under now.
    pub process: Process,
    /// Every version the deal has run under, oldest first: what its log replays with.
    pub versions: Vec<Process>,
    pub deal: Deal,
    pub log: Vec<Event>,
    pub now: DateTime<Utc>,
}

impl World {
    pub fn new() -> Self {
        Self::with(Process::standard())
    }

    pub fn with(process: Process) -> Self {
        Self {
            versions: vec![process.clone()],
            process,
            deal: Deal::new(DealId::new("D-1")),
            log: Vec::new(),
            now: start(),
        }
    }

    pub fn days(&mut self, days: i64) -> &mut Self {
        self.now += Duration::days(days);
        self
    }

    /// Given: the command must succeed; returns its events.
    pub fn given(&mut self, actor: &str, command: Command) -> Vec<Event> {
        let events = self
            .deal
            .execute(&self.process, &command, &actor.into(), self.now)
            .unwrap_or_else(|e| panic!("`{}` by {actor} refused: {e}", command.name()));
        self.log.extend(events.clone());
        events
    }

    /// When/then: the command must succeed with exactly these changes.
    pub fn then_changes(&mut self, actor: &str, command: Command, expected: Vec<Change>) {
        let events = self.given(actor, command);
        let changes: Vec<Change> = events.into_iter().map(|e| e.change).collect();
        assert_eq!(changes, expected);
    }

    /// When/then: the command must be refused with this code; the deal must be unchanged.
    pub fn then_error(&mut self, actor: &str, command: Command, code: &str) -> Error {
        let before = self.deal.clone();
        let bytes = serde_json::to_string(&self.deal).expect("a deal serializes");
        let err = self
            .deal
            .execute(&self.process, &command, &actor.into(), self.now)
            .expect_err(&format!(
                "`{}` by {actor} should be refused",
                command.name()
            ));
        assert_eq!(err.code(), code, "unexpected error: {err}");
        assert_eq!(self.deal, before, "a refused command changed the deal");
        let after = serde_json::to_string(&self.deal).expect("a deal serializes");
        assert_eq!(after, bytes, "a refused command changed the deal's bytes");
        assert!(
            !err.to_string().contains('\n'),
            "a message of more than one line: {err}"
        );
        err
    }

    /// Decides `migrate_process` against `target`; on success the deal runs under it.
    pub fn migrate(&mut self, target: Process) -> Result<Vec<Event>, Error> {
        let command = Command::MigrateProcess {
            version: target.reference().version,
        };
        let events = self
            .deal
            .execute(&target, &command, &"ops".into(), self.now)?;
        self.log.extend(events.clone());
        self.versions.push(target.clone());
        self.process = target;
        Ok(events)
    }

    /// The log replays, under the versions the deal ran under, to the deal as it stands.
    pub fn replays(&self) {
        let replayed = Deal::replay(DealId::new("D-1"), &self.versions, &self.log)
            .unwrap_or_else(|e| panic!("the log does not replay: {e}"));
        assert_eq!(replayed, self.deal);
    }

    /// Proposes an amendment of the signed contract to `value`.
    pub fn propose(&mut self, value: i64) {
        self.given(
            "ana",
            Command::ProposeAmendment {
                new_value: Money::eur(value),
                reason: "more licences".into(),
            },
        );
    }

    pub fn stage(&self) -> StageKind {
        self.deal.stage_kind().unwrap()
    }

    // ----- building blocks -----

    pub fn lead(&mut self, estimate: Option<i64>) {
        self.given(
            "ops",
            Command::CaptureLead {
                customer: "ACME".into(),
                source: "trade fair".into(),
                estimate: estimate.map(Money::eur),
            },
        );
        self.given("ana", grade(4, 4, 3));
    }

    pub fn join(&mut self, person: &str, role: Role) {
        self.given("ops", Command::add_member(person, role, Decimal::ONE));
    }

    /// A qualified opportunity with AR and SR staffed.
    pub fn opportunity(&mut self, estimate: i64) {
        self.lead(Some(estimate));
        self.given("ana", Command::QualifyLead {});
        self.join("ana", Role::ar());
        self.join("sam", Role::sr());
    }

    pub fn convene(&mut self, gate: GateKind, panel: &[(&str, &str)]) {
        self.given("ops", convene(gate, panel));
    }

    /// Each seat of `panel` in turn votes `vote`, until the gate's rule has decided.
    pub fn vote_until_decided(&mut self, panel: &[(&str, &str)], vote: Vote) {
        for (person, _) in panel {
            let meeting = self.deal.meeting().expect("a gate is convened");
            let rule = &meeting.policy.rule;
            if meeting.verdict(rule).is_some() {
                break;
            }
            self.given(
                person,
                Command::CastVote {
                    vote,
                    comment: None,
                },
            );
        }
    }

    pub fn votes(&mut self, votes: &[(&str, Vote)]) {
        for (who, vote) in votes {
            self.given(
                who,
                Command::CastVote {
                    vote: *vote,
                    comment: None,
                },
            );
        }
    }

    pub fn decide(&mut self, conditions: Vec<ConditionSpec>) -> Vec<Event> {
        self.given(
            "ops",
            Command::RecordDecision {
                minutes: "minutes".into(),
                conditions,
            },
        )
    }

    /// Convene a gate with a standard panel, everyone approves, record it.
    pub fn pass(&mut self, gate: GateKind) {
        let steps = session(gate, &standard_panel(gate))
            .steps(&self.process)
            .expect("the gate has a policy");
        for (actor, command) in steps {
            self.given(actor.as_str(), command);
        }
    }

    /// From a fresh deal to a contract of `value` delivered (milestone `M1`), invoiced (`I1`) and
    /// paid (`P1`): ready for the closure decision.
    pub fn closing(&mut self, value: i64) {
        self.signed(value);
        self.given(
            "fred",
            Command::AddMilestone {
                id: "M1".into(),
                title: "install".into(),
            },
        );
        self.given("fred", Command::DeliverMilestone { id: "M1".into() });
        self.given("fred", Command::AcceptMilestone { id: "M1".into() });
        self.given("ana", invoice("I1", value));
        self.given("ana", pay("P1", "I1", value));
        assert_eq!(self.stage(), StageKind::Closing);
    }

    /// A qualified opportunity of `estimate` past the opportunity approval and the solution
    /// review, its triangle staffed: in `bid`.
    pub fn at_bid(estimate: i64) -> Self {
        let mut w = Self::new();
        w.opportunity(estimate);
        w.pass(GateKind::OpportunityApproval);
        w.pass(GateKind::SolutionReview);
        w.join("fred", Role::fr());
        w
    }

    /// From a fresh deal to a signed contract of `value`.
    pub fn signed(&mut self, value: i64) {
        self.opportunity(value);
        self.pass(GateKind::OpportunityApproval);
        self.pass(GateKind::SolutionReview);
        self.join("fred", Role::fr());
        self.pass(GateKind::BidDecision);
        self.given(
            "ana",
            Command::RequestContractDecision {
                terms: Money::eur(value),
            },
        );
        self.pass(GateKind::ContractDecision);
    }
}

/// The number of property-test cases: `default`, or `PROPTEST_CASES` when set (the long run:
/// `PROPTEST_CASES=100000 cargo test -p ltc-pipeline --all-features --release`).
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

pub fn grade(budget: u32, chain: u32, urgency: u32) -> Command {
    Command::grade_lead([
        ("budget", budget),
        ("decision_chain", chain),
        ("urgency", urgency),
    ])
}

pub fn materials(gate: GateKind) -> Vec<String> {
    Process::standard()
        .policy(gate)
        .map(|p| p.materials.clone())
        .unwrap_or_default()
}

/// A session of `gate` convened by `ops` with this panel (chair: the first seat), recording
/// `"minutes"`.
pub fn session(gate: GateKind, panel: &[(&str, &str)]) -> GateSession {
    GateSession::new(gate, "ops")
        .panel(panel.iter().copied())
        .minutes("minutes")
}

/// The `convene_gate` of [`session`] under the standard process.
pub fn convene(gate: GateKind, panel: &[(&str, &str)]) -> Command {
    let mut steps = session(gate, panel)
        .steps(&Process::standard())
        .expect("the standard process has every gate");
    steps.remove(0).1
}

/// A panel that satisfies the standard policy of `gate` (with executives, so escalation passes).
pub fn standard_panel(gate: GateKind) -> Vec<(&'static str, &'static str)> {
    match gate {
        GateKind::OpportunityApproval | GateKind::ChangeDecision | GateKind::ClosureDecision => {
            vec![("eve", "executive")]
        }
        GateKind::SolutionReview | GateKind::BidDecision => {
            vec![("mia", "manager"), ("dan", "director")]
        }
        GateKind::ContractDecision => vec![("eve", "executive")],
    }
}

pub fn pay(id: &str, invoice: &str, amount: i64) -> Command {
    Command::record_payment(id, invoice, Money::eur(amount))
}

pub fn invoice(id: &str, amount: i64) -> Command {
    Command::issue_invoice(id, Money::eur(amount))
}
