//! `Deal::gate_needs` against `decide`: a panel built from exactly what the needs say is
//! accepted when nothing blocks, and each part left out is refused for that part; each blocker
//! is the refusal convening gets; the approvals it counts are the votes the rule passes on.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use ltc_pipeline::*;

struct World {
    process: Process,
    deal: Deal,
    at: DateTime<Utc>,
    reviewers: u32,
}

impl World {
    fn new(estimate: Option<i64>) -> Self {
        let mut w = Self {
            process: Process::standard(),
            deal: Deal::new(DealId::new("D-1")),
            at: Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap(),
            reviewers: 0,
        };
        w.ok(
            "ops",
            Command::capture_lead("ACME", "web", estimate.map(Money::eur)),
        );
        w.ok(
            "ana",
            Command::grade_lead([("budget", 4), ("decision_chain", 3), ("urgency", 5)]),
        );
        w.ok("ana", Command::QualifyLead {});
        w
    }

    fn send(&mut self, actor: &str, command: Command) -> Result<Vec<Event>, Error> {
        self.at += Duration::hours(1);
        self.deal
            .execute(&self.process, &command, &actor.into(), self.at)
    }

    fn ok(&mut self, actor: &str, command: Command) {
        if let Err(e) = self.send(actor, command.clone()) {
            panic!("{command:?} refused: {e}");
        }
    }

    fn refused(&mut self, actor: &str, command: Command) -> &'static str {
        let before = self.deal.clone();
        let err = self.send(actor, command).expect_err("refused");
        assert_eq!(self.deal, before);
        err.code()
    }

    fn needs(&self) -> Option<GateNeeds> {
        self.deal.gate_needs(&self.process).unwrap()
    }

    fn reviewer(&mut self) -> String {
        self.reviewers += 1;
        format!("rev-{}", self.reviewers)
    }

    /// The smallest panel the needs ask for: the named reviewers, the seats by level, one of them
    /// raised to the escalation level when the amount calls for one.
    fn panel_for(&mut self, needs: &GateNeeds) -> Vec<Seat> {
        let lowest = self.process.definition().levels[0].clone();
        let mut panel: Vec<Seat> = needs
            .named
            .iter()
            .map(|p| Seat::new(p.clone(), lowest.clone()))
            .collect();
        for seats in &needs.seats {
            for _ in 0..seats.count {
                let name = self.reviewer();
                panel.push(Seat::new(name, seats.level.clone()));
            }
        }
        if let Some(level) = &needs.escalated_to {
            let rank = self.process.level_rank(level);
            if !panel
                .iter()
                .any(|s| self.process.level_rank(&s.level) >= rank)
            {
                match panel.last_mut() {
                    Some(seat) => seat.level.clone_from(level),
                    None => {
                        let name = self.reviewer();
                        panel.push(Seat::new(name, level.clone()));
                    }
                }
            }
        }
        if let DecisionRule::KOfN { k } = needs.rule {
            while panel.len() < k as usize {
                let name = self.reviewer();
                panel.push(Seat::new(name, lowest.clone()));
            }
        }
        panel
    }

    fn convene(needs: &GateNeeds, panel: &[Seat], materials: &[String]) -> Command {
        Command::ConveneGate {
            gate: needs.gate,
            panel: panel.to_vec().into(),
            chair: panel
                .first()
                .filter(|_| needs.chair_required)
                .map(|s| s.person.clone()),
            materials: materials.to_vec().into(),
        }
    }

    /// Convenes the waiting gate with what its needs say, after checking that each part left
    /// out is refused for that part; then votes until the rule decides, checking the approvals
    /// it counts, and records the decision.
    fn pass(&mut self, gate: GateKind) {
        let needs = self.needs().expect("waits for a gate");
        assert_eq!(needs.gate, gate);
        assert!(!needs.convened);
        assert_eq!(needs.blockers, [], "{gate}");
        let panel = self.panel_for(&needs);
        let materials = needs.materials.clone();

        for i in 0..materials.len() {
            let mut fewer = materials.clone();
            fewer.remove(i);
            let code = self.refused("ops", Self::convene(&needs, &panel, &fewer));
            assert_eq!(code, "missing_material", "{gate} without {}", materials[i]);
        }
        if !needs.seats.is_empty() || !needs.named.is_empty() {
            for i in 0..panel.len() {
                let mut short = panel.clone();
                short.remove(i);
                let code = self.refused("ops", Self::convene(&needs, &short, &materials));
                assert!(
                    [
                        "panel_short",
                        "named_reviewer_missing",
                        "escalation_required"
                    ]
                    .contains(&code)
                        || (code == "empty_panel" && short.is_empty())
                        || (code == "rule_unsatisfiable"
                            && matches!(needs.rule, DecisionRule::KOfN { .. })),
                    "{gate} without seat {i}: {code}"
                );
            }
        }
        if let Some(level) = &needs.escalated_to {
            // The level just below: the seats by level still held, the escalation not.
            let rank = self.process.level_rank(level).unwrap();
            let below = self.process.definition().levels[rank - 1].clone();
            let lowered: Vec<Seat> = panel
                .iter()
                .map(|s| {
                    if &s.level == level {
                        Seat::new(s.person.clone(), below.clone())
                    } else {
                        s.clone()
                    }
                })
                .collect();
            let code = self.refused("ops", Self::convene(&needs, &lowered, &materials));
            assert_eq!(code, "escalation_required", "{gate}");
        }
        if needs.chair_required {
            let unchaired = Command::ConveneGate {
                gate,
                panel: panel.clone().into(),
                chair: None,
                materials: materials.clone().into(),
            };
            assert_eq!(self.refused("ops", unchaired), "chair_required");
        }
        if let Some(member) = needs.barred.first() {
            let mut with_member = panel.clone();
            with_member[0].person = member.clone();
            let code = self.refused("ops", Self::convene(&needs, &with_member, &materials));
            assert_eq!(code, "four_eyes", "{gate}");
        }

        self.ok("ops", Self::convene(&needs, &panel, &materials));
        let convened = self.needs().unwrap();
        assert!(convened.convened);
        assert_eq!(convened.gate, gate);
        let needed = convened.approvals.unwrap_or(1);
        for (cast, seat) in panel.iter().enumerate() {
            let now = self.needs().unwrap();
            let votes = now.votes.clone().unwrap();
            if votes.verdict.is_some() {
                break;
            }
            assert_eq!(votes.tally.approvals, cast as u32);
            assert!(
                (cast as u32) < needed,
                "{gate}: {cast} approvals and no verdict"
            );
            assert_eq!(now.blockers.last().map(Blocker::code), Some("undecided"));
            assert_eq!(
                self.refused("ops", Command::record_decision("too soon")),
                "undecided"
            );
            let voter = match needs.rule {
                DecisionRule::SingleDecider => panel[0].person.to_string(),
                _ => seat.person.to_string(),
            };
            self.ok(&voter, Command::cast_vote(Vote::Approve));
        }
        let decided = self.needs().unwrap();
        let votes = decided.votes.unwrap();
        assert_eq!(votes.verdict, Some(Vote::Approve));
        if let Some(needed) = convened.approvals {
            assert_eq!(votes.tally.approvals, needed, "{gate}");
        }
        assert_eq!(decided.blockers, []);
        self.ok("ops", Command::record_decision("approved"));
    }
}

#[test]
fn a_panel_built_from_the_needs_passes_every_gate_and_each_part_left_out_is_refused() {
    for estimate in [40_000, 80_000, 600_000, 2_000_000] {
        let mut w = World::new(Some(estimate));
        let approval = w.needs().unwrap();
        assert_eq!(approval.gate, GateKind::OpportunityApproval);
        assert_eq!(approval.roles.len(), 2);
        // Neither AR nor SR is staffed: convening is refused for the first.
        assert_eq!(
            approval.blockers,
            [
                Blocker::RoleNotStaffed { role: Role::ar() },
                Blocker::RoleNotStaffed { role: Role::sr() }
            ]
        );
        let panel = w.panel_for(&approval);
        let convene = World::convene(&approval, &panel, &approval.materials);
        assert_eq!(w.refused("ops", convene), "role_not_staffed");
        w.ok("ops", Command::add_member("ana", Role::ar(), Decimal::ONE));
        w.ok("ops", Command::add_member("sam", Role::sr(), Decimal::ONE));
        assert_eq!(
            w.needs().unwrap().barred,
            [PersonId::new("ana"), PersonId::new("sam")]
        );
        w.pass(GateKind::OpportunityApproval);

        let review = w.needs().unwrap();
        assert_eq!(review.gate, GateKind::SolutionReview);
        let skippable = estimate < 50_000;
        assert_eq!(review.skip_below.is_some(), skippable, "{estimate}");
        if skippable {
            w.ok("ops", Command::SkipSolutionReview {});
        } else {
            assert_eq!(
                w.refused("ops", Command::SkipSolutionReview {}),
                "skip_not_allowed"
            );
            w.pass(GateKind::SolutionReview);
        }

        let bid = w.needs().unwrap();
        assert_eq!(bid.gate, GateKind::BidDecision);
        assert_eq!(bid.escalated_to.is_some(), estimate > 500_000, "{estimate}");
        assert_eq!(bid.blockers, [Blocker::RoleNotStaffed { role: Role::fr() }]);
        w.ok("ops", Command::add_member("fay", Role::fr(), Decimal::ONE));
        w.pass(GateKind::BidDecision);

        // Negotiating: no gate waits until the terms are put to the contract decision.
        assert_eq!(w.needs(), None);
        w.ok(
            "ana",
            Command::request_contract_decision(Money::eur(estimate)),
        );
        let contract = w.needs().unwrap();
        assert_eq!(contract.escalated_to.is_some(), estimate > 1_000_000);
        assert_eq!(contract.amount, Some(Decimal::from(estimate)));
        w.pass(GateKind::ContractDecision);

        // Signed: no gate waits until an amendment is proposed; the change decision is judged
        // on the larger of the value and the proposed one.
        assert_eq!(w.needs(), None);
        w.ok(
            "ana",
            Command::propose_amendment(Money::eur(estimate * 2), "scope grew"),
        );
        let change = w.needs().unwrap();
        assert_eq!(change.gate, GateKind::ChangeDecision);
        assert_eq!(change.amount, Some(Decimal::from(estimate * 2)));
        assert_eq!(change.escalated_to.is_some(), estimate * 2 > 1_000_000);
        w.pass(GateKind::ChangeDecision);

        assert_eq!(w.needs(), None);
        let value = Money::eur(estimate * 2);
        w.ok("fay", Command::add_milestone("M-1", "all of it"));
        w.ok("fay", Command::deliver_milestone("M-1"));
        w.ok("fay", Command::accept_milestone("M-1"));
        w.ok("ana", Command::issue_invoice("I-1", value));
        assert_eq!(w.needs(), None);
        w.ok("ana", Command::record_payment("P-1", "I-1", value));
        let closure = w.needs().unwrap();
        assert_eq!(closure.gate, GateKind::ClosureDecision);
        assert!(closure.chair_required);
        assert_eq!(closure.approvals, None);
        w.pass(GateKind::ClosureDecision);
        assert_eq!(w.deal.stage_kind(), Some(StageKind::Won));
        assert_eq!(w.needs(), None);
    }
}

#[test]
fn open_conditions_and_an_unknown_amount_are_what_convening_is_refused_for() {
    let mut w = World::new(None);
    w.ok("ops", Command::add_member("ana", Role::ar(), Decimal::ONE));
    w.ok("ops", Command::add_member("sam", Role::sr(), Decimal::ONE));
    let approval = w.needs().unwrap();
    let panel = w.panel_for(&approval);
    w.ok(
        "ops",
        World::convene(&approval, &panel, &approval.materials),
    );
    w.ok(panel[0].person.as_str(), Command::cast_vote(Vote::Approve));
    w.ok(
        "ops",
        Command::RecordDecision {
            minutes: "go, once the budget is confirmed".into(),
            conditions: vec![ConditionSpec::new("C-1", "confirm the budget")],
        },
    );
    let review = w.needs().unwrap();
    assert_eq!(
        review.blockers,
        [Blocker::OpenConditions {
            open: vec![ConditionId::new("C-1")]
        }]
    );
    assert_eq!(review.skip_below, None); // no amount: no skip
    let panel = w.panel_for(&review);
    let convene = World::convene(&review, &panel, &review.materials);
    assert_eq!(w.refused("ops", convene), review.blockers[0].code());
    w.ok("ana", Command::close_condition("C-1", "confirmed"));
    w.pass(GateKind::SolutionReview);

    // The bid decision escalates on the amount, and the deal has none.
    let bid = w.needs().unwrap();
    assert_eq!(bid.amount, None);
    assert!(bid.escalation.iter().all(|e| e.applies.is_none()));
    w.ok("ops", Command::add_member("fay", Role::fr(), Decimal::ONE));
    let bid = w.needs().unwrap();
    assert_eq!(bid.blockers, [Blocker::AmountUnknown]);
    let panel = w.panel_for(&bid);
    let convene = World::convene(&bid, &panel, &bid.materials);
    assert_eq!(w.refused("ops", convene), "amount_unknown");
    w.ok(
        "ana",
        Command::SetEstimate {
            value: Money::eur(700_000),
        },
    );
    let bid = w.needs().unwrap();
    assert_eq!(bid.escalated_to.as_deref(), Some("director"));
    assert_eq!(bid.escalation[0].applies, Some(true));
    w.pass(GateKind::BidDecision);
}

#[test]
fn the_needs_are_read_under_the_deals_own_process_only() {
    let w = World::new(Some(80_000));
    let mut definition = ProcessDefinition::standard();
    definition.version = 2;
    let other = Process::new(definition).unwrap();
    let err = w.deal.gate_needs(&other).unwrap_err();
    assert_eq!(err.code(), "process_mismatch");
    assert_eq!(
        Deal::new(DealId::new("D-2")).gate_needs(&other).unwrap(),
        None
    );
}

#[test]
fn the_needs_serialize_with_codes_and_decimal_strings() {
    let mut w = World::new(Some(600_000));
    w.ok("ops", Command::add_member("ana", Role::ar(), Decimal::ONE));
    let json = serde_json::to_value(w.needs().unwrap()).unwrap();
    assert_eq!(json["gate"], "opportunity_approval");
    assert_eq!(json["amount"], "600000");
    assert_eq!(json["currency"], "EUR");
    assert_eq!(json["rule"], serde_json::json!({"type": "majority"}));
    assert_eq!(
        json["blockers"],
        serde_json::json!([{"code": "role_not_staffed", "role": "SR"}])
    );
}

/// Over arbitrary command sequences and variants of the standard rules: whenever a deal waits
/// for a gate, convening it with a panel built from the needs is refused exactly for the first
/// blocker, or not for any blocker when there is none; recording a convened gate's decision the
/// same.
#[cfg(feature = "proptest")]
mod properties {
    use super::*;
    use proptest::prelude::*;

    const BLOCKERS: [&str; 4] = [
        "open_conditions",
        "role_not_staffed",
        "amount_unknown",
        "undecided",
    ];

    fn panel(process: &Process, needs: &GateNeeds) -> Vec<Seat> {
        let top = process.definition().levels.last().cloned().unwrap();
        let mut panel: Vec<Seat> = needs
            .named
            .iter()
            .map(|p| Seat::new(p.clone(), top.clone()))
            .collect();
        let seats: u32 = needs.seats.iter().map(|s| s.count).sum();
        let k = match needs.rule {
            DecisionRule::KOfN { k } => k,
            _ => 1,
        };
        for i in 0..seats.max(k) {
            panel.push(Seat::new(format!("reviewer-{i}"), top.clone()));
        }
        panel
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn the_first_blocker_is_the_refusal(
            process in ltc_pipeline::strategies::process(),
            steps in ltc_pipeline::strategies::steps(40),
        ) {
            let mut deal = Deal::new(DealId::new("D-1"));
            for step in &steps {
                let _ = deal.execute(&process, &step.command, &step.actor, step.at);
                let Some(needs) = deal.gate_needs(&process).unwrap() else { continue };
                let at = deal.last_event_at().unwrap();
                let (actor, command) = match deal.meeting() {
                    None => (
                        PersonId::new("ops"),
                        Command::ConveneGate {
                            gate: needs.gate,
                            panel: panel(&process, &needs).into(),
                            chair: needs.chair_required.then(|| PersonId::new("reviewer-0")),
                            materials: needs.materials.clone().into(),
                        },
                    ),
                    Some(meeting) => (meeting.convened_by.clone(), Command::record_decision("minutes")),
                };
                let decided = decide(&deal, &process, &command, &actor, at);
                match needs.blockers.first() {
                    Some(blocker) => {
                        let code = decided.as_ref().map_err(Error::code).err();
                        prop_assert_eq!(code, Some(blocker.code()), "{:?}", needs);
                    }
                    None => {
                        if let Err(e) = decided {
                            prop_assert!(!BLOCKERS.contains(&e.code()), "{e} with {needs:?}");
                        }
                    }
                }
            }
        }
    }
}
