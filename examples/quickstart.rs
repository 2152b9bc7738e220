//! One realistic deal from lead to cash with the standard process, then the team's payout.
//!
//! Run it with `cargo run --example quickstart`. It prints the deal's timeline (every command,
//! who sent it, the stage it left the deal in, and the refusals) and the payout of a cash-based
//! pool, tranche by tranche, with 15% held back.
#![forbid(unsafe_code)]

use ltc_incentive::{from_deal, split, Basis, DealTerms};
use ltc_pipeline::{
    Command, ConditionSpec, DateTime, Deal, DealId, Decimal, Duration, Event, GateKind,
    GateSession, Money, PersonId, Process, Role, Seat, TimeZone, Utc, Vote,
};
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
        self.step(days, "ops", Command::add_member(person, role, Decimal::ONE))
    }

    /// Holds a gate: convened by ops, one vote per seat until the rule decides, the decision.
    fn gate(&mut self, days: i64, session: GateSession) -> Result<(), Box<dyn Error>> {
        let steps = session.steps(&self.process)?;
        let last = steps.len().saturating_sub(1);
        for (i, (actor, command)) in steps.into_iter().enumerate() {
            // Convened `days` on; the votes the same day; the decision the day after.
            let after = match i {
                0 => days,
                i if i == last => 1,
                _ => 0,
            };
            self.step(after, actor.as_str(), command)?;
        }
        Ok(())
    }
}

/// A session of `gate` convened by ops with this panel.
fn gate(gate: GateKind, panel: &[(&str, &str)]) -> GateSession {
    GateSession::new(gate, "ops").panel(panel.iter().copied())
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
    let capture = Command::capture_lead("Northwind", "trade fair", Some(Money::eur(240_000)));
    s.step(0, "ops", capture)?;
    let scores = [("budget", 4), ("decision_chain", 3), ("urgency", 4)];
    s.step(2, "ana", Command::grade_lead(scores))?;
    s.step(1, "ana", Command::QualifyLead {})?;

    // The iron triangle forms: AR and SR before opportunity approval.
    s.join(0, "ana", Role::ar())?;
    s.join(0, "sam", Role::sr())?;
    // Four-eyes: the deal's own AR cannot sit on its panel.
    let self_review = Command::ConveneGate {
        gate: GateKind::OpportunityApproval,
        panel: vec![Seat::new("ana", "director")].into(),
        chair: None,
        materials: vec!["opportunity brief".into()].into(),
    };
    s.refused("ops", self_review);
    s.gate(
        2,
        gate(GateKind::OpportunityApproval, &[("eve", "director")]),
    )?;

    // Solution review: sent back for rework once, then approved with a condition.
    let review = &[("mia", "manager"), ("dan", "director")];
    s.gate(
        14,
        gate(GateKind::SolutionReview, review).vote(Vote::Rework),
    )?;
    s.join(3, "sue", Role::sr())?; // a presales engineer joins late
    let condition = ConditionSpec::new("C-1", "review the delivery risk with fulfilment")
        .due(s.now + Duration::days(14));
    s.gate(
        7,
        gate(GateKind::SolutionReview, review).condition(condition),
    )?;
    s.join(1, "fred", Role::fr())?;
    // The condition blocks the bid decision until it is closed.
    let early_bid = Command::ConveneGate {
        gate: GateKind::BidDecision,
        panel: vec![Seat::new("mia", "manager"), Seat::new("dan", "director")].into(),
        chair: None,
        materials: vec!["pricing".into(), "risk assessment".into()].into(),
    };
    s.refused("ops", early_bid);
    let close = Command::close_condition("C-1", "delivery risk reviewed with Fred");
    s.step(3, "sue", close)?;
    let leave = Command::remove_member("sam", Role::sr());
    s.step(1, "ops", leave)?; // sam moves to another deal; sue carries SR

    // Bid decision (2 of n), negotiation, contract decision.
    let bid = &[("mia", "manager"), ("dan", "director"), ("zoe", "manager")];
    s.gate(2, gate(GateKind::BidDecision, bid))?;
    let terms = Command::request_contract_decision(Money::eur(200_000));
    s.step(30, "ana", terms)?;
    s.gate(2, gate(GateKind::ContractDecision, &[("eve", "director")]))?;

    // Execution: two milestones, two invoices, partial payments.
    for (id, title) in [("M-1", "installation"), ("M-2", "go-live")] {
        s.step(1, "fred", Command::add_milestone(id, title))?;
    }
    s.step(30, "fred", Command::deliver_milestone("M-1"))?;
    s.step(5, "fred", Command::accept_milestone("M-1"))?;
    let invoice = |id: &str, amount: i64| Command::issue_invoice(id, Money::eur(amount));
    s.step(1, "ana", invoice("INV-1", 120_000))?;
    s.refused("ana", invoice("INV-X", 100_000)); // above the contract value
    s.step(30, "fred", Command::deliver_milestone("M-2"))?;
    s.step(5, "fred", Command::accept_milestone("M-2"))?;
    s.step(1, "ana", invoice("INV-2", 80_000))?;
    for (id, inv, amount) in [
        ("PAY-1", "INV-1", 60_000),
        ("PAY-2", "INV-1", 60_000),
        ("PAY-3", "INV-2", 80_000),
    ] {
        s.step(
            20,
            "ana",
            Command::record_payment(id, inv, Money::eur(amount)),
        )?;
    }
    s.gate(3, gate(GateKind::ClosureDecision, &[("mia", "manager")]))?;

    let replayed = Deal::replay(DealId::new("NW-2026-001"), &s.process, &s.log)?;
    println!(
        "\n{} events; replaying them rebuilds the same deal: {}",
        s.log.len(),
        replayed == s.deal
    );

    // The payout: 5% of the contract value, earned as cash arrives, 40:30:30, 15% held back.
    let terms = DealTerms::new(Decimal::new(5, 2), Basis::Cash)
        .role("AR", 40)
        .role("SR", 30)
        .role("FR", 30)
        .holdback(Decimal::new(15, 2));
    let payout = from_deal(&s.deal, &s.process, &terms)?;
    println!(
        "\n== Payout: pool {} {} (5% of 200,000), cash basis, 15% held back ==\n",
        payout.request.pool, payout.currency
    );
    let tranches = payout.tranches()?;
    let mut people: Vec<String> = payout
        .request
        .members
        .iter()
        .map(|m| m.id.to_string())
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
