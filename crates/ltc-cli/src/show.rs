//! `ltc show` and `ltc list` for people: one deal at a glance, and one line per deal.

use crate::commands::one_line;
use chrono::{DateTime, Utc};
use ltc_analytics::{DealLight, Due};
use ltc_pipeline::{Blocker, Deal, DecisionRule, GateNeeds, Stage};
use std::fmt::Write as _;

/// One deal as `ltc show` prints it: the stage, the team, the gate it waits for and what that
/// gate needs (`needs`, from [`Deal::gate_needs`]), the open gate and its votes, the contract,
/// and what is due at `now`.
///
/// ```
/// # use chrono::{TimeZone, Utc};
/// # use ltc_pipeline::{Command, Deal, DealId, Money, Process};
/// # use rust_decimal::Decimal;
/// let process = Process::standard();
/// let mut deal = Deal::new(DealId::new("D-1"));
/// let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
/// let lead = Command::CaptureLead {
///     customer: "ACME".into(),
///     source: "web".into(),
///     estimate: Some(Money::new(Decimal::from(80_000), "EUR")?),
/// };
/// deal.execute(&process, &lead, &"ops".into(), at)?;
/// let text = ltc_cli::show::deal(&deal, None, None, &[], at);
/// assert!(text.starts_with("deal D-1: ACME (web), captured since 2026-03-02"), "{text}");
/// assert!(text.contains("estimate: 80000 EUR"), "{text}");
///
/// // Qualified, it waits for the opportunity approval: what that needs is shown.
/// let grade = Command::grade_lead([("budget", 4), ("decision_chain", 3), ("urgency", 5)]);
/// deal.execute(&process, &grade, &"ana".into(), at)?;
/// deal.execute(&process, &Command::QualifyLead {}, &"ana".into(), at)?;
/// let needs = deal.gate_needs(&process)?;
/// let text = ltc_cli::show::deal(&deal, needs.as_ref(), None, &[], at);
/// assert!(text.contains("waiting for: opportunity_approval, not convened"), "{text}");
/// assert!(text.contains("  materials: opportunity brief"), "{text}");
/// assert!(text.contains("  before convening: staff AR (role_not_staffed)"), "{text}");
/// # Ok::<(), ltc_pipeline::Error>(())
/// ```
pub fn deal(
    deal: &Deal,
    needs: Option<&GateNeeds>,
    light: Option<&DealLight>,
    due: &[Due],
    now: DateTime<Utc>,
) -> String {
    let mut out = String::new();
    let stage = deal
        .stage_kind()
        .map_or_else(|| "not opened".to_owned(), |s| s.to_string());
    let since = deal.stage_since().map(date).unwrap_or_default();
    let _ = write!(
        out,
        "deal {}: {} ({}), {stage} since {since}",
        one_line(deal.id().as_str()),
        one_line(deal.customer()),
        one_line(deal.source()),
    );
    if let Some(light) = light {
        let _ = write!(out, ", light {}", light.light.as_str());
    }
    let _ = writeln!(
        out,
        "\n  version {} under {}, last event {}, as of {}",
        deal.version(),
        deal.process()
            .map_or_else(|| "no process".to_owned(), ToString::to_string),
        deal.last_event_at().map(date).unwrap_or_default(),
        date(now),
    );
    if let (Some(amount), Some(currency)) = (deal.amount(), deal.currency()) {
        let what = if deal.contract().is_some() {
            "value"
        } else {
            "estimate"
        };
        let _ = writeln!(out, "  {what}: {amount} {currency}");
    }
    if let Stage::Ended(ending) = deal.stage() {
        let _ = writeln!(
            out,
            "  ended: {} from {} on {} by {}: {}",
            ending.kind,
            ending.from,
            date(ending.at),
            one_line(ending.by.as_str()),
            one_line(&ending.reason),
        );
    }

    out.push_str("team:\n");
    let mut any = false;
    for stint in deal.team().stints() {
        any = true;
        let left = stint
            .left
            .map_or_else(String::new, |l| format!(" until {}", date(l)));
        let _ = writeln!(
            out,
            "  {:<4} {:<16} involvement {} from {}{left}",
            one_line(stint.role.as_str()),
            one_line(stint.person.as_str()),
            stint.involvement,
            date(stint.joined),
        );
    }
    if !any {
        out.push_str("  (nobody yet)\n");
    }

    if let Some(meeting) = deal.meeting() {
        let tally = meeting.tally();
        let _ = writeln!(
            out,
            "open gate: {} (attempt {}), convened {} by {}; {} approve, {} rework, {} reject, {} pending",
            meeting.gate,
            meeting.attempt,
            date(meeting.convened_at),
            one_line(meeting.convened_by.as_str()),
            tally.approvals,
            tally.reworks,
            tally.rejections,
            tally.pending,
        );
        for seat in meeting.panel.iter() {
            let vote = meeting.ballot(&seat.person).map_or_else(
                || "not voted".to_owned(),
                |b| format!("{} on {}", b.vote, date(b.at)),
            );
            let _ = writeln!(
                out,
                "  {:<16} {:<10} {vote}",
                one_line(seat.person.as_str()),
                one_line(&seat.level),
            );
        }
    }
    if let Some(needs) = needs {
        gate_needs(&mut out, needs);
    }
    let open = deal.open_conditions();
    if !open.is_empty() {
        let ids: Vec<String> = open.iter().map(|c| one_line(c.as_str())).collect();
        let _ = writeln!(out, "open conditions: {}", ids.join(", "));
    }

    if let Some(contract) = deal.contract() {
        let _ = writeln!(
            out,
            "contract: {} signed {}; invoiced {}, collected {}, {} of {} milestones accepted",
            contract.value,
            date(contract.signed_at),
            contract.invoiced(),
            contract.collected(),
            contract
                .milestones
                .values()
                .filter(|m| m.accepted_at.is_some())
                .count(),
            contract.milestones.len(),
        );
        if let Some(proposed) = &contract.proposed_amendment {
            let _ = writeln!(
                out,
                "  amendment proposed: {} ({})",
                proposed.new_value,
                one_line(&proposed.reason)
            );
        }
    }

    if due.is_empty() {
        out.push_str("due: nothing\n");
    } else {
        out.push_str("due:\n");
        for item in due {
            let who: Vec<String> = item.who.iter().map(|p| one_line(p.as_str())).collect();
            let _ = writeln!(
                out,
                "  {} since {} ({})",
                one_line(&item.kind.to_string()),
                date(item.since),
                if who.is_empty() {
                    "nobody".to_owned()
                } else {
                    who.join(", ")
                },
            );
        }
    }
    out
}

/// What the gate the deal waits for needs: under the open gate's votes once it is convened, else
/// a section of its own.
fn gate_needs(out: &mut String, needs: &GateNeeds) {
    let list = |items: Vec<String>| items.join(", ");
    if !needs.convened {
        let _ = writeln!(out, "waiting for: {}, not convened", needs.gate);
        let _ = writeln!(out, "  panel: {}", panel(needs));
        if needs.four_eyes && !needs.barred.is_empty() {
            let barred = needs.barred.iter().map(|p| one_line(p.as_str())).collect();
            let _ = writeln!(
                out,
                "  four-eyes: not {} (on the deal's team)",
                list(barred)
            );
        }
    }
    let _ = writeln!(out, "  rule: {}", rule(needs));
    if !needs.convened {
        if !needs.materials.is_empty() {
            let materials = needs.materials.iter().map(|m| one_line(m)).collect();
            let _ = writeln!(out, "  materials: {}", list(materials));
        }
        if !needs.roles.is_empty() {
            let roles = needs
                .roles
                .iter()
                .map(|r| {
                    let state = if r.staffed { "staffed" } else { "not staffed" };
                    format!("{} {state}", one_line(r.role.as_str()))
                })
                .collect();
            let _ = writeln!(out, "  roles: {}", list(roles));
        }
        if let Some(days) = needs.service_level_days {
            let _ = writeln!(out, "  service level: {days} days once convened");
        }
        if let (Some(below), Some(amount)) = (needs.skip_below, needs.amount) {
            let _ = writeln!(
                out,
                "  or skip it: {amount} is below {below} (skip_solution_review)"
            );
        }
    }
    let blockers: Vec<String> = needs.blockers.iter().map(blocker).collect();
    if let Some(votes) = &needs.votes {
        let convener = one_line(votes.convener.as_str());
        let _ = match votes.verdict {
            Some(verdict) => writeln!(
                out,
                "  decided by the rule: {verdict}; {convener} records the decision"
            ),
            None => writeln!(
                out,
                "  waiting for: {}; then {convener} records the decision",
                list(blockers)
            ),
        };
    } else if !blockers.is_empty() {
        let _ = writeln!(out, "  before convening: {}", list(blockers));
    }
}

/// The panel a gate needs: named reviewers, seats by level, the escalation on the amount.
fn panel(needs: &GateNeeds) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !needs.named.is_empty() {
        let named: Vec<String> = needs.named.iter().map(|p| one_line(p.as_str())).collect();
        parts.push(format!("{} (named)", named.join(", ")));
    }
    for seats in &needs.seats {
        let plural = if seats.count == 1 { "seat" } else { "seats" };
        parts.push(format!(
            "{} {plural} of {} or higher",
            seats.count,
            one_line(&seats.level)
        ));
    }
    let amount = match (needs.amount, needs.currency) {
        (Some(amount), Some(currency)) => format!("{amount} {currency}"),
        (Some(amount), None) => amount.to_string(),
        (None, _) => String::new(),
    };
    // An escalation seat may be one of the seats above.
    let lead = if parts.is_empty() {
        "a seat of"
    } else {
        "one of them"
    };
    for e in &needs.escalation {
        let level = one_line(&e.level);
        parts.push(match e.applies {
            Some(true) => format!(
                "{lead} {level} or higher, as {amount} is above {} (escalation)",
                e.above
            ),
            Some(false) => format!("{level} or higher only above {} (not reached)", e.above),
            None => format!(
                "{lead} {level} or higher above {}, and the amount is not known",
                e.above
            ),
        });
    }
    if parts.is_empty() {
        "at least one seat".to_owned()
    } else {
        parts.join("; ")
    }
}

/// The rule, and the approvals it passes on (with those cast, once convened).
fn rule(needs: &GateNeeds) -> String {
    let plural = |n: u32| if n == 1 { "" } else { "s" };
    let approvals = needs.approvals.map(|n| {
        let so_far = needs
            .votes
            .as_ref()
            .map(|v| format!(", {} so far", v.tally.approvals))
            .unwrap_or_default();
        format!("{n} approval{} to pass{so_far}", plural(n))
    });
    let (name, says) = match &needs.rule {
        DecisionRule::Unanimous => ("unanimous", "every seat approves"),
        DecisionRule::Majority => ("majority", "more than half the seats approve"),
        DecisionRule::KOfN { .. } => ("k_of_n", ""),
        DecisionRule::SingleDecider if needs.convened => ("single_decider", "the chair decides"),
        DecisionRule::SingleDecider => (
            "single_decider",
            "the chair decides (name one on convening)",
        ),
        DecisionRule::FirstResponse => ("first_response", "the first vote decides"),
    };
    let parts: Vec<String> = [Some(says.to_owned()), approvals]
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect();
    format!("{name}: {}", parts.join("; "))
}

/// What stands in the way, said as what to do, with the refusal's code.
fn blocker(blocker: &Blocker) -> String {
    let what = match blocker {
        Blocker::OpenConditions { open } => {
            let ids: Vec<String> = open.iter().map(|c| one_line(c.as_str())).collect();
            format!("close {}", ids.join(", "))
        }
        Blocker::RoleNotStaffed { role } => format!("staff {}", one_line(role.as_str())),
        Blocker::AmountUnknown => "set an estimate (the panel escalates on it)".to_owned(),
        Blocker::Undecided { pending, .. } => format!(
            "the vote{} of {pending} seat{} not voted yet",
            if *pending == 1 { "" } else { "s" },
            if *pending == 1 { "" } else { "s" }
        ),
        other => other.code().replace('_', " "),
    };
    format!("{what} ({})", blocker.code())
}

fn date(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}
