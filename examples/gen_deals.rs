//! Generates a sample data set of deal event logs for `ltc report`, from a fixed seed.
//!
//! ```text
//! cargo run -p ltc-examples --example gen_deals > examples/data/deals.json
//! cargo run -p ltc-examples --example gen_deals -- 7 100   # seed 7, 100 deals
//! ```
//!
//! Every deal is driven through the engine with the standard process ([`Deal::execute`]), so every
//! log is one the engine really produces. A small deterministic generator (splitmix64) picks each
//! deal's fate and timing: wins; losses, withdrawals and disqualifications at every phase
//! (rejected at each gate, lost to a competitor, cancelled during delivery); gates sent back for
//! rework; approvals with conditions, some closed late; invoices paid on time, late, or not yet;
//! account owners who leave, with or without a closure recommendation; contracts closed by force
//! after five years of inactivity. Deals whose next step would fall after `NOW` stay open where
//! they are, so the set also has deals in every stage, some amber or red, some with things due.
//!
//! The output is one JSON document, the input of `ltc report`: `{"now": ..., "deals": [[event,
//! ...], ...]}` with one event per line. The same seed always gives the same bytes.
#![forbid(unsafe_code)]

use ltc_pipeline::{
    Command, ConditionSpec, Currency, DateTime, Deal, DealId, Decimal, Duration, Event, GateKind,
    GateSession, Money, PersonId, Process, Role, TimeZone, Utc, Vote,
};
use std::fmt::Write as _;
use std::process::ExitCode;

/// The default seed and size of the data set.
const SEED: u64 = 31;
const DEALS: usize = 64;

/// The instant the data set is taken at: nothing is generated after it.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 30, 17, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// splitmix64: a tiny, well-mixed deterministic generator (Steele, Lea and Flood, 2014).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = hi.saturating_sub(lo).saturating_add(1).max(1) as u64;
        lo.saturating_add((self.next() % span) as i64)
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let i = (self.next() % items.len().max(1) as u64) as usize;
        items.get(i).copied().unwrap_or("")
    }
}

/// Why a deal's script stopped.
enum Halt {
    /// The next step would be after `NOW`: the deal stays open where it is.
    Now,
    /// The engine refused a command: a bug in this generator.
    Refused(String),
}

/// How a deal's story ends (unless `NOW` comes first).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fate {
    Won,
    Disqualified,
    RejectedAt(GateKind),
    LostIn(&'static str),
    WithdrawnInNegotiation,
    CancelledInDelivery,
    ForceClosed,
    /// Signed years ago, delivery started, the AR left without a recommendation, then nothing:
    /// closure reminders are due.
    Dormant,
    /// Delivered and invoiced; the last invoice is never paid.
    Unpaid,
}

struct Sim<'a> {
    process: &'a Process,
    rng: &'a mut Rng,
    deal: Deal,
    log: Vec<Event>,
    at: DateTime<Utc>,
    currency: Currency,
    ar: String,
    /// A stalled deal stops after this many events, wherever it stands.
    stall: Option<usize>,
}

const ARS: &[&str] = &["ana", "bob", "cat", "dev", "eli"];
const SRS: &[&str] = &["sam", "sue", "sid"];
const FRS: &[&str] = &["fred", "fay", "finn"];
const CUSTOMERS: &[&str] = &[
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Initech",
    "Globex",
    "Umbrella",
    "Hooli",
    "Wonka",
    "Tyrell",
    "Acme",
    "Stark",
    "Wayne",
];
const SOURCES: &[&str] = &["web", "trade fair", "referral", "partner", "cold call"];

impl Sim<'_> {
    /// Moves the clock on by `lo..=hi` days and a few working hours.
    fn wait(&mut self, lo: i64, hi: i64) -> Result<(), Halt> {
        let days = self.rng.range(lo, hi);
        let minutes = self.rng.range(0, 8 * 60);
        self.at += Duration::days(days) + Duration::minutes(minutes);
        if self.at > now() {
            Err(Halt::Now)
        } else {
            Ok(())
        }
    }

    fn run(&mut self, actor: &str, command: Command) -> Result<(), Halt> {
        if self.stall.is_some_and(|n| self.log.len() >= n) {
            return Err(Halt::Now);
        }
        let name = command.name();
        let events = self
            .deal
            .execute(self.process, &command, &PersonId::new(actor), self.at)
            .map_err(|e| Halt::Refused(format!("{}: `{name}` refused: {e}", self.deal.id())))?;
        self.log.extend(events);
        Ok(())
    }

    fn money(&self, amount: Decimal) -> Money {
        Money::of(amount, self.currency)
    }

    fn join(&mut self, person: &str, role: Role) -> Result<(), Halt> {
        self.run("ops", Command::add_member(person, role, Decimal::ONE))
    }

    /// Convenes `gate`, the panel votes `vote`, the convener records the decision.
    fn gate(&mut self, gate: GateKind, vote: Vote, condition: Option<i64>) -> Result<(), Halt> {
        let panel: &[(&str, &str)] = match gate {
            GateKind::OpportunityApproval => &[("mia", "manager")],
            GateKind::SolutionReview => &[("mia", "manager"), ("max", "manager")],
            GateKind::BidDecision => &[("max", "manager"), ("dan", "director")],
            GateKind::ContractDecision | GateKind::ChangeDecision => &[("eve", "executive")],
            GateKind::ClosureDecision => &[("dora", "director")],
        };
        self.wait(1, 4)?;
        let session = GateSession::new(gate, "ops")
            .panel(panel.iter().copied())
            .vote(vote)
            .minutes(format!("{gate}: {vote:?}"));
        let steps = session
            .steps(self.process)
            .map_err(|e| Halt::Refused(e.to_string()))?;
        let last = steps.len().saturating_sub(1);
        for (i, (actor, mut command)) in steps.into_iter().enumerate() {
            if i == 1 {
                // Most gates are decided within their service level; some drag on.
                if self.rng.chance(15) {
                    self.wait(5, 12)?;
                } else {
                    self.wait(0, 3)?;
                }
            }
            if let (true, Command::RecordDecision { conditions, .. }) = (i == last, &mut command) {
                // The condition's id counts the events before the decision.
                if let (Vote::Approve, Some(due_in)) = (vote, condition) {
                    let id = format!("{}-C{}", self.deal.id(), self.log.len());
                    let text = "confirm delivery capacity with the FR";
                    conditions
                        .push(ConditionSpec::new(id, text).due(self.at + Duration::days(due_in)));
                }
            }
            self.run(actor.as_str(), command)?;
        }
        // Close the conditions just attached: usually in time, sometimes late.
        let open: Vec<_> = self.deal.open_conditions().into_iter().cloned().collect();
        for id in open {
            if self.rng.chance(25) {
                self.wait(16, 30)?;
            } else {
                self.wait(2, 12)?;
            }
            self.run(&self.ar.clone(), Command::close_condition(id, "done"))?;
        }
        Ok(())
    }

    /// A gate that may first be sent back for rework, then passes (possibly with a condition).
    fn pass(&mut self, gate: GateKind) -> Result<(), Halt> {
        if self.rng.chance(20) {
            self.gate(gate, Vote::Rework, None)?;
            self.wait(4, 15)?;
        }
        // No condition on the closure decision: its approval ends the deal.
        let condition = (gate != GateKind::ClosureDecision && self.rng.chance(15)).then_some(14);
        self.gate(gate, Vote::Approve, condition)
    }

    fn end(&mut self, command: Command) -> Result<(), Halt> {
        self.wait(1, 20)?;
        let actor = self.ar.clone();
        self.run(&actor, command)
    }

    fn lose(&mut self, reason: &str) -> Result<(), Halt> {
        self.end(Command::Lose {
            reason: reason.into(),
        })
    }

    fn story(&mut self, fate: Fate, estimate: i64) -> Result<(), Halt> {
        let customer = self.rng.pick(CUSTOMERS);
        let source = self.rng.pick(SOURCES);
        let estimate = Decimal::from(estimate);
        let value = self.money(estimate);
        self.run("ops", Command::capture_lead(customer, source, Some(value)))?;
        self.wait(0, 6)?;
        let hot = fate != Fate::Disqualified;
        let score = |rng: &mut Rng| if hot { rng.range(3, 5) } else { rng.range(0, 2) } as u32;
        let scores: Vec<(&str, u32)> = ["budget", "decision_chain", "urgency"]
            .iter()
            .map(|k| (*k, score(self.rng)))
            .collect();
        let ar = self.ar.clone();
        self.run(&ar, Command::grade_lead(scores))?;
        if fate == Fate::Disqualified {
            return self.end(Command::Disqualify {
                reason: "no budget this year".into(),
            });
        }
        self.wait(0, 5)?;
        self.run(&ar, Command::QualifyLead {})?;
        self.join(&ar, Role::ar())?;
        let sr = self.rng.pick(SRS);
        self.join(sr, Role::sr())?;

        // Opportunity approval.
        if fate == Fate::RejectedAt(GateKind::OpportunityApproval) {
            return self.gate(GateKind::OpportunityApproval, Vote::Reject, None);
        }
        self.pass(GateKind::OpportunityApproval)?;

        // Solution work, then the review (or its skip for a small deal).
        self.wait(5, 30)?;
        let fr = self.rng.pick(FRS);
        self.join(fr, Role::fr())?;
        if fate == Fate::LostIn("solution_work") {
            return self.lose("the customer chose an in-house solution");
        }
        let below = self.process.definition().skip_solution_review_below;
        if below.is_some_and(|b| estimate < b) {
            self.run("ops", Command::SkipSolutionReview {})?;
        } else if fate == Fate::RejectedAt(GateKind::SolutionReview) {
            return self.gate(GateKind::SolutionReview, Vote::Reject, None);
        } else {
            self.pass(GateKind::SolutionReview)?;
        }

        // The bid.
        self.wait(3, 20)?;
        if fate == Fate::LostIn("bid") {
            return self.lose("a competitor's bid was cheaper");
        }
        if fate == Fate::RejectedAt(GateKind::BidDecision) {
            return self.gate(GateKind::BidDecision, Vote::Reject, None);
        }
        self.pass(GateKind::BidDecision)?;

        // Negotiation.
        self.wait(10, 50)?;
        match fate {
            Fate::LostIn("negotiation") => return self.lose("a competitor won"),
            Fate::WithdrawnInNegotiation => {
                return self.end(Command::Withdraw {
                    reason: "the terms became unprofitable".into(),
                })
            }
            _ => {}
        }
        let discount = Decimal::from(self.rng.range(85, 100));
        let terms = (estimate * discount / Decimal::ONE_HUNDRED).round_dp(0);
        let terms_money = self.money(terms);
        self.run(&ar, Command::request_contract_decision(terms_money))?;
        if fate == Fate::LostIn("awaiting_contract_decision") {
            return self.lose("the customer cancelled the project");
        }
        if fate == Fate::RejectedAt(GateKind::ContractDecision) {
            return self.gate(GateKind::ContractDecision, Vote::Reject, None);
        }
        self.pass(GateKind::ContractDecision)?;
        self.execute(fate, terms, fr)
    }

    /// Contract execution: milestones, invoices, payments, then closure (or a bad end).
    fn execute(&mut self, fate: Fate, value: Decimal, fr: &str) -> Result<(), Halt> {
        let milestones = self.rng.range(1, 3);
        self.wait(1, 5)?;
        for m in 1..=milestones {
            self.run(
                fr,
                Command::AddMilestone {
                    id: format!("M-{m}").into(),
                    title: format!("delivery {m}").into(),
                },
            )?;
        }
        if matches!(fate, Fate::ForceClosed | Fate::Dormant) {
            // Work starts, then the contract goes dormant for more than five years.
            self.wait(20, 60)?;
            self.run(fr, Command::DeliverMilestone { id: "M-1".into() })?;
            if fate == Fate::Dormant || self.rng.chance(50) {
                self.wait(30, 200)?;
                let ar = self.ar.clone();
                let note = (fate == Fate::ForceClosed)
                    .then(|| "close: the customer stopped the rollout".to_owned());
                self.run(
                    "ops",
                    Command::RemoveMember {
                        person: ar.as_str().into(),
                        role: Role::ar(),
                        closure_recommendation: note.map(Into::into),
                    },
                )?;
            }
            if fate == Fate::Dormant {
                return Ok(());
            }
            let required = i64::from(self.process.definition().forced_closure_after_days);
            self.wait(required, required + 60)?;
            return self.run(
                "ops",
                Command::ForceClose {
                    recommendation: "dormant for five years; nothing more to deliver".into(),
                },
            );
        }
        let share = (value / Decimal::from(milestones)).round_dp(2);
        let mut invoiced = Decimal::ZERO;
        for m in 1..=milestones {
            self.wait(10, 60)?;
            self.run(
                fr,
                Command::DeliverMilestone {
                    id: format!("M-{m}").into(),
                },
            )?;
            self.wait(2, 10)?;
            self.run(
                fr,
                Command::AcceptMilestone {
                    id: format!("M-{m}").into(),
                },
            )?;
            if fate == Fate::CancelledInDelivery && m == milestones {
                return self.lose("the customer cancelled after a failed acceptance test");
            }
            // The account owner may leave mid-delivery; a colleague takes over.
            if m == 1 && self.rng.chance(12) {
                self.wait(1, 10)?;
                let leaving = self.ar.clone();
                let note = self
                    .rng
                    .chance(50)
                    .then(|| "close once the last invoice is paid".to_owned());
                self.run(
                    "ops",
                    Command::RemoveMember {
                        person: leaving.as_str().into(),
                        role: Role::ar(),
                        closure_recommendation: note.map(Into::into),
                    },
                )?;
                let next = ARS
                    .iter()
                    .find(|p| **p != leaving)
                    .copied()
                    .unwrap_or("ana");
                self.ar = next.to_owned();
                self.join(next, Role::ar())?;
            }
            let amount = if m == milestones {
                value - invoiced
            } else {
                share
            };
            invoiced += amount;
            self.wait(0, 3)?;
            let id = format!("INV-{m}");
            let invoice = self.money(amount);
            let ar = self.ar.clone();
            self.run(
                &ar,
                Command::IssueInvoice {
                    id: id.as_str().into(),
                    amount: invoice,
                    due: Some(self.at + Duration::days(30)),
                },
            )?;
            if fate == Fate::Unpaid && m == milestones {
                return Ok(());
            }
            // Payment: on time, late, or in two parts.
            let split = self.rng.chance(20);
            let first = if split {
                (amount / Decimal::TWO).round_dp(2)
            } else {
                amount
            };
            if self.rng.chance(35) {
                self.wait(35, 90)?;
            } else {
                self.wait(10, 29)?;
            }
            let pay = self.money(first);
            self.run(
                &ar,
                Command::RecordPayment {
                    id: format!("PAY-{m}a").into(),
                    invoice: id.as_str().into(),
                    amount: pay,
                },
            )?;
            if split {
                self.wait(10, 45)?;
                let rest = self.money(amount - first);
                self.run(
                    &ar,
                    Command::RecordPayment {
                        id: format!("PAY-{m}b").into(),
                        invoice: id.as_str().into(),
                        amount: rest,
                    },
                )?;
            }
        }
        self.wait(3, 20)?;
        self.pass(GateKind::ClosureDecision)
    }
}

fn fate(rng: &mut Rng) -> Fate {
    match rng.range(0, 99) {
        0..=7 => Fate::Disqualified,
        8..=11 => Fate::RejectedAt(GateKind::OpportunityApproval),
        12..=14 => Fate::RejectedAt(GateKind::SolutionReview),
        15..=18 => Fate::LostIn("solution_work"),
        19..=23 => Fate::LostIn("bid"),
        24..=27 => Fate::RejectedAt(GateKind::BidDecision),
        28..=33 => Fate::LostIn("negotiation"),
        34..=36 => Fate::WithdrawnInNegotiation,
        37..=39 => Fate::LostIn("awaiting_contract_decision"),
        40..=42 => Fate::RejectedAt(GateKind::ContractDecision),
        43..=47 => Fate::CancelledInDelivery,
        48..=51 => Fate::ForceClosed,
        52..=54 => Fate::Dormant,
        55..=57 => Fate::Unpaid,
        _ => Fate::Won,
    }
}

fn generate(seed: u64, count: usize) -> Result<Vec<Vec<Event>>, String> {
    let process = Process::standard();
    let mut rng = Rng(seed);
    let mut logs = Vec::new();
    for i in 1..=count {
        let fate = fate(&mut rng);
        // Most deals start in the last two years; dormant contracts start long before.
        let stalled = rng.chance(15);
        let back = match fate {
            Fate::ForceClosed => rng.range(2_050, 2_500),
            Fate::Dormant => rng.range(800, 1_500),
            _ if stalled => rng.range(30, 200),
            _ => rng.range(5, 730),
        };
        let start = now() - Duration::days(back) - Duration::hours(rng.range(0, 8));
        let estimate = rng.range(20, 900) * 1_000;
        let ar = rng.pick(ARS).to_owned();
        let currency = if rng.chance(15) {
            Currency::USD
        } else {
            Currency::EUR
        };
        let stall = stalled.then(|| rng.range(8, 40) as usize);
        let mut sim = Sim {
            process: &process,
            rng: &mut rng,
            deal: Deal::new(DealId::new(format!("D-{i:03}"))),
            log: Vec::new(),
            at: start,
            currency,
            ar,
            stall,
        };
        match sim.story(fate, estimate) {
            Ok(()) | Err(Halt::Now) => logs.push(sim.log),
            Err(Halt::Refused(why)) => return Err(why),
        }
    }
    Ok(logs)
}

fn to_json(logs: &[Vec<Event>]) -> Result<String, String> {
    let mut out = String::new();
    let now = serde_json::to_string(&now()).map_err(|e| e.to_string())?;
    let _ = write!(out, "{{\"now\": {now},\n\"deals\": [\n");
    for (i, log) in logs.iter().enumerate() {
        out.push_str("[\n");
        // Stored as a host stores them: sealed into each deal's hash chain.
        let sealed = ltc_pipeline::integrity::seal(
            ltc_pipeline::integrity::Digest::GENESIS,
            log.iter().cloned(),
        );
        for (j, event) in sealed.iter().enumerate() {
            out.push_str(&serde_json::to_string(event).map_err(|e| e.to_string())?);
            out.push_str(if j + 1 < log.len() { ",\n" } else { "\n" });
        }
        out.push_str(if i + 1 < logs.len() { "],\n" } else { "]\n" });
    }
    out.push_str("]}\n");
    Ok(out)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seed = args.first().and_then(|s| s.parse().ok()).unwrap_or(SEED);
    let count = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(DEALS);
    match generate(seed, count).and_then(|logs| to_json(&logs)) {
        Ok(json) => {
            print!("{json}");
            ExitCode::SUCCESS
        }
        Err(why) => {
            eprintln!("error: {why}");
            ExitCode::FAILURE
        }
    }
}
