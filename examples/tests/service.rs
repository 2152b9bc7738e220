//! The service example over real HTTP on loopback, against SQLite and against PostgreSQL: deals
//! driven through commands, the actor taken from the bearer token, retries and reused command
//! ids, stale versions, the rules' refusals, bad input, the state as `ltc show --json` prints
//! it, the event stream (every record in order under concurrent writers, resumed from
//! `Last-Event-ID`, ended on shutdown), and a bounded load run that prints its figures
//! (`cargo test -p ltc-examples --test service -- --nocapture load`).
//!
//! PostgreSQL is a fresh database on `ltc_store::testing::TestServer::shared()`
//! (`LTC_TEST_POSTGRES_URL`, or a throw-away cluster); when no server can be had the PostgreSQL
//! cases say so loudly and are skipped, unless `CI` is set: then they fail.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use futures_util::StreamExt as _;
use ltc_examples::service::{serve, Config, Tokens};
use ltc_pipeline::strategies::{lead_to_cash, Step};
use ltc_pipeline::{Command, DealId, Envelope, Process, Utc};
use ltc_store::testing::TestServer;
use ltc_store::{Store, StoreError};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::Write as _;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

// ---- databases -----------------------------------------------------------------------------

struct Db {
    location: String,
    name: &'static str,
    _dir: Option<tempfile::TempDir>,
}

impl Db {
    fn sqlite() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let location = dir.path().join("ltc.db").to_str().unwrap().to_owned();
        Db {
            location,
            name: "sqlite",
            _dir: Some(dir),
        }
    }

    /// A fresh PostgreSQL database, or `None` (said loudly) when no server can be had outside
    /// CI.
    fn postgres() -> Option<Db> {
        match TestServer::shared() {
            Ok(server) => Some(Db {
                location: server.fresh_database().unwrap(),
                name: "postgres",
                _dir: None,
            }),
            Err(reason) if in_ci() => {
                panic!("CI is set and the PostgreSQL tests cannot run: {reason}")
            }
            Err(reason) => {
                skipped(reason);
                None
            }
        }
    }
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

fn skipped(reason: &StoreError) {
    static SAID: OnceLock<()> = OnceLock::new();
    SAID.get_or_init(|| {
        // Straight to the process's stderr: the test harness does not capture it.
        let _ = writeln!(
            std::io::stderr(),
            "\n\n!!!!!!!! SKIPPED: the service's PostgreSQL tests did not run: {reason}.\n\
             !!!!!!!! Install the PostgreSQL server (initdb, pg_ctl) or set \
             LTC_TEST_POSTGRES_URL; under CI (CI=true) this is a failure.\n"
        );
    });
}

/// Runs each case against SQLite and against PostgreSQL, each on a runtime of its own.
macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $case() {
                super::runtime().block_on(super::$case(super::Db::sqlite()));
            })*
        }
        mod postgres {
            $(#[test]
            fn $case() {
                if let Some(db) = super::Db::postgres() {
                    super::runtime().block_on(super::$case(db));
                }
            })*
        }
    };
}

suite!(
    a_deal_is_driven_from_lead_to_cash,
    the_actor_is_the_person_of_the_bearer_token,
    a_retry_under_its_command_id_is_answered_as_the_first_time,
    a_stale_expected_version_is_a_conflict,
    a_refusal_of_the_rules_is_422_with_the_engine_code,
    bad_input_is_refused_and_the_service_goes_on,
    the_event_stream_carries_every_record_in_order_and_resumes,
    load,
);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

// ---- the service under test ----------------------------------------------------------------

const PEOPLE: [&str; 9] = [
    "ops", "ana", "sam", "sue", "fred", "eve", "mia", "dan", "zoe",
];

fn token(person: &str) -> String {
    format!("test-token-of-{person}-0123456789")
}

/// A service on 127.0.0.1 and a free port, over its own handle on the database, and a client.
struct Service {
    base: String,
    /// Another handle on the same database, to check what the service wrote.
    store: Store,
    http: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    running: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _db: Db,
}

impl Service {
    async fn start(db: Db) -> Service {
        let config = Config {
            keep_alive: Duration::from_millis(200),
            ..Config::default()
        };
        let tokens = Tokens::new(PEOPLE.iter().map(|p| (token(p), *p))).unwrap();
        let served = Store::open(&db.location).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(serve(listener, served, tokens, config, async move {
            let _ = stopped.await;
        }));
        Service {
            base: format!("http://{addr}"),
            store: Store::open(&db.location).await.unwrap(),
            http: client(),
            stop: Some(stop),
            running: Some(running),
            _db: db,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends `body` as `person` to the deal's commands.
    async fn post(&self, person: &str, deal: &str, body: &Value) -> (u16, Value) {
        let response = self
            .http
            .post(self.url(&format!("/deals/{deal}/commands")))
            .bearer_auth(token(person))
            .json(body)
            .send()
            .await
            .unwrap();
        read_answer(response).await
    }

    async fn get(&self, person: &str, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(self.url(path))
            .bearer_auth(token(person))
            .send()
            .await
            .unwrap();
        read_answer(response).await
    }

    /// Stops the service: its event streams end and `serve` returns.
    async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(running) = self.running.take() {
            tokio::time::timeout(Duration::from_secs(10), running)
                .await
                .expect("the service stops within 10 s of its shutdown")
                .unwrap()
                .unwrap();
        }
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

async fn read_answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.bytes().await.unwrap();
    assert_eq!(
        kind.as_deref(),
        Some("application/json"),
        "every answer is JSON: {status} {}",
        String::from_utf8_lossy(&body)
    );
    (status, serde_json::from_slice(&body).unwrap())
}

/// The error code of an error answer, after checking its shape.
fn code(body: &Value) -> &str {
    let error = body["error"].as_object().expect("an error answer");
    assert_eq!(error.len(), 2, "{body}");
    assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    error["code"].as_str().unwrap()
}

/// Step `step` of the script as a request body: at the script's instant, expecting `version`,
/// under `command_id`.
fn body(step: &Step, version: Option<u64>, command_id: Option<&str>) -> Value {
    let mut body = json!({"at": step.at, "command": step.command});
    if let Some(v) = version {
        body["expected_version"] = json!(v);
    }
    if let Some(id) = command_id {
        body["command_id"] = json!(id);
    }
    body
}

fn capture(customer: &str) -> Value {
    json!({"command": Command::capture_lead(customer, "web", None)})
}

/// What `ltc show --json` prints for the deal: the state's fields, and `needs` beside them
/// while it waits for a gate (`ltc_cli::stored::Shown`).
async fn shown(store: &Store, deal: &str) -> Value {
    let deal = store.load(&DealId::new(deal)).await.unwrap();
    let mut shown = serde_json::to_value(&deal).unwrap();
    let process = store.process(deal.process().unwrap()).await.unwrap();
    if let Some(needs) = deal.gate_needs(&process).unwrap() {
        shown["needs"] = serde_json::to_value(needs).unwrap();
    }
    shown
}

// ---- cases ---------------------------------------------------------------------------------

/// The whole script through the service, each command sent by its own actor's token: each answer
/// is what was stored, and the state read back is the state `ltc show --json` prints, `needs`
/// included while a gate waits.
async fn a_deal_is_driven_from_lead_to_cash(db: Db) {
    let mut service = Service::start(db).await;
    let steps = lead_to_cash();
    let mut waited_for_a_gate = false;
    for (i, step) in steps.iter().enumerate() {
        let version = i as u64;
        let id = format!("D-1/{i}");
        let (status, answer) = service
            .post(
                step.actor.as_str(),
                "D-1",
                &body(step, Some(version), Some(&id)),
            )
            .await;
        assert_eq!(status, 200, "step {i} ({}): {answer}", step.command.name());
        assert_eq!(answer["version"], version + 1);
        let events = answer["events"].as_array().unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["actor"], step.actor.as_str());
        assert_eq!(events[0]["command_id"], id.as_str());
        // Only this deal is written to: its events are the stream.
        assert_eq!(answer["first_position"], version + 1);

        let (status, state) = service.get("ops", "/deals/D-1").await;
        assert_eq!(status, 200);
        assert_eq!(state, shown(&service.store, "D-1").await, "after step {i}");
        waited_for_a_gate |= state.get("needs").is_some();
    }
    assert!(waited_for_a_gate, "some state shows what a gate needs");
    let deal = service.store.load(&DealId::new("D-1")).await.unwrap();
    assert_eq!(deal.version(), steps.len() as u64);
    assert_eq!(deal.stage_kind(), Some(ltc_pipeline::StageKind::Won));
    // The answers are the stored events, sealed in the deal's chain.
    let log = service.store.log(&DealId::new("D-1")).await.unwrap();
    let (_, last) = service.get("ops", "/deals/D-1").await;
    assert_eq!(last["version"], log.len());
    assert!(service.store.verify_all().await.unwrap().is_ok());
    service.stop().await;
}

/// No token, a token the service does not know, another scheme: 401 and nothing written. The
/// actor of a command is the token's person; a body that names one is refused; a command
/// without `at` happens at the service's clock.
async fn the_actor_is_the_person_of_the_bearer_token(db: Db) {
    let mut service = Service::start(db).await;
    let url = service.url("/deals/D-1/commands");
    let capture = capture("ACME");
    let refusals = [
        service.http.post(&url).json(&capture),
        service
            .http
            .post(&url)
            .bearer_auth("test-token-of-nobody-0123456789")
            .json(&capture),
        service.http.post(&url).bearer_auth("").json(&capture),
        service
            .http
            .post(&url)
            .basic_auth("ana", Some(token("ana")))
            .json(&capture),
        service.http.get(service.url("/deals/D-1")),
        service.http.get(service.url("/events")),
    ];
    for request in refusals {
        let response = request.send().await.unwrap();
        assert_eq!(
            response.headers()["www-authenticate"],
            "Bearer realm=\"ltc\""
        );
        let (status, answer) = read_answer(response).await;
        assert_eq!((status, code(&answer)), (401, "unauthorized"), "{answer}");
    }
    assert!(service.store.deals().await.unwrap().is_empty());

    // The actor comes from the token, never from the body.
    let mut with_actor = capture.clone();
    with_actor["actor"] = json!("ana");
    let (status, answer) = service.post("ops", "D-1", &with_actor).await;
    assert_eq!((status, code(&answer)), (400, "malformed_json"));
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("actor"));
    with_actor["actor"] = Value::Null;
    let (status, _) = service.post("ops", "D-1", &with_actor).await;
    assert_eq!(status, 400, "an actor field is refused whatever its value");
    assert!(service.store.deals().await.unwrap().is_empty());

    let before = now_millis();
    let (status, answer) = service.post("ana", "D-1", &capture).await;
    let after = now_millis();
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["events"][0]["actor"], "ana");
    let log = service.store.log(&DealId::new("D-1")).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].event.actor.as_str(), "ana");
    assert!(
        before <= log[0].event.at && log[0].event.at <= after,
        "a command without `at` happens at the service's clock: {} not in {before}..={after}",
        log[0].event.at
    );
    // The same token works on every route.
    assert_eq!(service.get("ana", "/deals/D-1").await.0, 200);
    service.stop().await;
}

/// The same request again under its `command_id` (a retry after a timeout) gets the same answer,
/// even after the deal moved on, and writes once; another request under that id is refused.
async fn a_retry_under_its_command_id_is_answered_as_the_first_time(db: Db) {
    let mut service = Service::start(db).await;
    let steps = lead_to_cash();
    let first = body(&steps[0], Some(0), Some("req-1"));
    let (status, answer) = service.post("ops", "D-1", &first).await;
    assert_eq!(status, 200, "{answer}");
    for _ in 0..3 {
        assert_eq!(
            service.post("ops", "D-1", &first).await,
            (200, answer.clone())
        );
    }
    assert_eq!(service.store.last_position().await.unwrap(), 1);

    // The deal moves on; the retry of the first command is still answered as it was.
    let second = body(&steps[1], Some(1), Some("req-2"));
    let (status, moved) = service.post("ana", "D-1", &second).await;
    assert_eq!((status, &moved["version"]), (200, &json!(2)));
    assert_eq!(
        service.post("ops", "D-1", &first).await,
        (200, answer.clone())
    );
    assert_eq!(service.post("ana", "D-1", &second).await, (200, moved));
    assert_eq!(service.store.last_position().await.unwrap(), 2);

    // A request that leaves `at` to the service's clock is the same request when sent again
    // later: it is answered as the first time, not refused for its new instant.
    let untimed =
        json!({"command_id": "req-0", "command": Command::capture_lead("Fabrikam", "web", None)});
    let (status, opened) = service.post("ops", "D-2", &untimed).await;
    assert_eq!(status, 200, "{opened}");
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert_eq!(
        service.post("ops", "D-2", &untimed).await,
        (200, opened.clone())
    );
    let mut changed = untimed.clone();
    changed["command"]["customer"] = json!("Contoso");
    let (status, refused) = service.post("ops", "D-2", &changed).await;
    assert_eq!(
        (status, code(&refused)),
        (409, "command_id_reused"),
        "{refused}"
    );
    assert_eq!(service.store.last_position().await.unwrap(), 3);

    // Another command under a used id: refused, nothing written.
    let other = body(&steps[2], Some(2), Some("req-1"));
    let (status, refused) = service.post("ana", "D-1", &other).await;
    assert_eq!(
        (status, code(&refused)),
        (409, "command_id_reused"),
        "{refused}"
    );
    // The same command under the same id sent by someone else is another envelope too.
    let (status, refused) = service.post("ana", "D-1", &first).await;
    assert_eq!(
        (status, code(&refused)),
        (409, "command_id_reused"),
        "{refused}"
    );
    assert_eq!(service.store.last_position().await.unwrap(), 3);
    service.stop().await;
}

/// A command decided on a version the deal has left is 409 `conflict`, and writes nothing.
async fn a_stale_expected_version_is_a_conflict(db: Db) {
    let mut service = Service::start(db).await;
    let steps = lead_to_cash();
    let (status, _) = service
        .post("ops", "D-1", &body(&steps[0], Some(0), None))
        .await;
    assert_eq!(status, 200);
    let (status, answer) = service
        .post("ana", "D-1", &body(&steps[1], Some(0), None))
        .await;
    assert_eq!((status, code(&answer)), (409, "conflict"), "{answer}");
    // A new deal expected at a version it is not at.
    let (status, answer) = service
        .post("ops", "D-2", &body(&steps[0], Some(3), None))
        .await;
    assert_eq!((status, code(&answer)), (409, "conflict"), "{answer}");
    assert_eq!(service.store.last_position().await.unwrap(), 1);
    // Without a pinned version the command is decided on the deal as it is.
    let (status, _) = service
        .post("ana", "D-1", &body(&steps[1], None, None))
        .await;
    assert_eq!(status, 200);
    service.stop().await;
}

/// Refusals of the rules are 422 under the engine's own code, and write nothing.
async fn a_refusal_of_the_rules_is_422_with_the_engine_code(db: Db) {
    let mut service = Service::start(db).await;
    let steps = lead_to_cash();
    let process = Process::standard();

    // A deal opens with a capture.
    let (status, answer) = service
        .post("ana", "D-1", &body(&steps[2], None, None))
        .await;
    assert_eq!((status, code(&answer)), (422, "not_opened"), "{answer}");

    // Qualifying a lead that was not graded: whatever the engine says, under its code.
    let (status, _) = service
        .post("ops", "D-1", &body(&steps[0], None, None))
        .await;
    assert_eq!(status, 200);
    let deal = service.store.load(&DealId::new("D-1")).await.unwrap();
    let early = &steps[2];
    let expected = Envelope::new(early.actor.clone(), early.at, early.command.clone())
        .decide(&deal, &process)
        .unwrap_err();
    let (status, answer) = service.post("ana", "D-1", &body(early, None, None)).await;
    assert_eq!((status, code(&answer)), (422, expected.code()), "{answer}");
    assert_eq!(answer["error"]["message"], expected.to_string());

    // Time does not go backwards on a deal.
    let mut late = body(&steps[1], None, None);
    late["at"] = json!("2020-01-01T00:00:00Z");
    let (status, answer) = service.post("ana", "D-1", &late).await;
    assert_eq!(
        (status, code(&answer)),
        (422, "time_went_backwards"),
        "{answer}"
    );

    assert_eq!(service.store.last_position().await.unwrap(), 1);

    // Four-eyes: a gate's panel does not seat a member of the deal's own team.
    let convene = steps
        .iter()
        .position(|s| s.command.name() == "convene_gate")
        .unwrap();
    for (i, step) in steps.iter().enumerate().take(convene).skip(1) {
        let (status, answer) = service
            .post(step.actor.as_str(), "D-1", &body(step, None, None))
            .await;
        assert_eq!(status, 200, "step {i}: {answer}");
    }
    let team_member = steps[..convene]
        .iter()
        .find_map(|s| match &s.command {
            Command::AddMember { person, .. } => Some(person.clone()),
            _ => None,
        })
        .unwrap();
    let mut own_panel = body(&steps[convene], None, None);
    own_panel["command"]["panel"][0]["person"] = json!(team_member.as_str());
    if own_panel["command"]["chair"].is_string() {
        own_panel["command"]["chair"] = json!(team_member.as_str());
    }
    let command: Command = serde_json::from_value(own_panel["command"].clone()).unwrap();
    let deal = service.store.load(&DealId::new("D-1")).await.unwrap();
    let step = &steps[convene];
    let expected = Envelope::new(step.actor.clone(), step.at, command)
        .decide(&deal, &process)
        .unwrap_err();
    assert_eq!(expected.code(), "four_eyes");
    let (status, answer) = service.post(step.actor.as_str(), "D-1", &own_panel).await;
    assert_eq!((status, code(&answer)), (422, "four_eyes"), "{answer}");
    assert_eq!(service.store.last_position().await.unwrap(), convene as u64);
    service.stop().await;
}

/// What is not a command request is refused with a JSON error, and the service goes on.
async fn bad_input_is_refused_and_the_service_goes_on(db: Db) {
    let mut service = Service::start(db).await;
    let url = service.url("/deals/D-1/commands");
    let huge = format!(
        r#"{{"command": {{"type": "capture_lead", "customer": "{}", "source": "web", "estimate": null}}}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    let bad: Vec<(Vec<u8>, u16, &str)> = vec![
        (b"".to_vec(), 400, "malformed_json"),
        (b"not json".to_vec(), 400, "malformed_json"),
        (b"[]".to_vec(), 400, "malformed_json"),
        (b"{\"command\": {\"type\": \"qualify_lead\"}} trailing".to_vec(), 400, "malformed_json"),
        (b"{\"command\": {\"type\": \"no_such_command\"}}".to_vec(), 400, "malformed_json"),
        (b"{\"command\": {\"type\": \"qualify_lead\"}, \"extra\": 1}".to_vec(), 400, "malformed_json"),
        (b"{\"at\": \"yesterday\", \"command\": {\"type\": \"qualify_lead\"}}".to_vec(), 400, "malformed_json"),
        (b"{\"expected_version\": -1, \"command\": {\"type\": \"qualify_lead\"}}".to_vec(), 400, "malformed_json"),
        (b"{\"command_id\": \" \", \"command\": {\"type\": \"qualify_lead\"}}".to_vec(), 400, "malformed_json"),
        (b"{\"command\": {\"type\": \"qualify_lead\"}, \"command\": {\"type\": \"qualify_lead\"}}".to_vec(), 400, "malformed_json"),
        (vec![b'{', 0xff, 0xfe, b'}'], 400, "malformed_json"),
        (huge.into_bytes(), 413, "body_too_large"),
    ];
    for (bytes, status, expected) in bad {
        let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(80)]).into_owned();
        // A connection of its own: the server may close one whose body it refused unread, and a
        // pooled connection would then fail the next request.
        let response = client()
            .post(&url)
            .bearer_auth(token("ops"))
            .header("content-type", "application/json")
            .body(bytes)
            .send()
            .await
            .unwrap();
        let (got, answer) = read_answer(response).await;
        assert_eq!(
            (got, code(&answer)),
            (status, expected),
            "{shown}: {answer}"
        );
    }
    let (status, answer) = service.get("ops", "/events?after=x").await;
    assert_eq!((status, code(&answer)), (400, "bad_request"), "{answer}");
    let response = service
        .http
        .get(service.url("/events"))
        .bearer_auth(token("ops"))
        .header("last-event-id", "twelve")
        .send()
        .await
        .unwrap();
    let (status, answer) = read_answer(response).await;
    assert_eq!((status, code(&answer)), (400, "bad_request"), "{answer}");
    let (status, answer) = service.get("ops", "/deals/D-404").await;
    assert_eq!((status, code(&answer)), (404, "unknown_deal"), "{answer}");
    let (status, answer) = service.get("ops", "/nowhere").await;
    assert_eq!((status, code(&answer)), (404, "not_found"), "{answer}");
    let response = service
        .http
        .delete(service.url("/deals/D-1"))
        .bearer_auth(token("ops"))
        .send()
        .await
        .unwrap();
    let (status, answer) = read_answer(response).await;
    assert_eq!(
        (status, code(&answer)),
        (405, "method_not_allowed"),
        "{answer}"
    );

    // Nothing was written, and the service still works.
    assert!(service.store.deals().await.unwrap().is_empty());
    let (status, answer) = service.post("ops", "D-1", &capture("ACME")).await;
    assert_eq!(status, 200, "{answer}");
    service.stop().await;
}

// ---- the event stream ----------------------------------------------------------------------

/// What a server-sent event stream carries.
#[derive(Debug)]
enum Sent {
    Event {
        id: Option<String>,
        kind: Option<String>,
        data: String,
    },
    Comment(String),
}

/// A server-sent event stream, read block by block.
struct EventStream {
    body: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<Vec<u8>>> + Send>>,
    buffer: String,
}

impl EventStream {
    async fn open(service: &Service, query: &str, last_event_id: Option<u64>) -> EventStream {
        let mut request = service
            .http
            .get(service.url(&format!("/events{query}")))
            .bearer_auth(token("ops"))
            // A stream is read for as long as it runs.
            .timeout(Duration::from_secs(3600));
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id.to_string());
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        EventStream {
            body: Box::pin(response.bytes_stream().map(|b| b.map(|b| b.to_vec()))),
            buffer: String::new(),
        }
    }

    /// The next block, or `None` when the stream ended; fails after 10 s of nothing.
    async fn next(&mut self) -> Option<Sent> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                return Some(parse_block(block.trim_end_matches('\n')));
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.body.next())
                .await
                .expect("the event stream sends something within 10 s")?;
            self.buffer
                .push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
        }
    }

    /// The next record, skipping keep-alive comments: its position, and its data.
    async fn record(&mut self) -> (u64, Value) {
        loop {
            match self.next().await.expect("the stream goes on") {
                Sent::Comment(_) => continue,
                Sent::Event { id, kind, data } => {
                    assert_eq!(kind, None, "a record, not an error: {data}");
                    let data: Value = serde_json::from_str(&data).unwrap();
                    let position = data["position"].as_u64().unwrap();
                    assert_eq!(
                        id,
                        Some(position.to_string()),
                        "the event's id is its position"
                    );
                    return (position, data);
                }
            }
        }
    }
}

fn parse_block(block: &str) -> Sent {
    let (mut id, mut kind, mut data, mut comment) = (None, None, Vec::new(), None);
    for line in block.lines() {
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value).to_owned();
        match field {
            "" => comment = Some(value),
            "id" => id = Some(value),
            "event" => kind = Some(value),
            "data" => data.push(value),
            other => panic!("an unknown field `{other}` in {block:?}"),
        }
    }
    match (comment, data.is_empty()) {
        (Some(comment), true) => Sent::Comment(comment),
        _ => Sent::Event {
            id,
            kind,
            data: data.join("\n"),
        },
    }
}

/// A stream opened before any command follows 4 clients writing at once: every record arrives,
/// positions 1..=N in order with no gap, each as stored. Streams opened after a position (the
/// query's `after`, or `Last-Event-ID`, which wins) start right after it; a silent stream gets
/// keep-alive comments; shutting the service down ends the streams.
async fn the_event_stream_carries_every_record_in_order_and_resumes(db: Db) {
    let mut service = Service::start(db).await;
    let mut live = EventStream::open(&service, "", None).await;
    let steps = lead_to_cash();
    const WRITERS: usize = 4;
    const STEPS: usize = 12;
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (base, steps) = (service.base.clone(), steps.clone());
        writers.push(tokio::spawn(async move {
            let http = client();
            let mut answers = Vec::new();
            for (i, step) in steps.iter().take(STEPS).enumerate() {
                let response = http
                    .post(format!("{base}/deals/W-{w}/commands"))
                    .bearer_auth(token(step.actor.as_str()))
                    .json(&body(step, Some(i as u64), None))
                    .send()
                    .await
                    .unwrap();
                let (status, answer) = read_answer(response).await;
                assert_eq!(status, 200, "{answer}");
                answers.push(answer);
            }
            answers
        }));
    }
    let mut answered = Vec::new();
    for writer in writers {
        answered.extend(writer.await.unwrap());
    }
    let total = (WRITERS * STEPS) as u64;
    let mut seen = Vec::new();
    while (seen.len() as u64) < total {
        seen.push(live.record().await);
    }
    let positions: Vec<u64> = seen.iter().map(|(p, _)| *p).collect();
    assert_eq!(positions, (1..=total).collect::<Vec<_>>());
    // Each record is the event as stored, and as its writer was answered.
    let stored = service.store.read_stream(0, usize::MAX).await.unwrap();
    assert_eq!(stored.len() as u64, total);
    for ((position, data), record) in seen.iter().zip(&stored) {
        assert_eq!(*position, record.position);
        assert_eq!(data["event"], serde_json::to_value(&record.event).unwrap());
    }
    for answer in &answered {
        let position = answer["first_position"].as_u64().unwrap();
        assert_eq!(answer["events"][0], seen[position as usize - 1].1["event"]);
    }
    let deals: BTreeSet<String> = seen
        .iter()
        .map(|(_, d)| d["event"]["deal"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(deals.len(), WRITERS);

    // Resuming: after the query's position, or after Last-Event-ID (which wins over the URL a
    // reconnecting browser sends again).
    for (query, last, first) in [
        ("?after=17", None, 18),
        ("", Some(30), 31),
        ("?after=5", Some(40), 41),
        (&format!("?after={total}") as &str, None, total + 1),
    ] {
        let mut resumed = EventStream::open(&service, query, last).await;
        if first <= total {
            for expected in first..=total {
                assert_eq!(resumed.record().await.0, expected, "{query} {last:?}");
            }
        }
        // Nothing more: keep-alive comments.
        match resumed.next().await.unwrap() {
            Sent::Comment(text) => assert_eq!(text, "keep-alive"),
            other => panic!("a keep-alive comment, not {other:?}"),
        }
    }

    // A record written now reaches both the live stream and a resumed one.
    let (status, _) = service.post("ops", "W-9", &capture("Late")).await;
    assert_eq!(status, 200);
    assert_eq!(live.record().await.0, total + 1);

    // Shutdown ends the open streams, and the service returns.
    let mut open = EventStream::open(&service, "", Some(total + 1)).await;
    service.stop().await;
    loop {
        match live.next().await {
            None => break,
            Some(Sent::Comment(_)) => continue,
            Some(other) => panic!("nothing but the end: {other:?}"),
        }
    }
    while let Some(sent) = open.next().await {
        assert!(matches!(sent, Sent::Comment(_)), "{sent:?}");
    }
}

// ---- load ----------------------------------------------------------------------------------

/// 8 clients send 2,000 commands in all over HTTP, each driving deals of its own through the
/// lead-to-cash script with pinned versions and command ids: every command succeeds, the stored
/// deals verify, and the rate and latencies are printed, one line per backend.
async fn load(db: Db) {
    const CLIENTS: usize = 8;
    const COMMANDS: usize = 2_000;
    let name = db.name;
    let mut service = Service::start(db).await;
    let steps = lead_to_cash();
    let started = Instant::now();
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let (base, steps) = (service.base.clone(), steps.clone());
        clients.push(tokio::spawn(async move {
            let http = client();
            let mut latencies = Vec::with_capacity(COMMANDS / CLIENTS);
            let mut deal = 0;
            'deals: loop {
                for (i, step) in steps.iter().enumerate() {
                    if latencies.len() == COMMANDS / CLIENTS {
                        break 'deals;
                    }
                    let sent = Instant::now();
                    let response = http
                        .post(format!("{base}/deals/L{c}-{deal}/commands"))
                        .bearer_auth(token(step.actor.as_str()))
                        .json(&body(
                            step,
                            Some(i as u64),
                            Some(&format!("L{c}-{deal}/{i}")),
                        ))
                        .send()
                        .await
                        .unwrap();
                    let (status, answer) = read_answer(response).await;
                    latencies.push(sent.elapsed());
                    assert_eq!(status, 200, "client {c}, deal {deal}, step {i}: {answer}");
                    assert_eq!(answer["version"], i as u64 + 1);
                }
                deal += 1;
            }
            latencies
        }));
    }
    let mut latencies = Vec::with_capacity(COMMANDS);
    for client in clients {
        latencies.extend(client.await.unwrap());
    }
    let elapsed = started.elapsed();
    assert_eq!(latencies.len(), COMMANDS);

    let report = service.store.verify_all().await.unwrap();
    assert!(report.is_ok(), "{:?}", report.failures);
    assert_eq!(report.events, COMMANDS as u64);
    assert_eq!(
        service.store.last_position().await.unwrap(),
        COMMANDS as u64
    );

    latencies.sort();
    let at =
        |q: f64| latencies[((latencies.len() as f64 * q).ceil() as usize).min(latencies.len()) - 1];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "service load ({name}): {COMMANDS} commands from {CLIENTS} clients in {:.2} s: {:.0} \
         commands/s, p50 {:.1} ms, p99 {:.1} ms",
        elapsed.as_secs_f64(),
        COMMANDS as f64 / elapsed.as_secs_f64(),
        ms(at(0.50)),
        ms(at(0.99)),
    );
    service.stop().await;
}

/// The clock, to the millisecond, as the service reads it.
fn now_millis() -> ltc_pipeline::DateTime<Utc> {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    ltc_pipeline::DateTime::from_timestamp_millis(millis as i64).unwrap()
}
