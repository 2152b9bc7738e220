//! The store's behaviour, one suite run against each backend: SQLite in a temporary file, and a
//! real PostgreSQL server (see `support`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use ltc_pipeline::integrity::Digest;
use ltc_pipeline::{Command, Deal, Envelope, Process, ProcessDefinition, ProcessRef, StoredEvent};
use ltc_store::blocking::Store;
use ltc_store::{Append, Published, StoreError};
use support::{capture, day, envelope, id, script, Db};

/// Runs each case against SQLite and against PostgreSQL.
macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $case() {
                super::$case(&super::Db::sqlite());
            })*
        }
        mod postgres {
            $(#[test]
            fn $case() {
                if let Some(db) = super::Db::postgres() {
                    super::$case(&db);
                }
            })*
        }
    };
}

suite!(
    drives_a_deal_from_lead_to_cash,
    keeps_what_it_acknowledged_across_connections,
    a_stale_append_loses_with_a_typed_conflict,
    two_connections_opening_one_deal_conflict,
    a_refused_command_writes_nothing,
    a_batch_is_written_whole_or_not_at_all,
    stream_positions_follow_commits_without_gaps,
    publishes_process_versions_once,
    deals_replay_under_the_versions_they_ran_under,
    verify_catches_an_edited_row,
    verify_catches_a_dropped_tail_and_a_moved_head,
    import_checks_every_log_before_writing,
    unknown_deals_are_typed,
    refuses_a_schema_of_another_version,
    a_deal_is_read_and_decided_on_only_from_a_log_that_verifies,
    verify_raises_no_false_alarm_while_another_writer_appends,
    a_deal_being_opened_reads_as_unknown_or_opened_never_tampered,
    an_import_of_a_held_deal_says_so,
    the_stream_reads_past_its_limits_as_nothing_or_everything,
);

/// The whole script through `execute`, against the same script run in memory.
fn drives_a_deal_from_lead_to_cash(db: &Db) {
    let store = db.open();
    let deal = id("D-1");
    let process = Process::standard();
    let mut expected = Deal::new(deal.clone());
    for (i, step) in script().iter().enumerate() {
        let done = store
            .execute(&deal, &envelope(step, Some(i as u64)))
            .unwrap();
        expected
            .execute(&process, &step.command, &step.actor, step.at)
            .unwrap();
        assert_eq!(*done.deal, expected);
        assert_eq!(done.appended.version, i as u64 + 1);
    }
    assert_eq!(store.load(&deal).unwrap(), expected);
    let log = store.log(&deal).unwrap();
    assert_eq!(log.len(), script().len());
    let summary = store.summary(&deal).unwrap().unwrap();
    assert_eq!(summary.version, log.len() as u64);
    assert_eq!(summary.head, log.last().unwrap().hash);
    assert_eq!(summary.opened_at, log[0].event.at);
    assert_eq!(summary.last_event_at, log.last().unwrap().event.at);
    assert_eq!(store.deals().unwrap(), vec![summary]);
    let verified = store.verify(&deal).unwrap();
    assert_eq!(
        (verified.deal, verified.head),
        (expected, log.last().unwrap().hash)
    );
    assert!(store.verify_all().unwrap().is_ok());
}

/// What one connection was told is written, another reads, and a store reopened keeps.
fn keeps_what_it_acknowledged_across_connections(db: &Db) {
    let deal = id("D-1");
    let acknowledged: Vec<StoredEvent> = {
        let store = db.open();
        script()
            .iter()
            .take(10)
            .flat_map(|step| {
                store
                    .execute(&deal, &envelope(step, None))
                    .unwrap()
                    .appended
                    .events
            })
            .collect()
    };
    let again = db.open();
    assert_eq!(again.log(&deal).unwrap(), acknowledged);
    let records = again.read_stream(0, 100).unwrap();
    let streamed: Vec<StoredEvent> = records.into_iter().map(|r| r.event).collect();
    assert_eq!(streamed, acknowledged);
}

/// An append decided on a version the deal has left is refused whole, with both versions.
fn a_stale_append_loses_with_a_typed_conflict(db: &Db) {
    let ana = db.open();
    let sam = db.open();
    let deal = id("D-1");
    let steps = script();
    ana.execute(&deal, &envelope(&steps[0], Some(0))).unwrap();
    // Both see version 1 and decide the same next command; ana appends first.
    let seen = sam.load(&deal).unwrap();
    let mut local = seen.clone();
    let events = local
        .execute(
            &Process::standard(),
            &steps[1].command,
            &steps[1].actor,
            steps[1].at,
        )
        .unwrap();
    ana.execute(&deal, &envelope(&steps[1], Some(1))).unwrap();
    let lost = sam.append(&deal, seen.version(), events).unwrap_err();
    match lost {
        StoreError::Conflict {
            deal: d,
            expected,
            actual,
        } => assert_eq!((d, expected, actual), (deal.clone(), 1, 2)),
        other => panic!("expected a conflict, got {other:?}"),
    }
    // The envelope's own expected version is checked against the store, not the engine.
    let stale = sam
        .execute(&deal, &envelope(&steps[2], Some(1)))
        .unwrap_err();
    assert!(matches!(
        stale,
        StoreError::Conflict {
            expected: 1,
            actual: 2,
            ..
        }
    ));
    assert_eq!(stale.code(), "conflict");
    assert_eq!(sam.log(&deal).unwrap().len(), 2);
    assert!(sam.verify(&deal).is_ok());
}

/// Two connections both open the same new deal: one wins, the other gets a conflict.
fn two_connections_opening_one_deal_conflict(db: &Db) {
    let first = db.open();
    let second = db.open();
    let deal = id("D-1");
    let decided = |customer: &str| {
        let mut d = Deal::new(deal.clone());
        let c = capture(customer);
        d.execute(&Process::standard(), &c.command, &c.actor, c.at)
            .unwrap()
    };
    let (a, b) = (decided("ACME"), decided("Globex"));
    first.append(&deal, 0, a.clone()).unwrap();
    let lost = second.append(&deal, 0, b).unwrap_err();
    assert!(matches!(
        lost,
        StoreError::Conflict {
            expected: 0,
            actual: 1,
            ..
        }
    ));
    assert_eq!(second.load(&deal).unwrap().customer(), "ACME");
    assert_eq!(second.log(&deal).unwrap().len(), 1);
}

/// The rules' refusal is the engine's error, wrapped, and nothing is written.
fn a_refused_command_writes_nothing(db: &Db) {
    let store = db.open();
    let deal = id("D-1");
    store.execute(&deal, &capture("ACME")).unwrap();
    let lose = Command::Lose {
        reason: "no budget".into(),
    };
    let early = Envelope::new("ana", day(1), lose).expecting(1);
    let refused = store.execute(&deal, &early).unwrap_err();
    assert!(matches!(refused, StoreError::Engine(_)));
    assert_eq!(refused.code(), "wrong_stage");
    // A new deal must start with a capture; nothing is written for it either.
    let qualify = Envelope {
        command: Command::QualifyLead {},
        expected_version: None,
        ..early
    };
    assert_eq!(
        store.execute(&id("D-2"), &qualify).unwrap_err().code(),
        "not_opened"
    );
    assert_eq!(store.deals().unwrap().len(), 1);
    assert_eq!(store.last_position().unwrap(), 1);
}

/// A batch with one stale item writes nothing; a batch that holds writes everything.
fn a_batch_is_written_whole_or_not_at_all(db: &Db) {
    let store = db.open();
    let steps = script();
    let process = Process::standard();
    let decide = |deal: &mut Deal, i: usize| {
        deal.execute(&process, &steps[i].command, &steps[i].actor, steps[i].at)
            .unwrap()
    };
    let mut d1 = Deal::new(id("D-1"));
    let first = decide(&mut d1, 0);
    store.append(&id("D-1"), 0, first.clone()).unwrap();

    // D-2 is new and fine, D-1 is appended at a version it has left.
    let mut d2 = Deal::new(id("D-2"));
    let batch = vec![
        Append {
            deal: id("D-2"),
            expected: 0,
            events: decide(&mut d2, 0),
        },
        Append {
            deal: id("D-1"),
            expected: 0,
            events: first,
        },
    ];
    let refused = store.append_batch(batch.clone()).unwrap_err();
    assert!(matches!(
        refused,
        StoreError::Conflict {
            expected: 0,
            actual: 1,
            ..
        }
    ));
    assert!(store.summary(&id("D-2")).unwrap().is_none());
    assert_eq!(store.last_position().unwrap(), 1);

    // Misplaced events (the wrong version) are refused before anything is written.
    let mut shifted = batch[0].clone();
    shifted.expected = 1;
    assert_eq!(
        store.append_batch(vec![shifted]).unwrap_err().code(),
        "misplaced"
    );

    // Two commands of one deal and a new deal in one batch, each item after the one before.
    let second = decide(&mut d1, 1);
    let third = decide(&mut d1, 2);
    let written = store
        .append_batch(vec![
            Append {
                deal: id("D-1"),
                expected: 1,
                events: second,
            },
            batch[0].clone(),
            Append {
                deal: id("D-1"),
                expected: 2,
                events: third,
            },
        ])
        .unwrap();
    let versions: Vec<u64> = written.iter().map(|a| a.version).collect();
    assert_eq!(versions, [2, 1, 3]);
    let positions: Vec<u64> = written.iter().map(|a| a.first_position).collect();
    assert_eq!(positions, [2, 3, 4]);
    assert_eq!(
        written[2].events[0].hash,
        store.summary(&id("D-1")).unwrap().unwrap().head
    );
    assert_eq!(store.load(&id("D-1")).unwrap(), d1);
    assert!(store.verify_all().unwrap().is_ok());

    // execute_batch: decided and written together, or refused together.
    let next = |i: usize, expected| (id("D-1"), envelope(&steps[i], expected));
    let refused = store
        .execute_batch(&[next(3, Some(3)), next(4, Some(3))])
        .unwrap_err();
    assert!(matches!(
        refused,
        StoreError::Conflict {
            expected: 3,
            actual: 4,
            ..
        }
    ));
    assert_eq!(store.summary(&id("D-1")).unwrap().unwrap().version, 3);
    store
        .execute_batch(&[next(3, Some(3)), next(4, Some(4))])
        .unwrap();
    assert_eq!(store.summary(&id("D-1")).unwrap().unwrap().version, 5);
}

/// Every stored event has a position; positions are 1, 2, 3, ... in commit order, a failed
/// append uses none, and pages read from a position add up to the whole stream.
fn stream_positions_follow_commits_without_gaps(db: &Db) {
    let store = db.open();
    let steps = script();
    let deals = ["D-1", "D-2", "D-3"].map(id);
    for step in steps.iter().take(5) {
        for deal in &deals {
            store.execute(deal, &envelope(step, None)).unwrap();
        }
        // A stale append on the way: refused, it takes no position.
        assert!(store.execute(&deals[0], &envelope(step, Some(0))).is_err());
    }
    let all = store.read_stream(0, 1_000).unwrap();
    let positions: Vec<u64> = all.iter().map(|r| r.position).collect();
    assert_eq!(positions, (1..=15).collect::<Vec<u64>>());
    assert_eq!(store.last_position().unwrap(), 15);
    // Round robin: D-1 v1, D-2 v1, D-3 v1, D-1 v2, ...
    for (i, record) in all.iter().enumerate() {
        assert_eq!(record.event.event.deal, deals[i % 3]);
        assert_eq!(record.event.event.version, (i / 3) as u64 + 1);
    }
    let mut paged = Vec::new();
    let mut after = 0;
    loop {
        let page = store.read_stream(after, 4).unwrap();
        let Some(last) = page.last() else { break };
        after = last.position;
        paged.extend(page);
    }
    assert_eq!(paged, all);
    for deal in &deals {
        let from_stream: Vec<StoredEvent> = all
            .iter()
            .filter(|r| &r.event.event.deal == deal)
            .map(|r| r.event.clone())
            .collect();
        assert_eq!(store.log(deal).unwrap(), from_stream);
    }
    assert_eq!(
        store.logs().collect::<Result<Vec<_>, _>>().unwrap().len(),
        3
    );
}

fn second_version() -> ProcessDefinition {
    let mut v2 = ProcessDefinition::standard();
    v2.version = 2;
    v2.forced_closure_after_days += 30;
    v2
}

/// A name and version is published once: the same definition again is a no-op, a different
/// one is refused, an invalid one is the engine's refusal; other connections see it.
fn publishes_process_versions_once(db: &Db) {
    let store = db.open();
    let standard = ProcessRef::new("standard", 1);
    assert_eq!(store.processes().unwrap().len(), 1);
    assert_eq!(
        store.publish(ProcessDefinition::standard()).unwrap(),
        Published::Unchanged(standard.clone())
    );
    let v2 = second_version();
    let reference = ProcessRef::new("standard", 2);
    assert_eq!(
        store.publish(v2.clone()).unwrap(),
        Published::Added(reference.clone())
    );
    assert_eq!(
        store.publish(v2.clone()).unwrap(),
        Published::Unchanged(reference.clone())
    );
    let mut changed = v2.clone();
    changed.forced_closure_after_days += 1;
    let refused = store.publish(changed).unwrap_err();
    assert!(matches!(&refused, StoreError::ProcessExists { process } if *process == reference));
    let mut standard_changed = ProcessDefinition::standard();
    standard_changed.forced_closure_after_days += 1;
    assert_eq!(
        store.publish(standard_changed).unwrap_err().code(),
        "process_exists"
    );
    let mut invalid = v2.clone();
    invalid.version = 3;
    invalid.roles.clear();
    assert!(matches!(
        store.publish(invalid).unwrap_err(),
        StoreError::Engine(_)
    ));

    let other = db.open();
    assert_eq!(other.process(&reference).unwrap().definition(), &v2);
    let names: Vec<ProcessRef> = other.processes().unwrap().keys().cloned().collect();
    assert_eq!(names, [standard, reference]);
    assert_eq!(
        other
            .process(&ProcessRef::new("standard", 9))
            .unwrap_err()
            .code(),
        "unknown_process"
    );
}

/// A deal opened under a published version and one migrated to it replay from a connection
/// that never saw the publication.
fn deals_replay_under_the_versions_they_ran_under(db: &Db) {
    let mut store = db.open();
    store.publish(second_version()).unwrap();
    let steps = script();
    store.set_opening(ProcessRef::new("standard", 2));
    let opened = store
        .execute(&id("D-2"), &envelope(&steps[0], Some(0)))
        .unwrap();
    assert_eq!(opened.deal.process(), Some(&ProcessRef::new("standard", 2)));
    store.set_opening(ProcessRef::new("standard", 1));
    for step in steps.iter().take(3) {
        store.execute(&id("D-1"), &envelope(step, None)).unwrap();
    }
    let migrate =
        Envelope::new("ops", steps[2].at, Command::MigrateProcess { version: 2 }).expecting(3);
    let migrated = store.execute(&id("D-1"), &migrate).unwrap();
    assert_eq!(
        migrated.deal.process(),
        Some(&ProcessRef::new("standard", 2))
    );

    let mut fresh = db.open();
    assert_eq!(fresh.load(&id("D-1")).unwrap(), *migrated.deal);
    assert_eq!(fresh.load(&id("D-2")).unwrap(), *opened.deal);
    // Opening under a version nobody published is the engine's `unknown_process`.
    fresh.set_opening(ProcessRef::new("other", 1));
    assert_eq!(
        fresh
            .execute(&id("D-3"), &capture("ACME"))
            .unwrap_err()
            .code(),
        "unknown_process"
    );
}

fn three_deals(db: &Db) -> Store {
    let store = db.open();
    for deal in ["D-1", "D-2", "D-3"] {
        for step in script().iter().take(4) {
            store.execute(&id(deal), &envelope(step, None)).unwrap();
        }
    }
    store
}

fn failed_deals(store: &mut Store) -> Vec<String> {
    let report = store.verify_all().unwrap();
    report
        .failures
        .iter()
        .map(|(deal, e)| {
            assert_eq!(e.code(), "tampered", "{e}");
            deal.to_string()
        })
        .collect()
}

/// A row edited in the database, even to something that still replays, fails verification.
fn verify_catches_an_edited_row(db: &Db) {
    let mut store = three_deals(db);
    db.sql(
        r#"UPDATE ltc_events SET record = replace(record, '"actor":"ana"', '"actor":"sam"')
           WHERE deal = 'D-2' AND version = 2"#,
    );
    let edited = store.log(&id("D-2")).unwrap();
    assert_eq!(edited[1].event.actor.as_str(), "sam");
    let caught = store.verify(&id("D-2")).unwrap_err();
    assert!(matches!(&caught, StoreError::Tampered { deal, .. } if deal.as_str() == "D-2"));
    assert!(caught.to_string().contains("version 2"), "{caught}");
    // A row moved to another version is caught by its columns before its chain.
    db.sql("UPDATE ltc_events SET version = 9 WHERE deal = 'D-3' AND version = 4");
    assert_eq!(failed_deals(&mut store), ["D-2", "D-3"]);
    // A row that is not a stored event at all.
    db.sql("UPDATE ltc_events SET record = 'not json' WHERE deal = 'D-1' AND version = 1");
    assert_eq!(store.load(&id("D-1")).unwrap_err().code(), "tampered");
    assert_eq!(failed_deals(&mut store), ["D-1", "D-2", "D-3"]);
}

/// Dropping the last event (the chain still holds) or the deal's row is caught by the head.
fn verify_catches_a_dropped_tail_and_a_moved_head(db: &Db) {
    let mut store = three_deals(db);
    db.sql("DELETE FROM ltc_events WHERE deal = 'D-1' AND version = 4");
    let caught = store.verify(&id("D-1")).unwrap_err();
    assert!(
        caught.to_string().contains("dropped from its end"),
        "{caught}"
    );
    db.sql(&format!(
        "UPDATE ltc_deals SET head = '{}' WHERE deal = 'D-2'",
        Digest::GENESIS
    ));
    db.sql("DELETE FROM ltc_deals WHERE deal = 'D-3'");
    assert_eq!(failed_deals(&mut store), ["D-1", "D-2", "D-3"]);
    // A deleted row that also moves the head back to the chain's end verifies: the head kept in
    // the same database protects against mistakes, not against someone who rewrites both.
    db.sql("DELETE FROM ltc_events WHERE deal = 'D-2'; DELETE FROM ltc_deals WHERE deal = 'D-2'");
    assert_eq!(failed_deals(&mut store), ["D-1", "D-3"]);
}

/// A bad log among good ones is refused with nothing written; good logs import whole, keep
/// their hashes and get stream positions.
fn import_checks_every_log_before_writing(db: &Db) {
    let exported: Vec<Vec<StoredEvent>> = {
        let source = Db::sqlite();
        let store = three_deals(&source);
        store.logs().map(|r| r.unwrap().1).collect()
    };
    let mut store = db.open();
    let refuse = |store: &mut Store, logs: Vec<Vec<StoredEvent>>, code: &str| {
        let err = store.import(logs).expect_err(code);
        assert_eq!(err.code(), code, "{err}");
        assert!(store.deals().unwrap().is_empty());
        assert_eq!(store.last_position().unwrap(), 0);
    };
    // An edited event: the chain breaks.
    let mut edited = exported.clone();
    edited[2][1].event.actor = "mallory".into();
    refuse(&mut store, edited, "tampered");
    // A forged event sealed again: the chain holds, the replay refuses it.
    let mut forged = exported.clone();
    let mut events: Vec<_> = forged[1].iter().map(|e| e.event.clone()).collect();
    events[2].at = events[0].at - chrono::Duration::days(1);
    forged[1] = ltc_pipeline::integrity::seal(Digest::GENESIS, events);
    refuse(&mut store, forged, "invalid_event");
    // A deal twice, an empty log.
    refuse(
        &mut store,
        vec![exported[0].clone(), exported[0].clone()],
        "misplaced",
    );
    refuse(&mut store, vec![exported[0].clone(), vec![]], "misplaced");

    let imported = store.import(exported.clone()).unwrap();
    assert_eq!((imported.deals, imported.events), (3, 12));
    let back: Vec<Vec<StoredEvent>> = store.logs().map(|r| r.unwrap().1).collect();
    assert_eq!(back, exported);
    assert_eq!(store.last_position().unwrap(), 12);
    assert!(store.verify_all().unwrap().is_ok());
    // A deal the store holds is not imported again.
    let err = store.import(vec![exported[1].clone()]).unwrap_err();
    assert!(matches!(err, StoreError::Held { version: 4, .. }));
    // And the imported deals go on.
    let next = &script()[4];
    let done = store.execute(&id("D-1"), &envelope(next, Some(4))).unwrap();
    assert_eq!(done.appended.first_position, 13);
}

fn unknown_deals_are_typed(db: &Db) {
    let store = db.open();
    let nobody = id("D-404");
    for err in [
        store.load(&nobody).unwrap_err(),
        store.log(&nobody).unwrap_err(),
        store.verify(&nobody).unwrap_err(),
    ] {
        assert!(matches!(&err, StoreError::UnknownDeal { deal } if *deal == nobody));
        assert_eq!(err.to_string(), "the store holds no deal `D-404`");
    }
    assert!(store.summary(&nobody).unwrap().is_none());
}

fn refuses_a_schema_of_another_version(db: &Db) {
    drop(db.open());
    db.sql("INSERT INTO ltc_schema (version, description) VALUES (99, 'from the future')");
    match Store::open(&db.location) {
        Err(StoreError::SchemaVersion { found, supported }) => {
            assert_eq!(
                (found, supported),
                (99, i64::from(ltc_store::SCHEMA_VERSION))
            );
        }
        other => panic!("expected a schema version error, got {other:?}"),
    }
}

/// PostgreSQL with the events table partitioned by hash of the deal id, created before the
/// store's first open (as docs/store.md says): the store keeps it, and the suite's core holds.
#[test]
fn postgres_with_events_partitioned_by_deal() {
    let Some(db) = Db::postgres() else { return };
    let mut sql = String::from(
        "CREATE TABLE ltc_events (
             deal text NOT NULL, version bigint NOT NULL CHECK (version > 0),
             position bigint NOT NULL, record text NOT NULL,
             PRIMARY KEY (deal, version)
         ) PARTITION BY HASH (deal);",
    );
    for i in 0..4 {
        sql.push_str(&format!(
            "CREATE TABLE ltc_events_{i} PARTITION OF ltc_events \
             FOR VALUES WITH (MODULUS 4, REMAINDER {i});"
        ));
    }
    db.sql(&sql);
    stream_positions_follow_commits_without_gaps(&db);
    let mut store = db.open();
    assert!(store.verify_all().unwrap().is_ok());
    let stale = store.execute(&id("D-1"), &envelope(&script()[5], Some(4)));
    assert!(matches!(
        stale,
        Err(StoreError::Conflict {
            expected: 4,
            actual: 5,
            ..
        })
    ));
    db.sql(
        "UPDATE ltc_events SET record = replace(record, '\"ops\"', '\"eve\"') WHERE deal = 'D-3'",
    );
    assert_eq!(failed_deals(&mut store), ["D-3"]);
    // The events are spread over the partitions.
    let used: i64 = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let (client, connection) = tokio_postgres::connect(&db.location, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            client
                .query_one("SELECT count(DISTINCT tableoid) FROM ltc_events", &[])
                .await
                .unwrap()
                .get(0)
        });
    assert!(used > 1, "the events sit in {used} partition(s)");
}

/// `load`, and so `execute`, check the log as `verify` does: an edit that still replays, or events
/// written beyond the kept head, are refused, and nothing is decided or written on them.
fn a_deal_is_read_and_decided_on_only_from_a_log_that_verifies(db: &Db) {
    let store = three_deals(db);
    db.sql(
        r#"UPDATE ltc_events SET record = replace(record, '"actor":"ana"', '"actor":"sam"')
           WHERE deal = 'D-2' AND version = 2"#,
    );
    assert_eq!(store.load(&id("D-2")).unwrap_err().code(), "tampered");
    let next = &script()[4];
    let refused = store
        .execute(&id("D-2"), &envelope(next, None))
        .unwrap_err();
    assert_eq!(refused.code(), "tampered");
    assert_eq!(store.log(&id("D-2")).unwrap().len(), 4);
    // An event copied in beyond the version the deal's row keeps.
    db.sql(
        "INSERT INTO ltc_events (position, deal, version, record) \
         SELECT 1000, deal, 5, record FROM ltc_events WHERE deal = 'D-3' AND version = 4",
    );
    let caught = store.verify(&id("D-3")).unwrap_err();
    assert!(caught.to_string().contains("beyond version 4"), "{caught}");
    assert_eq!(store.load(&id("D-3")).unwrap_err().code(), "tampered");
    // The untouched deal reads and moves on.
    store.execute(&id("D-1"), &envelope(next, None)).unwrap();
    assert_eq!(store.verify(&id("D-1")).unwrap().log.len(), 5);
}

/// One connection appends while another verifies the same deal: every verification passes.
fn verify_raises_no_false_alarm_while_another_writer_appends(db: &Db) {
    let writer = db.open();
    let deal = id("D-1");
    let steps = script();
    writer.execute(&deal, &envelope(&steps[0], None)).unwrap();
    let location = db.location.clone();
    let reader = std::thread::spawn(move || {
        let store = Store::open(&location).unwrap();
        let mut checked = 0;
        let mut last = 0;
        while last < 20 {
            let verified = store.verify(&id("D-1")).unwrap();
            last = verified.log.len();
            assert_eq!(verified.deal.version() as usize, last);
            checked += 1;
        }
        checked
    });
    for step in steps.iter().skip(1).take(19) {
        writer.execute(&deal, &envelope(step, None)).unwrap();
    }
    assert!(reader.join().unwrap() >= 1);
}

/// An import that brings a deal the store holds names it, with the `conflict` code.
fn an_import_of_a_held_deal_says_so(db: &Db) {
    let store = three_deals(db);
    let log = store.log(&id("D-1")).unwrap();
    let err = store.import(vec![log]).unwrap_err();
    assert_eq!(err.code(), "conflict");
    assert!(
        err.to_string()
            .starts_with("the store already holds deal `D-1` (at version 4)"),
        "{err}"
    );
}

/// A position past any the store can keep reads nothing; a limit past it reads everything.
fn the_stream_reads_past_its_limits_as_nothing_or_everything(db: &Db) {
    let store = three_deals(db);
    assert_eq!(store.read_stream(0, usize::MAX).unwrap().len(), 12);
    assert!(store.read_stream(u64::MAX, 10).unwrap().is_empty());
    assert!(store.read_stream(3, 0).unwrap().is_empty());
}

/// A SQLite database of something else is refused, and left as it was.
#[test]
fn a_sqlite_database_of_something_else_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute_batch("CREATE TABLE invoices (id INTEGER)")
        .unwrap();
    let mode: String = other
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    drop(other);
    let err = Store::open(path.to_str().unwrap()).unwrap_err();
    assert!(err.to_string().contains("a table `invoices`"), "{err}");
    let other = rusqlite::Connection::open(&path).unwrap();
    let tables: i64 = other
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 1);
    let after: String = other
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(after, mode);
}

/// Two processes' worth of connections opening a new file at once both get a store.
#[test]
fn connections_opening_a_new_file_at_once_all_get_the_store() {
    for round in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("race-{round}.db"));
        let openers: Vec<_> = (0..4)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || Store::open(path.to_str().unwrap()).map(drop))
            })
            .collect();
        for opener in openers {
            opener.join().unwrap().unwrap();
        }
    }
}

/// Readers of deals that another connection is opening see each one as unknown or as opened,
/// never as tampered (the first append may commit between reading the row and the events).
fn a_deal_being_opened_reads_as_unknown_or_opened_never_tampered(db: &Db) {
    let location = db.location.clone();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let ready = std::sync::Arc::new(std::sync::Barrier::new(2));
    let (stop, reading) = (done.clone(), ready.clone());
    let reader = std::thread::spawn(move || {
        let store = Store::open(&location).unwrap();
        reading.wait();
        let mut reads = 0;
        // Reads while the deals are opened, and once more after.
        loop {
            let last = stop.load(std::sync::atomic::Ordering::SeqCst);
            for n in 0..40 {
                match store.verify(&id(&format!("N-{n}"))) {
                    Ok(_) | Err(StoreError::UnknownDeal { .. }) => reads += 1,
                    Err(e) => panic!("N-{n}: {e}"),
                }
            }
            if last {
                break;
            }
        }
        reads
    });
    let writer = db.open();
    ready.wait();
    for n in 0..40 {
        writer
            .execute(&id(&format!("N-{n}")), &envelope(&script()[0], None))
            .unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(reader.join().unwrap() > 0);
}
