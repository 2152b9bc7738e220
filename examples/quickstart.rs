//! One realistic deal from lead to cash with the standard process, then the team's payout.
//!
//! Run it with `cargo run --example quickstart`. It prints the deal's timeline (every command,
//! who sent it, the stage it left the deal in, and the refusals) and the payout of a cash-based
//! pool, tranche by tranche, with 15% held back.
#![forbid(unsafe_code)]

use chrono::{DateTime, Days, Duration, TimeZone, Utc};
use ltc_incentive::{from_deal, split, Basis, DealTerms, VacantRoles};
use ltc_pipeline::{
    Command, ConditionSpec, Deal, DealId, Event, GateKind, Money, PersonId, Process, Role, Seat,
    Vote,
};
use rust_decimal::Decimal;
use std::error::Error;

/// Drives one deal and prints each step.
struct Story {
    process: Process,
    deal: Deal,
    log: Vec<Event>,
    now: DateTime<Utc>,
}

impl Story {
    fn stage(&self) -> String {
        self.deal
            .stage_kind()
            .map_or_else(|| "unopened".to_owned(), |s| s.to_string())
    }

    /// Sends a command `days` after the previous one; it must be accepted.
    fn step(&mut self, days: i64, actor: &str, command: Command) -> Result<(), Box<dyn Error>> {
        self.now += Duration::days(days);
        let events = self
            .deal
            .execute(&self.process, &command, &PersonId::new(actor), self.now)?;
        println!(
            "{}  {:<5} {:<26} -> {}",
            self.now.date_naive(),
            actor,
            command.name(),
            self.stage()
        );
        self.log.extend(events);
        Ok(())
    }

    /// Sends a command that must be refused, and shows why.
    fn refused(&mut self, actor: &str, command: Command) {
        match self
            .deal
            .execute(&self.process, &command, &PersonId::new(actor), self.now)
        {
            Err(e) => println!(
                "{}  {:<5} {:<26} refused: {}: {e}",
                self.now.date_naive(),
                actor,
                command.name(),
                e.code()
            ),
            Ok(_) => println!("unexpected: `{}` was accepted", command.name()),
        }
    }

    fn join(&mut self, days: i64, person: &str, role: Role) -> Result<(), Box<dyn Error>> {
        let command = Command::AddMember {
            person: person.into(),
            role,
            involvement: Decimal::ONE,
        };
        self.step(days, "ops", command)
    }

    /// Convenes a gate, collects one vote per seat, and records the decision.
    fn gate(
        &mut self,
        days: i64,
        gate: GateKind,
        panel: &[(&str, &str)],
        vote: Vote,
        conditions: Vec<ConditionSpec>,
    ) -> Result<(), Box<dyn Error>> {
        let materials = self
            .process
            .policy(gate)
            .map(|p| p.materials.clone())
            .unwrap_or_default();
        let convene = Command::ConveneGate {
            gate,
            panel: panel.iter().map(|(p, l)| Seat::new(*p, *l)).collect(),
            chair: panel.first().map(|(p, _)| PersonId::new(*p)),
            materials,
        };
        self.step(days, "ops", convene)?;
        // Seats vote in turn until the gate's rule has decided: later votes would be refused.
        let mut voted = 0;
        for (reviewer, _) in panel {
            let decided = self.deal.meeting().is_some_and(|m| {
                self.process
                    .policy(m.gate)
                    .is_some_and(|p| m.verdict(&p.rule).is_some())
            });
            if decided {
                break;
            }
            let ballot = Command::CastVote {
                vote,
                comment: None,
            };
            self.step(0, reviewer, ballot)?;
            voted += 1;
        }
        let minutes = format!("{gate}: {vote:?} by {voted} reviewer(s)");
        self.step(
            1,
            "ops",
            Command::RecordDecision {
                minutes,
                conditions,
            },
        )
    }
}

fn eur(amount: i64) -> Result<Money, ltc_pipeline::Error> {
    Money::new(Decimal::from(amount), "EUR")
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut s = Story {
        process: Process::standard(),
        deal: Deal::new(DealId::new("NW-2026-001")),
        log: Vec::new(),
        now: Utc
            .with_ymd_and_hms(2026, 1, 12, 9, 0, 0)
            .single()
            .ok_or("bad date")?,
    };
    println!("== Deal NW-2026-001: Northwind, from lead to cash ==\n");

    // Lead: captured at a trade fair, graded by the scorecard, qualified.
    let capture = Command::CaptureLead {
        customer: "Northwind".into(),
        source: "trade fair".into(),
        estimate: Some(eur(240_000)?),
    };
    s.step(0, "ops", capture)?;
    let scores = [("budget", 4), ("decision_chain", 3), ("urgency", 4)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    s.step(2, "ana", Command::GradeLead { scores })?;
    s.step(1, "ana", Command::QualifyLead {})?;

    // The iron triangle forms: AR and SR before opportunity approval.
    s.join(0, "ana", Role::ar())?;
    s.join(0, "sam", Role::sr())?;
    // Four-eyes: the deal's own AR cannot sit on its panel.
    let self_review = Command::ConveneGate {
        gate: GateKind::OpportunityApproval,
        panel: vec![Seat::new("ana", "director")],
        chair: None,
        materials: vec!["opportunity brief".into()],
    };
    s.refused("ops", self_review);
    s.gate(
        2,
        GateKind::OpportunityApproval,
        &[("eve", "director")],
        Vote::Approve,
        vec![],
    )?;

    // Solution review: sent back for rework once, then approved with a condition.
    s.gate(
        14,
        GateKind::SolutionReview,
        &[("mia", "manager"), ("dan", "director")],
        Vote::Rework,
        vec![],
    )?;
    s.join(3, "sue", Role::sr())?; // a presales engineer joins late
    let condition = ConditionSpec {
        id: "C-1".into(),
        text: "review the delivery risk with fulfilment".into(),
        due: Some(s.now + Duration::days(14)),
    };
    s.gate(
        7,
        GateKind::SolutionReview,
        &[("mia", "manager"), ("dan", "director")],
        Vote::Approve,
        vec![condition],
    )?;
    s.join(1, "fred", Role::fr())?;
    // The condition blocks the bid decision until it is closed.
    let early_bid = Command::ConveneGate {
        gate: GateKind::BidDecision,
        panel: vec![Seat::new("mia", "manager"), Seat::new("dan", "director")],
        chair: None,
        materials: vec!["pricing".into(), "risk assessment".into()],
    };
    s.refused("ops", early_bid);
    let close = Command::CloseCondition {
        id: "C-1".into(),
        note: "delivery risk reviewed with Fred".into(),
    };
    s.step(3, "sue", close)?;
    let leave = Command::RemoveMember {
        person: "sam".into(),
        role: Role::sr(),
        closure_recommendation: None,
    };
    s.step(1, "ops", leave)?; // sam moves to another deal; sue carries SR

    // Bid decision (2 of n), negotiation, contract decision.
    s.gate(
        2,
        GateKind::BidDecision,
        &[("mia", "manager"), ("dan", "director"), ("zoe", "manager")],
        Vote::Approve,
        vec![],
    )?;
    let terms = Command::RequestContractDecision {
        terms: eur(200_000)?,
    };
    s.step(30, "ana", terms)?;
    s.gate(
        2,
        GateKind::ContractDecision,
        &[("eve", "director")],
        Vote::Approve,
        vec![],
    )?;

    // Execution: two milestones, two invoices, partial payments.
    for (id, title) in [("M-1", "installation"), ("M-2", "go-live")] {
        let milestone = Command::AddMilestone {
            id: id.into(),
            title: title.into(),
        };
        s.step(1, "fred", milestone)?;
    }
    s.step(30, "fred", Command::DeliverMilestone { id: "M-1".into() })?;
    s.step(5, "fred", Command::AcceptMilestone { id: "M-1".into() })?;
    let invoice = |id: &str, amount| -> Result<Command, ltc_pipeline::Error> {
        Ok(Command::IssueInvoice {
            id: id.into(),
            amount: eur(amount)?,
            due: None,
        })
    };
    s.step(1, "ana", invoice("INV-1", 120_000)?)?;
    s.refused("ana", invoice("INV-X", 100_000)?); // above the contract value
    s.step(30, "fred", Command::DeliverMilestone { id: "M-2".into() })?;
    s.step(5, "fred", Command::AcceptMilestone { id: "M-2".into() })?;
    s.step(1, "ana", invoice("INV-2", 80_000)?)?;
    for (id, inv, amount) in [
        ("PAY-1", "INV-1", 60_000),
        ("PAY-2", "INV-1", 60_000),
        ("PAY-3", "INV-2", 80_000),
    ] {
        let payment = Command::RecordPayment {
            id: id.into(),
            invoice: inv.into(),
            amount: eur(amount)?,
        };
        s.step(20, "ana", payment)?;
    }
    s.gate(
        3,
        GateKind::ClosureDecision,
        &[("mia", "manager")],
        Vote::Approve,
        vec![],
    )?;

    let replayed = Deal::replay(DealId::new("NW-2026-001"), &s.process, &s.log)?;
    println!(
        "\n{} events; replaying them rebuilds the same deal: {}",
        s.log.len(),
        replayed == s.deal
    );

    // The payout: 5% of the contract value, earned as cash arrives, 40:30:30, 15% held back.
    let terms = DealTerms {
        roles: [("AR", 40), ("SR", 30), ("FR", 30)]
            .into_iter()
            .map(|(r, w)| (r.to_owned(), Decimal::from(w)))
            .collect(),
        rate: Decimal::new(5, 2),
        basis: Basis::Cash,
        scale: 2,
        holdback: Decimal::new(15, 2),
        vacant_roles: VacantRoles::Redistribute,
        contributions: Default::default(),
    };
    let end = s.now.date_naive() + Days::new(1);
    let payout = from_deal(&s.deal, &terms, end)?;
    println!(
        "\n== Payout: pool {} EUR (5% of 200,000), cash basis, 15% held back ==\n",
        payout.rule.full_pool(2)?
    );
    let tranches = payout.tranches()?;
    let mut people: Vec<String> = payout
        .request
        .members
        .iter()
        .map(|m| m.id.clone())
        .collect();
    people.sort();
    people.dedup();
    print!("{:<12} {:>10}", "tranche", "pool");
    for p in &people {
        print!(" {p:>10}");
    }
    println!();
    for t in &tranches {
        print!("{:<12} {:>10}", t.date, t.pool);
        for p in &people {
            let amount = t.person(p).map_or(Decimal::ZERO, |l| l.amount);
            print!(" {amount:>10}");
        }
        println!();
    }

    let result = split(&payout.request)?;
    println!(
        "\n{:<6} {:<4} {:>14} {:>10} {:>10} {:>10} {:>10}",
        "person", "role", "weighted days", "exact", "amount", "held", "payable"
    );
    for person in &result.people {
        for (i, line) in person.lines.iter().enumerate() {
            // Holdback applies to the person's total, so it is shown once per person.
            let (held, payable) = if i == 0 {
                (person.held.to_string(), person.payable.to_string())
            } else {
                (String::new(), String::new())
            };
            println!(
                "{:<6} {:<4} {:>14} {:>10} {:>10} {:>10} {:>10}",
                person.id,
                line.role,
                line.contribution,
                line.exact_share.round_dp(4),
                line.amount,
                held,
                payable
            );
        }
    }
    let total: Decimal = result.people.iter().map(|p| p.amount).sum();
    println!(
        "{:<6} {:<4} {:>14} {:>10} {:>10}",
        "total", "", "", "", total
    );
    println!(
        "\nSR is shared by involvement-weighted days: sam until he left, sue from when she joined."
    );
    Ok(())
}
