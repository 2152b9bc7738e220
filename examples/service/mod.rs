//! An HTTP service over the event store, as an integrator would embed it: one [`Store`] handle
//! shared by every request, the actor of each command taken from the caller's bearer token, the
//! clock the service's own, and the store's stream served as server-sent events.
//!
//! - `POST /deals/{id}/commands`: decides a command on the stored deal and appends its events.
//!   The body is an envelope without `actor` (`{"at", "expected_version", "command_id",
//!   "command"}`, `at` defaulting to the service's clock); the answer is
//!   `{"version", "events", "first_position"}`. A request sent again under its `command_id` is
//!   answered as the first time and writes nothing.
//! - `GET /deals/{id}`: the deal's state as `ltc show --json` prints it: the state's fields, and
//!   `needs` beside them while the deal waits for a gate.
//! - `GET /events?after=N`: every stream record after position `N` (or the `Last-Event-ID` a
//!   reconnecting client sends), then each new one as it commits, one server-sent event each
//!   (`id: <position>`, `data: {"position", "event"}`), with keep-alive comments.
//!
//! Every route needs `Authorization: Bearer <token>`, a token of the table the service was
//! started with ([`Tokens`]). Errors are `{"error": {"code", "message"}}` with the store's
//! stable codes ([`StoreError::code`]) and an HTTP status for each ([`status_of`]).
//!
//! ```no_run
//! use ltc_examples::service::{serve, Config, Tokens};
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let store = ltc_store::Store::open("ltc.db").await?;
//! let tokens = Tokens::from_json(r#"{"tokens": {"s3cr3t-token-of-ana-0001": "ana"}}"#)?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! serve(listener, store, tokens, Config::default(), async {
//!     let _ = tokio::signal::ctrl_c().await;
//! })
//! .await?;
//! # Ok(())
//! # }
//! ```

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use futures_util::StreamExt as _;
use ltc_pipeline::{
    Command, CommandId, DateTime, Deal, DealId, Envelope, GateNeeds, PersonId, StoredEvent, Utc,
};
use ltc_store::{Record, Store, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

// ---- tokens --------------------------------------------------------------------------------

/// The bearer tokens a service accepts, each standing for one person: the actor of every command
/// sent with it.
///
/// Read from a JSON document `{"tokens": {"<token>": "<person id>", ...}}`. A token is at least
/// 16 visible ASCII characters (no spaces); only its SHA-256 digest is kept, and a presented
/// token is looked up by its digest, so the lookup's timing says nothing useful about the
/// tokens.
#[derive(Clone, Default)]
pub struct Tokens {
    people: HashMap<[u8; 32], PersonId>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the tokens, not even their digests.
        f.debug_struct("Tokens")
            .field("tokens", &self.people.len())
            .finish()
    }
}

/// Why a token table was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokensError(String);

impl std::fmt::Display for TokensError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TokensError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensFile {
    tokens: std::collections::BTreeMap<String, String>,
}

/// The fewest characters a token has.
pub const MIN_TOKEN_LEN: usize = 16;

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Tokens {
    /// A table of `(token, person)` pairs.
    ///
    /// # Errors
    /// A token shorter than [`MIN_TOKEN_LEN`] or with a character that is not visible ASCII; a
    /// person id that is blank, has space around it or a control character; the same token
    /// twice.
    ///
    /// ```
    /// use ltc_examples::service::Tokens;
    /// let tokens = Tokens::new([("token-of-ana-0123456789", "ana")])?;
    /// assert_eq!(tokens.person("token-of-ana-0123456789").map(|p| p.as_str()), Some("ana"));
    /// assert_eq!(tokens.person("token-of-bo-00000000000"), None);
    /// assert!(Tokens::new([("short", "ana")]).is_err());
    /// # Ok::<(), ltc_examples::service::TokensError>(())
    /// ```
    pub fn new<T, P>(pairs: impl IntoIterator<Item = (T, P)>) -> Result<Self, TokensError>
    where
        T: AsRef<str>,
        P: AsRef<str>,
    {
        let mut people = HashMap::new();
        for (n, (token, person)) in pairs.into_iter().enumerate() {
            let (token, person) = (token.as_ref(), person.as_ref());
            let place = format!("token {} (of person `{}`)", n + 1, person.escape_debug());
            if token.len() < MIN_TOKEN_LEN || !token.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(TokensError(format!(
                    "{place} is not a usable token: a token is at least {MIN_TOKEN_LEN} visible \
                     ASCII characters, without spaces"
                )));
            }
            let usable = !person.trim().is_empty()
                && person.trim() == person
                && !person.chars().any(char::is_control);
            if !usable {
                return Err(TokensError(format!(
                    "{place}: `{}` is not a usable person id: not blank, no space around it, no \
                     control characters",
                    person.escape_debug()
                )));
            }
            if people
                .insert(digest(token), PersonId::new(person))
                .is_some()
            {
                return Err(TokensError(format!("{place} is given twice")));
            }
        }
        Ok(Tokens { people })
    }

    /// Reads a table from its JSON document `{"tokens": {"<token>": "<person id>", ...}}`.
    ///
    /// # Errors
    /// A document that is not of that shape (naming where), or a pair [`Tokens::new`] refuses.
    pub fn from_json(text: &str) -> Result<Self, TokensError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let file: TokensFile =
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(text))
                .map_err(|e| {
                    TokensError(format!(
                        "not a token table {{\"tokens\": {{\"<token>\": \"<person id>\"}}}}: at \
                         `{}`: {}",
                        e.path(),
                        e.inner()
                    ))
                })?;
        Tokens::new(file.tokens)
    }

    /// Reads the table in the file at `path` ([`Tokens::from_json`]).
    ///
    /// # Errors
    /// The file cannot be read, or its document is refused; the message names the file.
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<Self, TokensError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| TokensError(format!("{}: {e}", path.display())))?;
        Tokens::from_json(&text).map_err(|e| TokensError(format!("{}: {e}", path.display())))
    }

    /// The person a token stands for.
    pub fn person(&self, token: &str) -> Option<&PersonId> {
        self.people.get(&digest(token))
    }

    /// How many tokens the table holds.
    pub fn len(&self) -> usize {
        self.people.len()
    }

    /// Whether the table holds no token (a service started with it refuses every request).
    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }
}

// ---- configuration -------------------------------------------------------------------------

/// How a service runs: limits and intervals.
#[derive(Debug, Clone)]
pub struct Config {
    /// The largest request body read, in bytes (1 MiB by default); a larger one is refused with
    /// 413 `body_too_large` before it is read whole.
    pub body_limit: usize,
    /// How long an event stream may stay silent before a keep-alive comment is sent (15 s by
    /// default), so that proxies and clients see a live connection.
    pub keep_alive: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            body_limit: 1024 * 1024,
            keep_alive: Duration::from_secs(15),
        }
    }
}

// ---- errors --------------------------------------------------------------------------------

/// An error as the service answers it: `{"error": {"code", "message"}}` with an HTTP status.
#[derive(Debug, Clone, Serialize)]
struct ErrorBody {
    code: &'static str,
    message: String,
}

#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    body: ErrorBody,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                code,
                message: message.into(),
            },
        }
    }

    fn unauthorized(message: &str) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
}

/// The HTTP status the service answers a store error with:
///
/// | status | codes |
/// | --- | --- |
/// | 400 | `malformed_json` (a body that does not read as a command request) |
/// | 404 | `unknown_deal` |
/// | 409 | `conflict` (a stale `expected_version`), `command_id_reused`, `version_conflict` |
/// | 422 | every other refusal of the rules, under the engine's code (`wrong_stage`, `four_eyes`, ...) |
/// | 500 | a stored log or definition that does not verify or replay (`tampered`, `invalid_event`, `unknown_process`, ...) |
/// | 503 | the database or the store is unavailable (`backend`, `closed`, `read_only`, ...) |
pub fn status_of(error: &StoreError) -> StatusCode {
    match error {
        StoreError::Engine(e) => engine_status(e),
        other => match other.code() {
            "conflict" | "command_id_reused" => StatusCode::CONFLICT,
            "unknown_deal" => StatusCode::NOT_FOUND,
            "backend" | "closed" | "read_only" | "no_store" | "schema_version" => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            // `tampered`, `corrupt_definition`, `misplaced`, and whatever a later store adds.
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        },
    }
}

fn engine_status(error: &ltc_pipeline::Error) -> StatusCode {
    match error.code() {
        "malformed_json" => StatusCode::BAD_REQUEST,
        "version_conflict" => StatusCode::CONFLICT,
        // What is stored does not replay: the service's data, not the request, is at fault.
        "invalid_event"
        | "tampered"
        | "unknown_process"
        | "process_mismatch"
        | "unsupported_format"
        | "field_not_in_format" => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        let status = status_of(&error);
        if status.is_server_error() {
            // The database's own words may name hosts and tables: they go to the service's log,
            // and the caller gets the code.
            eprintln!("ltc service: {}: {error}", error.code());
            let message = match status {
                StatusCode::SERVICE_UNAVAILABLE => {
                    "the store is unavailable: try again later (the service's log says why)"
                }
                _ => "the stored data could not be read (the service's log says why)",
            };
            return ApiError::new(status, error.code(), message);
        }
        ApiError::new(status, error.code(), error.to_string())
    }
}

impl From<ltc_pipeline::Error> for ApiError {
    fn from(error: ltc_pipeline::Error) -> Self {
        ApiError::from(StoreError::Engine(error))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = json_response(self.status, &ErrorEnvelope { error: &self.body });
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"ltc\""),
            );
        }
        response
    }
}

#[derive(Serialize)]
struct ErrorEnvelope<'a> {
    error: &'a ErrorBody,
}

/// `value` as a JSON response; a value that cannot be written is a 500 saying so.
fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response(),
        Err(e) => {
            eprintln!("ltc service: an answer could not be written as JSON: {e}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                r#"{"error":{"code":"internal","message":"the answer could not be written"}}"#,
            )
                .into_response()
        }
    }
}

// ---- the router ----------------------------------------------------------------------------

/// What every request shares.
#[derive(Clone)]
struct App {
    store: Store,
    tokens: Arc<Tokens>,
    keep_alive: Duration,
    /// Turns true when the service shuts down: event streams end then.
    closing: watch::Receiver<bool>,
}

impl App {
    /// Resolves when the service shuts down; never for a router served by someone else.
    fn closed(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut closing = self.closing.clone();
        async move {
            if closing.wait_for(|c| *c).await.is_err() {
                // No one will ever say: the router is served by a host of its own.
                std::future::pending::<()>().await;
            }
        }
    }
}

/// The person who sent a request, from its bearer token.
#[derive(Debug, Clone)]
struct Caller(PersonId);

/// The service's routes over `store`, with the default [`Config`]: mount it in a host's own
/// router, or serve it with [`serve`] (which also ends event streams on shutdown).
pub fn router(store: Store, tokens: Tokens) -> Router {
    router_with(store, tokens, Config::default())
}

/// [`router`] with a [`Config`].
pub fn router_with(store: Store, tokens: Tokens, config: Config) -> Router {
    // The sender is dropped at once: streams of this router end when their client goes.
    let (_, closing) = watch::channel(false);
    app(store, tokens, config, closing)
}

fn app(store: Store, tokens: Tokens, config: Config, closing: watch::Receiver<bool>) -> Router {
    let app = App {
        store,
        tokens: Arc::new(tokens),
        keep_alive: config.keep_alive,
        closing,
    };
    Router::new()
        .route("/deals/{id}/commands", post(execute))
        .route("/deals/{id}", get(show))
        .route("/events", get(events))
        // Authentication runs before a body is read: an unknown caller costs no upload.
        .route_layer(middleware::from_fn_with_state(app.clone(), authenticate))
        .layer(DefaultBodyLimit::max(config.body_limit))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(app)
}

/// Serves the service's routes on `listener` until `shutdown` resolves; then open event streams
/// end, requests in flight are answered, and it returns.
///
/// # Errors
/// The listener's, when accepting fails for good.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Store,
    tokens: Tokens,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (close, closing) = watch::channel(false);
    let app = app(store, tokens, config, closing);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = close.send(true);
        })
        .await
}

async fn authenticate(State(app): State<App>, mut request: Request, next: Next) -> Response {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return ApiError::unauthorized("send `Authorization: Bearer <token>`").into_response();
    };
    let token = value.to_str().ok().and_then(|v| {
        let (scheme, token) = v.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    });
    let Some(token) = token else {
        return ApiError::unauthorized("the Authorization header is not `Bearer <token>`")
            .into_response();
    };
    let Some(person) = app.tokens.person(token) else {
        return ApiError::unauthorized("the token is not one this service accepts").into_response();
    };
    request.extensions_mut().insert(Caller(person.clone()));
    next.run(request).await
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such route: POST /deals/{id}/commands, GET /deals/{id}, GET /events",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "the route does not take this method: POST /deals/{id}/commands, GET /deals/{id}, GET \
         /events",
    )
}

fn deal_id(path: Result<Path<String>, PathRejection>) -> Result<DealId, ApiError> {
    match path {
        Ok(Path(id)) => Ok(DealId::new(id)),
        Err(e) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("the deal id in the path does not read: {}", e.body_text()),
        )),
    }
}

// ---- POST /deals/{id}/commands -------------------------------------------------------------

/// A command request: an [`Envelope`] without its actor, who is the caller.
#[derive(Debug, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
struct CommandRequest {
    /// Read only to be refused: the actor is the token's person.
    #[serde(default, deserialize_with = "present", skip_serializing)]
    actor: bool,
    #[serde(
        default,
        deserialize_with = "ltc_pipeline::serde_strict::instant::option::deserialize"
    )]
    at: Option<DateTime<Utc>>,
    #[serde(default)]
    expected_version: Option<u64>,
    #[serde(default)]
    command_id: Option<CommandId>,
    command: Command,
}

ltc_pipeline::objects_only!(CommandRequest);

/// True for a field that is there, whatever its value (`null` included).
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    serde::de::IgnoredAny::deserialize(deserializer).map(|_| true)
}

/// Reads a request body as a [`CommandRequest`], strictly, naming the path of a bad value.
fn command_request(body: &[u8]) -> Result<CommandRequest, ApiError> {
    let malformed =
        |message: String| ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", message);
    let text = std::str::from_utf8(body).map_err(|e| {
        malformed(format!(
            "the body is not UTF-8 (the first bad byte is at offset {})",
            e.valid_up_to()
        ))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let request: CommandRequest = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| malformed(format!("at `{}`: {}", e.path(), e.inner())))?;
    deserializer
        .end()
        .map_err(|e| malformed(format!("at `.`: {e}")))?;
    if request.actor {
        return Err(malformed(
            "at `.`: unknown field `actor`: the actor is the person the bearer token stands for, \
             never the body"
                .to_owned(),
        ));
    }
    Ok(request)
}

/// The service's clock, to the millisecond: the instant of a command sent without `at`.
fn now() -> DateTime<Utc> {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    DateTime::from_timestamp_millis(millis).unwrap_or(DateTime::UNIX_EPOCH)
}

/// What a command wrote.
#[derive(Serialize)]
struct Outcome<'a> {
    /// The deal's version after the command (for a command sent again: after its first run).
    version: u64,
    events: &'a [StoredEvent],
    first_position: u64,
}

async fn execute(
    State(app): State<App>,
    caller: Option<axum::Extension<Caller>>,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let Some(axum::Extension(Caller(actor))) = caller else {
        return Err(ApiError::unauthorized(
            "send `Authorization: Bearer <token>`",
        ));
    };
    let deal = deal_id(path)?;
    let body = body.map_err(|e| {
        let status = e.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                status,
                "body_too_large",
                "the body is larger than this service reads",
            )
        } else {
            ApiError::new(status, "bad_request", e.body_text())
        }
    })?;
    let request = command_request(&body)?;
    let envelope = Envelope {
        actor,
        at: request.at.unwrap_or_else(now),
        expected_version: request.expected_version,
        command_id: request.command_id,
        command: request.command,
    };
    // A retry of a request that left `at` to the service's clock is stamped anew; the store
    // knows it as the same command by its actor, expected version and command.
    let executed = app.store.execute(&deal, &envelope).await?;
    let appended = &executed.appended;
    Ok(json_response(
        StatusCode::OK,
        &Outcome {
            version: appended.version,
            events: &appended.events,
            first_position: appended.first_position,
        },
    ))
}

// ---- GET /deals/{id} -----------------------------------------------------------------------

/// A deal as `ltc show --json` prints it: the state's fields, and `needs` beside them while the
/// deal waits for a gate.
#[derive(Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    deal: &'a Deal,
    #[serde(skip_serializing_if = "Option::is_none")]
    needs: Option<GateNeeds>,
}

async fn show(
    State(app): State<App>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = deal_id(path)?;
    let deal = app.store.load(&id).await?;
    // Under the version the deal runs under, as its next command is decided.
    let needs = match deal.process() {
        Some(reference) => deal.gate_needs(&app.store.process(reference).await?)?,
        None => None,
    };
    Ok(json_response(StatusCode::OK, &Shown { deal: &deal, needs }))
}

// ---- GET /events ---------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct After {
    after: Option<u64>,
}

/// One stream record as an event's data.
#[derive(Serialize)]
struct Streamed<'a> {
    position: u64,
    event: &'a StoredEvent,
}

fn record_event(record: &Record) -> SseEvent {
    let data = Streamed {
        position: record.position,
        event: &record.event,
    };
    match serde_json::to_string(&data) {
        Ok(json) => SseEvent::default()
            .id(record.position.to_string())
            .data(json),
        Err(e) => error_event(&ErrorBody {
            code: "internal",
            message: format!("record {} could not be written: {e}", record.position),
        }),
    }
}

/// The last event of a stream that failed: `event: error`, and the error as data. The client
/// reconnects with the `Last-Event-ID` it has.
fn error_event(error: &ErrorBody) -> SseEvent {
    let data = serde_json::to_string(&ErrorEnvelope { error })
        .unwrap_or_else(|_| r#"{"error":{"code":"internal","message":""}}"#.to_owned());
    SseEvent::default().event("error").data(data)
}

async fn events(
    State(app): State<App>,
    headers: HeaderMap,
    query: Result<Query<After>, QueryRejection>,
) -> Result<Response, ApiError> {
    let bad = |message: String| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message);
    let Query(query) =
        query.map_err(|e| bad(format!("the query does not read: {}", e.body_text())))?;
    // A reconnecting client sends the id of the last event it got, on the URL it first used:
    // that id is where it is, whatever the URL says.
    let last = match headers.get("last-event-id") {
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .ok_or_else(|| bad("Last-Event-ID is not a stream position".to_owned()))?,
        ),
        None => None,
    };
    let after = last.or(query.after).unwrap_or(0);
    let records = app.store.subscribe(after).map(|item| {
        Ok::<_, Infallible>(match item {
            Ok(record) => record_event(&record),
            Err(e) => {
                let error = ApiError::from(e);
                error_event(&error.body)
            }
        })
    });
    let stream = records.take_until(app.closed());
    let keep_alive = KeepAlive::new().interval(app.keep_alive).text("keep-alive");
    Ok(Sse::new(stream).keep_alive(keep_alive).into_response())
}
