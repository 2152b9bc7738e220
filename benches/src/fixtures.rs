//! Deterministic inputs: the lead-to-cash script, event logs, weights and split requests.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use ltc_incentive::{Basis, Member, Payment, PoolRule, SplitRequest, Window};
use ltc_pipeline::strategies::{lead_to_cash, Step};
use ltc_pipeline::{Command, Deal, DealId, Error, Event, Process};
use rust_decimal::Decimal;

/// The standard lead-to-cash script (about 45 commands), as `ltc_pipeline::strategies` gives it.
pub fn script() -> Vec<Step> {
    lead_to_cash()
}

/// Executes `steps` on a fresh deal `id` under `process`: the deal and its log.
///
/// # Errors
/// The first refusal.
pub fn execute(process: &Process, id: &str, steps: &[Step]) -> Result<(Deal, Vec<Event>), Error> {
    let mut deal = Deal::new(DealId::new(id));
    let mut log = Vec::with_capacity(steps.len());
    for step in steps {
        log.extend(deal.execute(process, &step.command, &step.actor, step.at)?);
    }
    Ok((deal, log))
}

/// The log of one deal taken from lead to cash by the standard script.
///
/// # Errors
/// As [`execute`] (never, for the standard script).
pub fn deal_log(id: &str) -> Result<Vec<Event>, Error> {
    execute(&Process::standard(), id, &script()).map(|(_, log)| log)
}

/// A copy of `log` as the log of deal `id` (events carry their deal's id).
pub fn relabel(log: &[Event], id: &DealId) -> Vec<Event> {
    log.iter()
        .map(|e| Event {
            deal: id.clone(),
            ..e.clone()
        })
        .collect()
}

/// The id of the `i`-th generated deal.
pub fn deal_id(i: usize) -> DealId {
    DealId::new(format!("D-{i:07}"))
}

/// `n` stored logs, each a whole deal from lead to cash, with distinct deal ids.
///
/// # Errors
/// As [`deal_log`].
pub fn full_logs(n: usize) -> Result<Vec<Vec<Event>>, Error> {
    let template = deal_log("template")?;
    Ok((0..n).map(|i| relabel(&template, &deal_id(i))).collect())
}

/// `n` stored logs of deals at every point of the pipeline: deal `i` stops after a pseudo-random
/// prefix of the script (so it sits open in some stage), and every third stopped deal is then
/// lost (or disqualified, for a lead). Some run all the way to cash.
///
/// # Errors
/// As [`deal_log`].
pub fn mixed_logs(n: usize) -> Result<Vec<Vec<Event>>, Error> {
    let process = Process::standard();
    let steps = script();
    // One template per (prefix length, ended or not), relabelled per deal.
    let mut templates: Vec<[Vec<Event>; 2]> = Vec::with_capacity(steps.len());
    for len in 1..=steps.len() {
        let prefix = steps.get(..len).unwrap_or(&steps);
        let (mut deal, log) = execute(&process, "template", prefix)?;
        let at = prefix.last().map_or(DateTime::<Utc>::MIN_UTC, |s| s.at) + Duration::days(3);
        let mut ended = log.clone();
        for end in [
            Command::Lose {
                reason: "a competitor won".into(),
            },
            Command::Disqualify {
                reason: "no budget".into(),
            },
        ] {
            if let Ok(events) = deal.execute(&process, &end, &"ops".into(), at) {
                ended.extend(events);
                break;
            }
        }
        templates.push([log, ended]);
    }
    let mut rng = XorShift::new(0x5eed);
    let mut logs = Vec::with_capacity(n);
    for i in 0..n {
        let pick = rng.below(templates.len() as u64) as usize;
        let ended = usize::from(i % 3 == 0);
        let Some(template) = templates.get(pick).and_then(|t| t.get(ended)) else {
            continue;
        };
        logs.push(relabel(template, &deal_id(i)));
    }
    Ok(logs)
}

/// An instant after every event of the generated logs: 30 days after the script's last step.
pub fn now() -> DateTime<Utc> {
    script().last().map_or(DateTime::<Utc>::MIN_UTC, |s| s.at) + Duration::days(30)
}

/// A small, deterministic pseudo-random generator (xorshift64*), so inputs are the same in every
/// run and on every machine.
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    /// A generator from a non-zero seed.
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// `n` integer weights from 1 to 1000, the same for every allocator compared.
pub fn weights(n: usize) -> Vec<u32> {
    let mut rng = XorShift::new(0xa110c);
    (0..n).map(|_| 1 + rng.below(1000) as u32).collect()
}

/// The amount every allocation benchmark splits: 9,876,543.21 (two decimals).
pub fn amount() -> Decimal {
    Decimal::new(987_654_321, 2)
}

fn day(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, day).unwrap_or(NaiveDate::MIN)
}

/// A split of 1,000,000.00 among `n` members spread over three roles (AR 40, SR 30, FR 30) over
/// the first half of 2026, with time proration (members join and leave on varied days), varied
/// involvement and contribution, and a 15% holdback.
pub fn split_request(n: usize) -> SplitRequest {
    let mut request = SplitRequest::new(
        Decimal::new(100_000_000, 2),
        Window::new(day(1, 1), day(7, 1)),
    )
    .role("AR", Decimal::from(40))
    .role("SR", Decimal::from(30))
    .role("FR", Decimal::from(30))
    .holdback(Decimal::new(15, 2));
    let mut rng = XorShift::new(0x5b117);
    let roles = ["AR", "SR", "FR"];
    let involvements = [Decimal::ONE, Decimal::new(5, 1), Decimal::new(75, 2)];
    request.members.reserve(n);
    for i in 0..n {
        let role = roles.get(i % 3).copied().unwrap_or("AR");
        let contribution = Decimal::new(1 + rng.below(90) as i64, 1);
        let mut member = Member::new(format!("p{i:07}"), role, contribution)
            .involvement(involvements.get(i % 3).copied().unwrap_or(Decimal::ONE));
        if rng.below(3) == 0 {
            member = member.joined(day(1 + rng.below(6) as u32, 1 + rng.below(28) as u32));
        }
        if rng.below(4) == 0 {
            member = member.left(day(6, 1 + rng.below(30) as u32));
        }
        if member.left < member.joined {
            member.left = None;
        }
        request.members.push(member);
    }
    request
}

/// A cash-based payout: 5% of a 2,400,000.00 contract for `members` people, paid in 12 monthly
/// instalments of 200,000.00 (one tranche each).
pub fn payout(members: usize) -> (SplitRequest, PoolRule, Vec<Payment>) {
    let request = split_request(members);
    let rule = PoolRule::new(
        Decimal::new(240_000_000, 2),
        Decimal::new(5, 2),
        Basis::Cash,
    );
    let payments = (1..=12)
        .map(|m| Payment::new(day(m, 28), Decimal::new(20_000_000, 2)))
        .collect();
    (request, rule, payments)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use ltc_pipeline::StageKind;

    #[test]
    fn the_script_reaches_cash_and_replays() {
        let (deal, log) = execute(&Process::standard(), "D-1", &script()).unwrap();
        assert_eq!(deal.stage_kind(), Some(StageKind::Won));
        assert_eq!(
            Deal::replay(DealId::new("D-1"), &Process::standard(), &log).unwrap(),
            deal
        );
        let logs = full_logs(3).unwrap();
        assert_eq!(logs[2].len(), log.len());
        let replayed = Deal::replay(deal_id(2), &Process::standard(), &logs[2]).unwrap();
        assert_eq!(replayed.stage_kind(), Some(StageKind::Won));
    }

    #[test]
    fn mixed_logs_replay_to_many_stages() {
        let logs = mixed_logs(300).unwrap();
        let mut stages = std::collections::BTreeSet::new();
        for (i, log) in logs.iter().enumerate() {
            let deal = Deal::replay(deal_id(i), &Process::standard(), log).unwrap();
            stages.insert(deal.stage_kind().unwrap());
        }
        assert!(stages.len() >= 10, "{stages:?}");
        assert!(logs.iter().flatten().all(|e| e.at < now()));
    }

    #[test]
    fn requests_split() {
        let split = split_request(300).split().unwrap();
        let total: Decimal = split.people.iter().map(|p| p.amount).sum();
        assert_eq!(total + split.retained, split.pool);
        let (request, rule, payments) = payout(100);
        let t = ltc_incentive::tranches(&request, &rule, &payments).unwrap();
        assert_eq!(t.len(), 12);
        assert_eq!(weights(5), weights(5));
    }
}
