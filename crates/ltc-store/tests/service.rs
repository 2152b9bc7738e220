//! The store as a service uses it: one handle shared by many tasks of a tokio runtime (multi-thread
//! and current-thread), stores opened and dropped inside a runtime, retries and command ids under
//! racing writers, subscriptions that follow racing writers, and the blocking facade called from
//! inside a runtime. Each case runs against SQLite and against PostgreSQL (see `support`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use futures_util::StreamExt;
use ltc_pipeline::{Command, DealId, Decimal, Envelope};
use ltc_store::{Options, Store, StoreError};
use std::collections::BTreeSet;
use support::{capture, day, id, Db};

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
    many_tasks_of_one_runtime_share_one_store,
    a_current_thread_runtime_opens_executes_and_drops,
    stores_dropped_inside_a_runtime_neither_panic_nor_abort,
    racing_writers_without_a_pinned_version_never_conflict,
    a_pinned_version_still_conflicts,
    a_command_sent_again_under_its_id_is_answered_not_repeated,
    another_command_under_a_used_id_is_refused,
    a_subscription_sees_every_event_of_racing_writers_in_stream_order,
    a_subscription_resumes_from_a_durable_checkpoint,
    the_blocking_store_works_from_inside_a_runtime,
    a_cached_deal_is_caught_when_its_log_is_edited,
    an_event_written_beyond_a_deal_behind_the_store_stops_every_write_to_it,
);

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
}

fn cid(text: &str) -> ltc_pipeline::CommandId {
    ltc_pipeline::CommandId::new(text).unwrap()
}

fn add_member(person: &str) -> Envelope {
    Envelope::new(
        "ops",
        day(1),
        Command::add_member(person, "SR", Decimal::ONE),
    )
}

/// 8 tasks add 25 members each to one deal and open 25 deals each, through clones of one handle.
fn many_tasks_of_one_runtime_share_one_store(db: &Db) {
    multi_thread().block_on(async {
        let store = Store::open(&db.location).await.unwrap();
        let deal = id("D-1");
        store.execute(&deal, &capture("ACME")).await.unwrap();
        let mut tasks = Vec::new();
        for t in 0..8 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..25 {
                    let person = format!("p{t}-{i}");
                    store
                        .execute(&id("D-1"), &add_member(&person))
                        .await
                        .unwrap();
                    let own = id(&format!("T{t}-{i}"));
                    store.execute(&own, &capture(&person)).await.unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let loaded = store.load(&deal).await.unwrap();
        assert_eq!(loaded.version(), 1 + 8 * 25);
        assert_eq!(loaded.team().current().count(), 8 * 25);
        assert_eq!(store.deals().await.unwrap().len(), 1 + 8 * 25);
        assert!(store.verify_all().await.unwrap().is_ok());
        assert_eq!(store.last_position().await.unwrap(), 1 + 2 * 8 * 25);
    });
}

fn a_current_thread_runtime_opens_executes_and_drops(db: &Db) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = Store::open(&db.location).await.unwrap();
        let other = store.clone();
        let (d1, d2) = (id("D-1"), id("D-2"));
        let (acme, globex) = (capture("ACME"), capture("Globex"));
        let (a, b) = tokio::join!(store.execute(&d1, &acme), other.execute(&d2, &globex));
        assert_eq!(
            (a.unwrap().deal.version(), b.unwrap().deal.version()),
            (1, 1)
        );
        drop(store);
        assert_eq!(other.deals().await.unwrap().len(), 2);
        drop(other);
    });
}

fn stores_dropped_inside_a_runtime_neither_panic_nor_abort(db: &Db) {
    for runtime in [
        multi_thread(),
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
    ] {
        runtime.block_on(async {
            for _ in 0..3 {
                let store = Store::open(&db.location).await.unwrap();
                let _ = store.deals().await.unwrap();
                let mut subscription = store.subscribe(0);
                drop(store);
                // A subscription keeps its store; dropped with it, nothing waits.
                let _ =
                    tokio::time::timeout(std::time::Duration::from_millis(10), subscription.next())
                        .await;
                drop(subscription);
            }
            // Dropped inside a spawned task too.
            let store = Store::open(&db.location).await.unwrap();
            tokio::spawn(async move { drop(store) }).await.unwrap();
        });
        drop(runtime);
    }
    // Also opened in one runtime and dropped in another, or on a plain thread.
    let store = multi_thread().block_on(Store::open(&db.location)).unwrap();
    std::thread::spawn(move || drop(store)).join().unwrap();
}

/// Two stores (two writers, as two service instances) and many tasks add members to one deal
/// without a pinned version: every command is decided on the deal as it is, none conflicts.
fn racing_writers_without_a_pinned_version_never_conflict(db: &Db) {
    multi_thread().block_on(async {
        let first = Store::open(&db.location).await.unwrap();
        let second = Store::open(&db.location).await.unwrap();
        first.execute(&id("D-1"), &capture("ACME")).await.unwrap();
        let mut tasks = Vec::new();
        for t in 0..8 {
            let store = if t % 2 == 0 {
                first.clone()
            } else {
                second.clone()
            };
            tasks.push(tokio::spawn(async move {
                for i in 0..50 {
                    store
                        .execute(&id("D-1"), &add_member(&format!("p{t}-{i}")))
                        .await
                        .unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let deal = first.load(&id("D-1")).await.unwrap();
        assert_eq!(deal.version(), 1 + 8 * 50);
        assert_eq!(second.load(&id("D-1")).await.unwrap(), deal);
        // New deals created by both stores at once: one wins, the other is decided again and
        // refused by the rules (a deal is captured once), never a write of both.
        let results = futures_util::future::join_all((0..8).map(|i| {
            let store = if i % 2 == 0 {
                first.clone()
            } else {
                second.clone()
            };
            async move {
                let capture = Envelope::new("ops", day(0), Command::capture_lead("X", "web", None));
                store.execute(&id("D-NEW"), &capture).await
            }
        }))
        .await;
        let won = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(won, 1, "{results:?}");
        for refused in results.iter().filter_map(|r| r.as_ref().err()) {
            assert_eq!(refused.code(), "already_opened", "{refused}");
        }
        assert_eq!(first.load(&id("D-NEW")).await.unwrap().version(), 1);
    });
}

fn a_pinned_version_still_conflicts(db: &Db) {
    multi_thread().block_on(async {
        let store = Store::open(&db.location).await.unwrap();
        store.execute(&id("D-1"), &capture("ACME")).await.unwrap();
        let tasks: Vec<_> = (0..6)
            .map(|t| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .execute(&id("D-1"), &add_member(&format!("p{t}")).expecting(1))
                        .await
                })
            })
            .collect();
        let mut ok = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => ok += 1,
                Err(StoreError::Conflict {
                    expected: 1,
                    actual: 2,
                    ..
                }) => {}
                Err(other) => panic!("{other}"),
            }
        }
        assert_eq!(ok, 1);
    });
}

/// A client that timed out sends its request again, many times and from two stores at once:
/// the command is applied once, and every answer is the first one.
fn a_command_sent_again_under_its_id_is_answered_not_repeated(db: &Db) {
    multi_thread().block_on(async {
        let first = Store::open(&db.location).await.unwrap();
        let second = Store::open(&db.location).await.unwrap();
        first
            .execute(&id("D-1"), &capture("ACME").with_command_id(cid("c-1")))
            .await
            .unwrap();
        let grade = Envelope::new(
            "ana",
            day(1),
            Command::grade_lead([("budget", 3), ("decision_chain", 3), ("urgency", 3)]),
        )
        .with_command_id(cid("c-2"));
        let answers = futures_util::future::join_all((0..16).map(|i| {
            let store = if i % 2 == 0 {
                first.clone()
            } else {
                second.clone()
            };
            let grade = grade.clone();
            async move { store.execute(&id("D-1"), &grade).await.unwrap().appended }
        }))
        .await;
        let distinct: BTreeSet<String> = answers.iter().map(|a| format!("{a:?}")).collect();
        assert_eq!(distinct.len(), 1, "every answer is the first one");
        assert_eq!((answers[0].version, answers[0].events.len()), (2, 1));
        assert_eq!(
            answers[0].events[0].command_id.as_ref().map(|c| c.as_str()),
            Some("c-2")
        );
        let log = first.log(&id("D-1")).await.unwrap();
        assert_eq!(log.len(), 2, "graded once");
        // The deal moves on; the old request sent again is still answered as it was.
        first.execute(&id("D-1"), &add_member("sam")).await.unwrap();
        let late = second.execute(&id("D-1"), &grade).await.unwrap();
        assert_eq!(late.appended, answers[0]);
        assert_eq!(late.deal.version(), 3);
        // A host that owns the clock stamps the retry anew: still the same command.
        let restamped = Envelope {
            at: day(2),
            ..grade.clone()
        };
        let again = first.execute(&id("D-1"), &restamped).await.unwrap();
        assert_eq!(again.appended, answers[0]);
        // Another actor under the same id is another command.
        let other = Envelope {
            actor: "sam".into(),
            ..grade.clone()
        };
        assert_eq!(
            first.execute(&id("D-1"), &other).await.unwrap_err().code(),
            "command_id_reused"
        );
        // The same command without the id is a new command: graded again.
        let fresh = Envelope::new("ana", day(1), grade.command.clone());
        assert_eq!(
            first
                .execute(&id("D-1"), &fresh)
                .await
                .unwrap()
                .deal
                .version(),
            4
        );
        assert!(first.verify_all().await.unwrap().is_ok());
    });
}

fn another_command_under_a_used_id_is_refused(db: &Db) {
    multi_thread().block_on(async {
        let store = Store::open(&db.location).await.unwrap();
        store
            .execute(&id("D-1"), &capture("ACME").with_command_id(cid("c-1")))
            .await
            .unwrap();
        let other = add_member("sam").with_command_id(cid("c-1"));
        let refused = store.execute(&id("D-1"), &other).await.unwrap_err();
        assert_eq!(refused.code(), "command_id_reused");
        assert!(refused.to_string().contains("c-1"), "{refused}");
        assert_eq!(store.load(&id("D-1")).await.unwrap().version(), 1);
        // The id is the deal's own: another deal may use it.
        store
            .execute(&id("D-2"), &capture("Globex").with_command_id(cid("c-1")))
            .await
            .unwrap();
        // In one batch, the second of two commands under one id is refused, and the batch
        // with it.
        let batch = [
            (id("D-3"), capture("Initech").with_command_id(cid("b-1"))),
            (id("D-3"), add_member("ana").with_command_id(cid("b-1"))),
        ];
        assert_eq!(
            store.execute_batch(&batch).await.unwrap_err().code(),
            "command_id_reused"
        );
        assert!(store.summary(&id("D-3")).await.unwrap().is_none());
    });
}

/// Four tasks on two stores write while a subscription follows from the start: it sees every
/// event once, at positions 1, 2, 3, ... with nothing skipped or out of order.
fn a_subscription_sees_every_event_of_racing_writers_in_stream_order(db: &Db) {
    multi_thread().block_on(async {
        let first = Store::open_with(
            &db.location,
            Options::default().poll_interval(std::time::Duration::from_millis(50)),
        )
        .await
        .unwrap();
        let second = Store::open(&db.location).await.unwrap();
        let mut subscription = first.subscribe(0);
        let writers: Vec<_> = (0..4)
            .map(|t| {
                let store = if t % 2 == 0 {
                    first.clone()
                } else {
                    second.clone()
                };
                tokio::spawn(async move {
                    for i in 0..30 {
                        store
                            .execute(&id(&format!("W{t}-{i}")), &capture("ACME"))
                            .await
                            .unwrap();
                    }
                })
            })
            .collect();
        let total = 4 * 30;
        let mut seen = Vec::with_capacity(total);
        while seen.len() < total {
            let record =
                tokio::time::timeout(std::time::Duration::from_secs(30), subscription.next())
                    .await
                    .expect("a record within 30 s")
                    .unwrap()
                    .unwrap();
            seen.push(record);
        }
        for w in writers {
            w.await.unwrap();
        }
        let positions: Vec<u64> = seen.iter().map(|r| r.position).collect();
        assert_eq!(positions, (1..=total as u64).collect::<Vec<_>>());
        let stored = first.read_stream(0, total + 10).await.unwrap();
        assert_eq!(stored, seen);
        // Nothing more comes until something is written.
        let quiet =
            tokio::time::timeout(std::time::Duration::from_millis(200), subscription.next()).await;
        assert!(quiet.is_err());
        second.execute(&id("LAST"), &capture("ACME")).await.unwrap();
        let last = tokio::time::timeout(std::time::Duration::from_secs(30), subscription.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(
            (last.position, last.event.event.deal.as_str()),
            (total as u64 + 1, "LAST")
        );
    });
}

/// An integration keeps its checkpoint in the store; after a restart it resumes after it.
fn a_subscription_resumes_from_a_durable_checkpoint(db: &Db) {
    multi_thread().block_on(async {
        let store = Store::open(&db.location).await.unwrap();
        for i in 0..5 {
            store
                .execute(&id(&format!("D-{i}")), &capture("ACME"))
                .await
                .unwrap();
        }
        let mut records =
            store.subscribe(store.checkpoint_of("mailer").await.unwrap().unwrap_or(0));
        for _ in 0..3 {
            let record = records.next().await.unwrap().unwrap();
            store.checkpoint("mailer", record.position).await.unwrap();
        }
        drop(records);
        drop(store);
        let reopened = Store::open(&db.location).await.unwrap();
        let after = reopened.checkpoint_of("mailer").await.unwrap();
        assert_eq!(after, Some(3));
        let mut records = reopened.subscribe(after.unwrap());
        let next = records.next().await.unwrap().unwrap();
        assert_eq!(next.position, 4);
    });
}

fn the_blocking_store_works_from_inside_a_runtime(db: &Db) {
    let location = db.location.clone();
    multi_thread().block_on(async move {
        // A synchronous library called by an async host: it blocks this task's thread, and
        // does not panic.
        let store = ltc_store::blocking::Store::open(&location).unwrap();
        store.execute(&id("D-1"), &capture("ACME")).unwrap();
        assert_eq!(store.load(&id("D-1")).unwrap().version(), 1);
        let mut records = store.subscribe(0);
        assert_eq!(records.next().unwrap().unwrap().position, 1);
        drop(store);
    });
}

/// A deal's state is kept between commands; an edit of its stored log in the database is still
/// caught on the next read and the next command.
fn a_cached_deal_is_caught_when_its_log_is_edited(db: &Db) {
    multi_thread().block_on(async {
        let store = Store::open(&db.location).await.unwrap();
        store.execute(&id("D-1"), &capture("ACME")).await.unwrap();
        for person in ["ana", "sam", "fred"] {
            store.execute(&id("D-1"), &add_member(person)).await.unwrap();
        }
        assert_eq!(store.load(&id("D-1")).await.unwrap().version(), 4);
        db.sql(
            r#"UPDATE ltc_events SET record = replace(record, '"sam"', '"eve"') WHERE deal = 'D-1' AND version = 3"#,
        );
        assert_eq!(store.load(&id("D-1")).await.unwrap_err().code(), "tampered");
        let refused = store.execute(&id("D-1"), &add_member("lea")).await.unwrap_err();
        assert_eq!(refused.code(), "tampered");
        // An event deleted from the middle, on another deal.
        store.execute(&id("D-2"), &capture("Globex")).await.unwrap();
        store.execute(&id("D-2"), &add_member("ana")).await.unwrap();
        store.execute(&id("D-2"), &add_member("sam")).await.unwrap();
        db.sql("DELETE FROM ltc_events WHERE deal = 'D-2' AND version = 2");
        assert_eq!(store.load(&id("D-2")).await.unwrap_err().code(), "tampered");
        assert_eq!(store.log(&id("D-2")).await.unwrap().len(), 2);
    });
}

// ---- what only one backend can show ----------------------------------------------------------

/// A store read in a read-only folder; an empty file is no store; reading writes nothing.
///
/// The folder is made read-only, and the write-ahead log and its index, which SQLite would
/// create beside the file to read it, are made impossible to create (a folder stands where each
/// would go), which holds for root too, whom permissions do not stop.
#[test]
fn a_read_only_store_reads_a_read_only_folder_and_writes_nothing() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ltc.db");
    let runtime = multi_thread();
    runtime.block_on(async {
        let store = Store::open_sqlite(&path).await.unwrap();
        store.execute(&id("D-1"), &capture("ACME")).await.unwrap();
    });
    // The writer's connection closes on its own thread after the store is dropped; SQLite then
    // folds the log back into the file and removes it.
    let wal = dir.path().join("ltc.db-wal");
    let shm = dir.path().join("ltc.db-shm");
    for _ in 0..500 {
        if !wal.exists() && !shm.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(!wal.exists() && !shm.exists(), "the writer closed its file");
    let before = std::fs::read(&path).unwrap();
    std::fs::create_dir(&shm).unwrap();
    std::fs::create_dir(&wal).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let read = runtime.block_on(async {
        let store =
            Store::open_with(path.to_str().unwrap(), Options::default().read_only(true)).await?;
        let deal = store.load(&id("D-1")).await?;
        let verified = store.verify_all().await?;
        let refused = store.execute(&id("D-2"), &capture("X")).await.unwrap_err();
        Ok::<_, StoreError>((deal.version(), verified.is_ok(), refused.code()))
    });
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(read.unwrap(), (1, true, "read_only"));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "reading wrote nothing"
    );
    assert!(wal.is_dir() && shm.is_dir());
    // An empty file, and a missing one, are no store, and stay as they were.
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    for location in [empty.clone(), dir.path().join("missing.db")] {
        let err = runtime
            .block_on(Store::open_with(
                location.to_str().unwrap(),
                Options::default().read_only(true),
            ))
            .unwrap_err();
        assert_eq!(err.code(), "no_store", "{err}");
    }
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);
    assert!(!dir.path().join("missing.db").exists());
}

/// A row whose record is not text is `tampered` for its deal; the other deals still verify.
#[test]
fn a_row_of_the_wrong_type_is_tampered_for_its_deal_only() {
    let db = Db::sqlite();
    let runtime = multi_thread();
    runtime.block_on(async {
        let store = Store::open(&db.location).await.unwrap();
        for deal in ["D-1", "D-2", "D-3"] {
            store.execute(&id(deal), &capture("ACME")).await.unwrap();
        }
    });
    db.sql("UPDATE ltc_events SET record = CAST(record AS BLOB) WHERE deal = 'D-2'");
    runtime.block_on(async {
        let store = Store::open(&db.location).await.unwrap();
        let report = store.verify_all().await.unwrap();
        assert_eq!(report.deals, 3);
        assert_eq!(report.failures.len(), 1);
        assert_eq!(report.failures[0].0.as_str(), "D-2");
        assert_eq!(report.failures[0].1.code(), "tampered");
        assert!(report.failures[0]
            .1
            .to_string()
            .contains("does not hold text"));
    });
}

/// A stored definition edited in the database is reported as that definition's problem.
#[test]
fn a_corrupt_definition_names_the_definition() {
    let db = Db::sqlite();
    let runtime = multi_thread();
    runtime.block_on(async { Store::open(&db.location).await.unwrap() });
    db.sql("UPDATE ltc_processes SET definition = '{\"name\": 5}' WHERE name = 'standard'");
    let err = runtime.block_on(Store::open(&db.location)).unwrap_err();
    assert_eq!(err.code(), "corrupt_definition");
    assert!(err.to_string().contains("standard@1"), "{err}");
}

/// Two events' positions swapped in the database are caught by verification.
#[test]
fn swapped_stream_positions_are_caught() {
    let db = Db::sqlite();
    let runtime = multi_thread();
    runtime.block_on(async {
        let store = Store::open(&db.location).await.unwrap();
        store.execute(&id("D-1"), &capture("ACME")).await.unwrap();
        store.execute(&id("D-1"), &add_member("ana")).await.unwrap();
    });
    db.sql(
        "UPDATE ltc_events SET position = 100 WHERE position = 1; \
         UPDATE ltc_events SET position = 1 WHERE position = 2; \
         UPDATE ltc_events SET position = 2 WHERE position = 100;",
    );
    runtime.block_on(async {
        let store = Store::open(&db.location).await.unwrap();
        let report = store.verify_all().await.unwrap();
        assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
        assert!(
            report.failures[0].1.to_string().contains("stream position"),
            "{}",
            report.failures[0].1
        );
    });
}

/// Deals of format-1 events (no command ids) and of format-2 events live side by side.
#[test]
fn a_deal_is_the_same_whatever_reads_it() {
    let db = Db::sqlite();
    let runtime = multi_thread();
    let deal: DealId = id("D-1");
    runtime.block_on(async {
        let store = Store::open(&db.location).await.unwrap();
        store.execute(&deal, &capture("ACME")).await.unwrap();
        store
            .execute(&deal, &add_member("ana").with_command_id(cid("x")))
            .await
            .unwrap();
        let log = store.log(&deal).await.unwrap();
        assert_eq!((log[0].format(), log[1].format()), (1, 2));
        assert_eq!(store.verify(&deal).await.unwrap().log, log);
    });
}

/// An event inserted beyond a deal's version behind the store (no trigger counts inserts) is
/// caught by a command decided on the cached state and by a host's append: nothing is written to
/// the deal, and the other deals go on.
fn an_event_written_beyond_a_deal_behind_the_store_stops_every_write_to_it(db: &Db) {
    use ltc_pipeline::{Deal, Process};
    multi_thread().block_on(async {
        let store = Store::open(&db.location).await.unwrap();
        store.execute(&id("D-1"), &capture("ACME")).await.unwrap();
        store.execute(&id("D-1"), &add_member("ana")).await.unwrap();
        let process = Process::standard();
        let mut d2 = Deal::new(id("D-2"));
        let mut decide = |command: Command| {
            d2.execute(&process, &command, &"ops".into(), day(1))
                .unwrap()
        };
        let first = decide(Command::capture_lead("Globex", "web", None));
        let second = decide(Command::add_member("ana", "SR", Decimal::ONE));
        let third = decide(Command::add_member("sam", "SR", Decimal::ONE));
        store.append(&id("D-2"), 0, first).await.unwrap();
        store.append(&id("D-2"), 1, second).await.unwrap();
        for (deal, position) in [("D-1", 1000), ("D-2", 2000)] {
            db.sql(&format!(
                "INSERT INTO ltc_events (position, deal, version, record) SELECT {position}, \
                 deal, 4, record FROM ltc_events WHERE deal = '{deal}' AND version = 2"
            ));
        }
        let refused = store
            .execute(&id("D-1"), &add_member("sam"))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), "tampered", "{refused}");
        let refused = store.append(&id("D-2"), 2, third).await.unwrap_err();
        assert_eq!(refused.code(), "tampered", "{refused}");
        for deal in ["D-1", "D-2"] {
            let kept = store.summary(&id(deal)).await.unwrap().unwrap();
            assert_eq!(kept.version, 2, "{deal}: nothing was written");
        }
        // An empty append answers with the deal as it is; another deal is written.
        store
            .execute(&id("D-3"), &capture("Initech"))
            .await
            .unwrap();
        let empty = store.append(&id("D-3"), 1, Vec::new()).await.unwrap();
        assert_eq!(empty.version, 1);
        assert_eq!(
            Some(empty.head),
            store.summary(&id("D-3")).await.unwrap().map(|s| s.head)
        );
    });
}
