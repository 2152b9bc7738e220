//! Group 9, report: `Report::new` (the funnel, the gate table, days in stage, the lights, what is
//! due and everyone's digest) on one deal whose team of n all joined and all left on the report's
//! day, n = 1,000, 10,000 and 30,000, beside replaying the same log (`Snapshot::new`), and the
//! report's page (`html::render`). The report must stay within a small multiple of the replay at
//! every n: each member's digest is their own joining and leaving and the others summed up, so it
//! costs the same whatever the size of the team.
#![allow(clippy::expect_used)] // Fixtures are built before timing starts; a broken fixture should stop the run.

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ltc_analytics::{html, Filter, Report, Settings, Snapshot};
use ltc_pipeline::{Command, Deal, DealId, Error, Event, Money, PersonId, Process, Role};
use rust_decimal::Decimal;
use std::hint::black_box;
use std::time::Duration as Time;

/// A qualified lead on 2026-03-02; the next day, `n` people join as FR one every half second from
/// 09:00 (30,000 by 13:10), then leave one every half second from 15:00.
fn team_log(process: &Process, n: usize) -> Result<(Vec<Event>, DateTime<Utc>), Error> {
    let t0 = Utc
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .expect("a valid instant");
    let mut deal = Deal::new(DealId::new("D-TEAM"));
    let mut log = Vec::new();
    let ops = PersonId::new("ops");
    let mut run = |command: Command, at: DateTime<Utc>| -> Result<(), Error> {
        log.extend(deal.execute(process, &command, &ops, at)?);
        Ok(())
    };
    run(
        Command::CaptureLead {
            customer: "Contoso".into(),
            source: "web".into(),
            estimate: Some(Money::eur(100_000)),
        },
        t0,
    )?;
    run(
        Command::grade_lead([("budget", 4), ("decision_chain", 4), ("urgency", 3)]),
        t0,
    )?;
    run(Command::QualifyLead {}, t0)?;
    let day = t0 + Duration::days(1);
    let name = |i: usize| PersonId::new(format!("p{i:06}"));
    for i in 0..n {
        let at = day + Duration::milliseconds(500 * i as i64);
        run(Command::add_member(name(i), Role::fr(), Decimal::ONE), at)?;
    }
    for i in 0..n {
        let at = day + Duration::hours(6) + Duration::milliseconds(500 * i as i64);
        run(
            Command::RemoveMember {
                person: name(i),
                role: Role::fr(),
                closure_recommendation: None,
            },
            at,
        )?;
    }
    Ok((log, day + Duration::hours(12)))
}

fn report(c: &mut Criterion) {
    let process = Process::standard();
    let settings = Settings::default();
    let all = Filter::default();
    let mut group = c.benchmark_group("report");
    group.sample_size(10);
    for n in [1_000usize, 10_000, 30_000] {
        let (log, now) = team_log(&process, n).expect("the team's commands are valid");
        group.throughput(Throughput::Elements(log.len() as u64));
        let logs = vec![log];
        group.bench_with_input(BenchmarkId::new("snapshot", n), &logs, |b, logs| {
            b.iter(|| Snapshot::new(black_box(logs), &process, now).expect("valid"));
        });
        group.bench_with_input(BenchmarkId::new("report", n), &logs, |b, logs| {
            b.iter(|| {
                Snapshot::new(black_box(logs), &process, now)
                    .and_then(|s| Report::new(&s, "standard", &settings, &all))
                    .expect("valid")
            });
        });
        let snapshot = Snapshot::new(&logs, &process, now).expect("valid");
        let report = Report::new(&snapshot, "standard", &settings, &all).expect("valid");
        group.bench_with_input(BenchmarkId::new("page", n), &report, |b, report| {
            b.iter(|| html::render(black_box(report)));
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Time::from_millis(500))
        .measurement_time(Time::from_secs(4));
    targets = report
}
criterion_main!(benches);
