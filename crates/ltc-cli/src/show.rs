//! `ltc show` and `ltc list` for people: one deal at a glance, and one line per deal.

use crate::commands::one_line;
use chrono::{DateTime, Utc};
use ltc_analytics::{DealLight, Due};
use ltc_pipeline::{Deal, Stage};
use std::fmt::Write as _;

/// One deal as `ltc show` prints it: the stage, the team, the open gate and its votes, the
/// contract, and what is due at `now`.
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
/// let text = ltc_cli::show::deal(&deal, None, &[], at);
/// assert!(text.starts_with("deal D-1: ACME (web), captured since 2026-03-02"), "{text}");
/// assert!(text.contains("estimate: 80000 EUR"), "{text}");
/// # Ok::<(), ltc_pipeline::Error>(())
/// ```
pub fn deal(deal: &Deal, light: Option<&DealLight>, due: &[Due], now: DateTime<Utc>) -> String {
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

fn date(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}
