//! The `ltc` command's subcommands as functions from one JSON document to one output document,
//! so that the binary stays thin and tests (and docs checks) call exactly what it runs.

use chrono::NaiveDate;
use ltc_incentive::{
    Account, HoldbackAction, HoldbackMovement, Ledger, Payment, PoolRule, SplitRequest, Tranche,
};
use ltc_pipeline::integrity::{self, Digest};
use ltc_pipeline::{Deal, DealId, Envelope, Process, ProcessDefinition, StoredEvent};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::Read;

/// Why a subcommand refused its input: a stable code and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// A stable snake_case code: the library's error code, or `malformed_json`, `io`,
    /// `input_too_large`, `unknown_process`, `missing_id`.
    pub code: String,
    /// What was wrong, with the values involved.
    pub message: String,
}

impl Failure {
    /// A failure with this code and message; control characters in the message (a newline in a
    /// name the user gave) are escaped, so that it prints as one line.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: one_line(&message.into()),
        }
    }
}

/// `text` with control characters, Unicode line separators and bidirectional controls written
/// as escapes, so that what a user wrote can neither break a line nor reorder the text after it
/// on a terminal: the rule of the report's tables ([`ltc_analytics::text::one_line`]), for every
/// line `ltc` prints (`show`, `list`, error messages).
pub fn one_line(text: &str) -> String {
    ltc_analytics::text::one_line(text)
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl From<serde_json::Error> for Failure {
    fn from(e: serde_json::Error) -> Self {
        Failure::new("malformed_json", e.to_string())
    }
}

impl From<ltc_pipeline::Error> for Failure {
    fn from(e: ltc_pipeline::Error) -> Self {
        Failure::new(e.code(), e.to_string())
    }
}

impl From<ltc_analytics::Error> for Failure {
    fn from(e: ltc_analytics::Error) -> Self {
        Failure::new(e.code(), e.to_string())
    }
}

impl From<ltc_incentive::Error> for Failure {
    fn from(e: ltc_incentive::Error) -> Self {
        Failure::new(e.code(), e.to_string())
    }
}

/// Implements `Deserialize` for a type whose derive uses `remote = "Self"`, reading it from a
/// JSON object only: serde's derive would also take a positional array.
macro_rules! objects_only {
    ($t:ty) => {
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Object;
                impl<'de> serde::de::Visitor<'de> for Object {
                    type Value = $t;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("an object")
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        map: A,
                    ) -> Result<$t, A::Error> {
                        <$t>::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    }
                }
                deserializer.deserialize_map(Object)
            }
        }
    };
}
pub(crate) use objects_only;

/// The most a subcommand reads from its FILE or stdin unless told otherwise (`--max-input-bytes`,
/// `LTC_MAX_INPUT_BYTES`): 64 MiB, over a hundred times the sample set of 64 deals
/// (`examples/data/deals.json`, about 420 KB).
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 64 * MIB;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;

/// Reads a size in bytes as `--max-input-bytes` takes it: a whole number of bytes, or one with a
/// binary unit, `KiB`, `MiB` or `GiB` (case-insensitive).
///
/// ```
/// use ltc_cli::commands::parse_byte_size;
/// assert_eq!(parse_byte_size("1048576"), Ok(1 << 20));
/// assert_eq!(parse_byte_size("64MiB"), Ok(64 << 20));
/// assert_eq!(parse_byte_size("2 gib"), Ok(2 << 30));
/// assert!(parse_byte_size("0").is_err());
/// assert!(parse_byte_size("64MB").is_err()); // decimal or binary? said with KiB, MiB, GiB
/// ```
///
/// # Errors
/// A message naming the text, for anything else, for zero, and for a size beyond 2^64 bytes.
pub fn parse_byte_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let digits = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits);
    let unit = unit.trim().to_ascii_lowercase();
    let scale = match unit.as_str() {
        "" => Some(1),
        "kib" => Some(KIB),
        "mib" => Some(MIB),
        "gib" => Some(GIB),
        _ => None,
    };
    let shape = || {
        format!(
            "`{}` is not a size: give a number of bytes, or one with KiB, MiB or GiB (64MiB)",
            one_line(text)
        )
    };
    let (Some(scale), Ok(number)) = (scale, number.parse::<u64>()) else {
        return Err(shape());
    };
    match number.checked_mul(scale) {
        Some(0) => Err("the input limit must be at least 1 byte".to_owned()),
        Some(bytes) => Ok(bytes),
        None => Err(format!(
            "`{}` is more bytes than can be counted",
            one_line(text)
        )),
    }
}

/// A size for people: `64 MiB` when it is a whole number of a binary unit, else in bytes.
fn size(bytes: u64) -> String {
    for (unit, name) in [(GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")] {
        if bytes >= unit && bytes.is_multiple_of(unit) {
            return format!("{} {name}", bytes / unit);
        }
    }
    format!("{bytes} bytes")
}

/// Reads the document a subcommand takes: from `file`, or stdin when it is `None` or `-`, at
/// most `limit` bytes.
///
/// A leading UTF-8 byte-order mark (which some editors write) is skipped. Input over `limit` is
/// refused as `input_too_large` without being read whole: a file by its size before it is
/// opened for reading, stdin (or a file that grows) once `limit` bytes have been read and one
/// more is there.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("ltc-read-input-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("doc.json");
/// std::fs::write(&path, b"\xEF\xBB\xBF{\"amount\": \"1\"}").unwrap();
/// assert_eq!(ltc_cli::commands::read_input(Some(&path), 1024)?, "{\"amount\": \"1\"}");
/// let err = ltc_cli::commands::read_input(Some(&path), 8).unwrap_err();
/// assert_eq!(err.code, "input_too_large");
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), ltc_cli::commands::Failure>(())
/// ```
///
/// # Errors
/// `input_too_large`, saying how to raise the limit; `malformed_json` for bytes that are not
/// UTF-8, with the offset of the first bad one; `io` when it cannot be read.
pub fn read_input(file: Option<&std::path::Path>, limit: u64) -> Result<String, Failure> {
    match file {
        Some(path) if path.as_os_str() != "-" => {
            let from = format!("`{}`", path.display());
            let io = |e: std::io::Error| Failure::new("io", format!("cannot read {from}: {e}"));
            let file = std::fs::File::open(path).map_err(io)?;
            let known = file
                .metadata()
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len());
            if let Some(length) = known.filter(|length| *length > limit) {
                return Err(too_large(&from, Some(length), limit));
            }
            read_document(file, limit, &from)
        }
        _ => read_document(std::io::stdin().lock(), limit, "stdin"),
    }
}

/// Reads at most `limit` bytes of a document from `reader`, named `from` in messages; as
/// [`read_input`] does.
///
/// ```
/// use ltc_cli::commands::read_document;
/// let text = read_document(&b"\xEF\xBB\xBF[1]"[..], 64, "stdin")?;
/// assert_eq!(text, "[1]");
/// let err = read_document(&b"[1, \xFF]"[..], 64, "stdin").unwrap_err();
/// assert_eq!(err.code, "malformed_json");
/// assert!(err.message.contains("byte offset 4"), "{}", err.message);
/// # Ok::<(), ltc_cli::commands::Failure>(())
/// ```
///
/// # Errors
/// As [`read_input`].
pub fn read_document(reader: impl Read, limit: u64, from: &str) -> Result<String, Failure> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::new("io", format!("cannot read {from}: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(from, None, limit));
    }
    let skipped = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            text.drain(..skipped);
            Ok(text)
        }
        Err(e) => {
            let bytes = e.as_bytes();
            let at = e.utf8_error().valid_up_to();
            let before = bytes.get(skipped..at).unwrap_or_default();
            let line = before.iter().filter(|b| **b == b'\n').count() + 1;
            let line_start = before
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(before.get(line_start..).unwrap_or_default())
                .chars()
                .count()
                + 1;
            let byte = bytes.get(at).copied().unwrap_or_default();
            let utf16 = if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
                "; it starts with a UTF-16 byte-order mark: save it as UTF-8"
            } else {
                ""
            };
            Err(Failure::new(
                "malformed_json",
                format!(
                    "{from} is not UTF-8: byte 0x{byte:02X} at byte offset {at} (line {line} \
                     column {column}) is not part of a UTF-8 character; JSON is read as \
                     UTF-8{utf16}"
                ),
            ))
        }
    }
}

fn too_large(from: &str, length: Option<u64>, limit: u64) -> Failure {
    let mut limit_text = size(limit);
    if !limit_text.ends_with(" bytes") {
        limit_text.push_str(&format!(" ({limit} bytes)"));
    }
    // A limit that fits: the file's size rounded up to a MiB, else twice the limit.
    let (what, enough) = match length {
        Some(length) => (
            format!("{from} is {length} bytes, over"),
            length.div_ceil(MIB).saturating_mul(MIB),
        ),
        None => (format!("{from} is over"), limit.saturating_mul(2)),
    };
    Failure::new(
        "input_too_large",
        format!(
            "{what} the input limit of {limit_text}; raise it with --max-input-bytes (or \
             LTC_MAX_INPUT_BYTES), e.g. --max-input-bytes {}",
            size(enough).replace(' ', "").trim_end_matches("bytes")
        ),
    )
}

/// Reads a JSON document strictly, naming the path of a bad value
/// (`commands[2].command.value.amount`).
///
/// # Errors
/// `malformed_json`, with the path and what was wrong.
pub fn parse<T: for<'de> Deserialize<'de>>(input: &str) -> Result<T, Failure> {
    let mut deserializer = serde_json::Deserializer::from_str(input);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            Failure::from(inner)
        } else {
            Failure::new("malformed_json", format!("at `{path}`: {inner}"))
        }
    })?;
    deserializer.end()?;
    Ok(value)
}

pub(crate) fn pretty<T: Serialize>(value: &T) -> Result<String, Failure> {
    let mut out = serde_json::to_string_pretty(value)?;
    out.push('\n');
    Ok(out)
}

/// Input of `ltc allocate`.
#[derive(Debug, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct AllocateInput {
    /// The amount to split.
    #[serde(with = "ltc_incentive::exact")]
    pub amount: Decimal,
    /// One weight per part.
    #[serde(with = "ltc_incentive::exact::vec")]
    pub weights: Vec<Decimal>,
    /// Decimal places of the minor unit (default 2).
    #[serde(default = "two")]
    pub scale: u32,
}

objects_only!(AllocateInput);

fn two() -> u32 {
    2
}

/// Output of `ltc allocate`.
#[derive(Debug, Serialize)]
pub struct AllocateOutput {
    /// The parts, in the order of the weights.
    pub parts: Vec<Decimal>,
}

/// `ltc allocate`: split an amount by weights, largest remainder.
///
/// # Errors
/// `malformed_json`, or the incentive crate's error code.
pub fn allocate(input: &str) -> Result<String, Failure> {
    let input: AllocateInput = parse(input)?;
    let parts = ltc_incentive::allocate(input.amount, &input.weights, input.scale)?;
    pretty(&AllocateOutput { parts })
}

/// `ltc split`: a split request in, the split out.
///
/// # Errors
/// `malformed_json`, or the incentive crate's error code.
pub fn split(input: &str) -> Result<String, Failure> {
    let request: SplitRequest = parse(input)?;
    pretty(&ltc_incentive::split(&request)?)
}

/// `ltc statement`: a statement request in (a plan, its periods, the deals and their credits,
/// manual adjustments, whose statement for which period), the statements out: JSON, or with
/// `table` the plain-text tables.
///
/// # Errors
/// `malformed_json`, or the incentive crate's error code (a refusal names the field path).
pub fn statement(input: &str, table: bool) -> Result<String, Failure> {
    let request: ltc_incentive::StatementRequest = parse(input)?;
    let statements = ltc_incentive::statement(&request)?;
    if table {
        Ok(statements.table())
    } else {
        pretty(&statements)
    }
}

/// A holdback release or forfeiture to apply after the payments.
#[derive(Debug, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct HoldbackInput {
    /// When.
    pub date: NaiveDate,
    /// Whose holdback; omitted with `release`, everyone's.
    #[serde(default)]
    pub id: Option<String>,
    /// `release` or `forfeit`.
    pub action: HoldbackAction,
}

objects_only!(HoldbackInput);

/// Input of `ltc payout`.
#[derive(Debug, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct PayoutInput {
    /// The team, as a split request; its `pool` is replaced by the pool earned so far.
    pub split: SplitRequest,
    /// How the pool is earned: `contract_value`, `rate`, `basis` (`contract` or `cash`).
    pub rule: PoolRule,
    /// Dated payments (positive) and refunds (negative), in order.
    pub payments: Vec<Payment>,
    /// Holdback releases and forfeitures, applied after the payments, in order.
    #[serde(default)]
    pub holdback: Vec<HoldbackInput>,
}

objects_only!(PayoutInput);

/// One person's totals over all tranches and holdback movements.
#[derive(Debug, Serialize)]
pub struct PersonTotal {
    /// The person.
    pub id: String,
    /// Their account.
    #[serde(flatten)]
    pub account: Account,
}

/// Output of `ltc payout`.
#[derive(Debug, Serialize)]
pub struct PayoutOutput {
    /// The pool when the whole contract value is collected.
    pub full_pool: Decimal,
    /// One tranche per payment.
    pub tranches: Vec<Tranche>,
    /// The holdback movements applied.
    pub holdback: Vec<HoldbackMovement>,
    /// The pool earned at the end.
    pub pool: Decimal,
    /// The retained amount at the end.
    pub retained: Decimal,
    /// Per person, sorted by id.
    pub people: Vec<PersonTotal>,
}

/// `ltc payout`: tranches per payment with holdback and clawback, then holdback movements.
///
/// # Errors
/// `malformed_json`, or the incentive crate's error code.
pub fn payout(input: &str) -> Result<String, Failure> {
    let input: PayoutInput = parse(input)?;
    let full_pool = input.rule.full_pool(input.split.scale)?;
    let tranches = ltc_incentive::tranches(&input.split, &input.rule, &input.payments)?;
    pretty(&paid(full_pool, tranches, &input.holdback)?)
}

/// The output of a payout: the tranches recorded in a ledger, then the holdback movements.
pub(crate) fn paid(
    full_pool: Decimal,
    tranches: Vec<Tranche>,
    actions: &[HoldbackInput],
) -> Result<PayoutOutput, Failure> {
    let mut ledger = Ledger::new();
    for tranche in &tranches {
        ledger.record(tranche)?;
    }
    let mut holdback = Vec::new();
    for action in actions {
        match (action.action, &action.id) {
            (HoldbackAction::Release, Some(id)) => holdback.push(ledger.release(id, action.date)?),
            (HoldbackAction::Release, None) => holdback.extend(ledger.release_all(action.date)?),
            (HoldbackAction::Forfeit, Some(id)) => holdback.push(ledger.forfeit(id, action.date)?),
            (HoldbackAction::Forfeit, None) => {
                return Err(Failure::new(
                    "missing_id",
                    "a forfeiture names the person whose holdback is forfeited",
                ))
            }
        }
    }
    let people = ledger
        .accounts()
        .iter()
        .map(|(id, account)| PersonTotal {
            id: id.clone(),
            account: account.clone(),
        })
        .collect();
    Ok(PayoutOutput {
        full_pool,
        pool: ledger.pool(),
        retained: ledger.retained(),
        tranches,
        holdback,
        people,
    })
}

/// A process: the name of a built-in one (`"standard"`) or a definition.
///
/// A JSON string is a name; anything else is read as a definition, so that a definition's own
/// error (a misspelt or missing field) is what the user sees.
#[derive(Debug)]
pub enum ProcessInput {
    /// A built-in process by name.
    Named(String),
    /// A definition, validated when read.
    Definition(Box<ProcessDefinition>),
}

impl<'de> Deserialize<'de> for ProcessInput {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameOrDefinition;
        impl<'de> serde::de::Visitor<'de> for NameOrDefinition {
            type Value = ProcessInput;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a process name such as \"standard\", or a process definition")
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<ProcessInput, E> {
                Ok(ProcessInput::Named(name.to_owned()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<ProcessInput, A::Error> {
                // Read in place, so that a bad field's path reaches the user.
                let definition = ProcessDefinition::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )?;
                Ok(ProcessInput::Definition(Box::new(definition)))
            }
        }
        deserializer.deserialize_any(NameOrDefinition)
    }
}

impl Default for ProcessInput {
    fn default() -> Self {
        ProcessInput::Named("standard".to_owned())
    }
}

impl ProcessInput {
    /// The validated process.
    ///
    /// # Errors
    /// `unknown_process` for a name other than `standard`, or the definition's validation error.
    pub fn build(self) -> Result<Process, Failure> {
        match self {
            ProcessInput::Named(name) if name == "standard" => Ok(Process::standard()),
            ProcessInput::Named(name) => Err(Failure::new(
                "unknown_process",
                format!(
                    "no built-in process is named `{}` (try `standard`)",
                    one_line(&name)
                ),
            )),
            ProcessInput::Definition(d) => Ok(Process::new(*d)?),
        }
    }
}

/// Validates the process versions a document names: the versions its logs run under.
///
/// # Errors
/// As [`ProcessInput::build`], or `invalid_definition` for one version given twice.
pub fn catalog(inputs: Vec<ProcessInput>) -> Result<Vec<Process>, Failure> {
    let mut processes: Vec<Process> = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.into_iter().enumerate() {
        let process = input.build()?;
        if processes
            .iter()
            .any(|p| p.reference() == process.reference())
        {
            return Err(Failure::new(
                "invalid_definition",
                format!(
                    "at `processes[{i}]`: process `{}` is given twice",
                    process.reference()
                ),
            ));
        }
        processes.push(process);
    }
    Ok(processes)
}

fn default_deal() -> DealId {
    DealId::new("D-1")
}

/// Input of `ltc run`.
#[derive(Debug, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct RunInput {
    /// The process the deal is opened under (default `"standard"`).
    #[serde(default)]
    pub process: ProcessInput,
    /// Other versions of the process, for `migrate_process` commands.
    #[serde(default)]
    pub processes: Vec<ProcessInput>,
    /// The deal's id (default `D-1`).
    #[serde(default = "default_deal")]
    pub deal: DealId,
    /// The commands, each with its actor, time and optional expected version.
    pub commands: Vec<Envelope>,
}

objects_only!(RunInput);

/// What became of one command.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum CommandResult {
    /// Accepted.
    Accepted {
        /// The command's name.
        command: &'static str,
        /// The events it produced, sealed into the deal's hash chain.
        events: Vec<StoredEvent>,
    },
    /// Refused; the deal is unchanged.
    Refused {
        /// The command's name.
        command: &'static str,
        /// Why.
        error: ErrorOutput,
    },
}

/// An error as JSON.
#[derive(Debug, Serialize)]
pub struct ErrorOutput {
    /// The stable code.
    pub code: &'static str,
    /// What was wrong.
    pub message: String,
}

/// Output of `ltc run`.
#[derive(Debug, Serialize)]
pub struct RunOutput {
    /// One result per command, in order.
    pub results: Vec<CommandResult>,
    /// The deal after the last command.
    #[serde(rename = "final")]
    pub deal: Deal,
}

/// `ltc run`: run commands against a deal; refused commands do not stop the run.
///
/// # Errors
/// `malformed_json`, `unknown_process`, or a process definition's validation error.
pub fn run(input: &str) -> Result<String, Failure> {
    let input: RunInput = parse(input)?;
    let mut inputs = vec![input.process];
    inputs.extend(input.processes);
    let processes = catalog(inputs)?;
    let mut deal = Deal::new(input.deal);
    let mut head = Digest::GENESIS;
    let results = input
        .commands
        .iter()
        .map(|envelope| {
            let command = envelope.command.name();
            // The deal's own version (or a migration's target); the first process opens it.
            let outcome = deal
                .process_for(&processes, &envelope.command)
                .and_then(|p| {
                    let process = p
                        .or(processes.first())
                        .ok_or(ltc_pipeline::Error::NotOpened)?;
                    envelope.execute(&mut deal, process)
                });
            match outcome {
                Ok(events) => {
                    let events = integrity::seal(head, events);
                    if let Some(last) = events.last() {
                        head = last.hash;
                    }
                    CommandResult::Accepted { command, events }
                }
                Err(e) => CommandResult::Refused {
                    command,
                    error: ErrorOutput {
                        code: e.code(),
                        message: e.to_string(),
                    },
                },
            }
        })
        .collect();
    pretty(&RunOutput { results, deal })
}

/// `ltc graph`: the process as Graphviz DOT, or Mermaid.
///
/// # Errors
/// `malformed_json`, `unknown_process`, or a process definition's validation error.
pub fn graph(input: &str, mermaid: bool) -> Result<String, Failure> {
    let process = parse::<ProcessInput>(input)?.build()?;
    Ok(if mermaid {
        process.to_mermaid()
    } else {
        process.to_dot()
    })
}

/// Input of `ltc verify`: a stored log alone (an array), or with the process versions it runs
/// under and the head the host kept for it.
#[derive(Debug)]
pub enum VerifyInput {
    /// A log of the standard process.
    Log(Vec<StoredEvent>),
    /// A log with its processes and expected head.
    Full(VerifyDocument),
}

/// The object form of `ltc verify`'s input.
#[derive(Debug, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct VerifyDocument {
    /// The process versions the log runs under (default: the standard process).
    #[serde(default = "standard_only")]
    pub processes: Vec<ProcessInput>,
    /// The head the log must end at, if the host kept one.
    #[serde(default)]
    pub head: Option<Digest>,
    /// The log.
    pub log: Vec<StoredEvent>,
}

objects_only!(VerifyDocument);

fn standard_only() -> Vec<ProcessInput> {
    vec![ProcessInput::default()]
}

impl<'de> Deserialize<'de> for VerifyInput {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LogOrDocument;
        impl<'de> serde::de::Visitor<'de> for LogOrDocument {
            type Value = VerifyInput;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a stored log (an array of events), or an object with `log`")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<VerifyInput, A::Error> {
                Vec::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(VerifyInput::Log)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<VerifyInput, A::Error> {
                VerifyDocument::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(VerifyInput::Full)
            }
        }
        deserializer.deserialize_any(LogOrDocument)
    }
}

/// `ltc verify`: checks a stored log's hash chain (and its head, when one is given), then
/// replays it. `Ok` carries `ok <head>`; `Err` carries the first event that fails and why.
///
/// # Errors
/// `malformed_json` or a definition's error for input that does not parse; `tampered`,
/// `invalid_event` or `unknown_process` for a log that does not verify.
pub fn verify(input: &str) -> Result<String, Failure> {
    let (processes, head, log) = match parse::<VerifyInput>(input)? {
        VerifyInput::Log(log) => (vec![Process::standard()], None, log),
        VerifyInput::Full(d) => (catalog(d.processes)?, d.head, d.log),
    };
    let (_, head) = integrity::audit(&processes, &log, head.as_ref())?;
    Ok(format!("ok {head}\n"))
}

/// Input of `ltc migrate --preview`.
#[derive(Debug, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct MigrateInput {
    /// The process versions the logs run under now (default: the standard process).
    #[serde(default = "standard_only")]
    pub processes: Vec<ProcessInput>,
    /// The candidate version.
    pub to: ProcessInput,
    /// One stored log per deal.
    pub deals: Vec<Vec<StoredEvent>>,
}

objects_only!(MigrateInput);

/// One row of `ltc migrate --preview`.
#[derive(Debug, Serialize)]
pub struct PreviewRow {
    /// The deal.
    pub deal: String,
    /// Its version.
    pub version: u64,
    /// Its stage, once its log replays.
    pub stage: Option<String>,
    /// The process version it runs under, once its log replays.
    pub process: Option<String>,
    /// `migrates`, `current`, `ended`, `blocked` or `log_refused`.
    pub verdict: &'static str,
    /// For a blocked deal or a refused log: the error code of the rule or event that stops it.
    pub code: Option<&'static str>,
    /// For a refused log: the version of the first event that fails.
    pub event: Option<u64>,
    /// Why, in words.
    pub reason: Option<String>,
}

/// `ltc migrate --preview`: whether each deal would move to the candidate version, and if not,
/// the first event or rule that stops it; a table, or JSON when `json` is true.
///
/// # Errors
/// `malformed_json`, or a definition's error.
pub fn migrate_preview(input: &str, json: bool) -> Result<String, Failure> {
    use ltc_pipeline::Verdict;
    let input: MigrateInput = parse(input)?;
    let processes = catalog(input.processes)?;
    let candidate = input.to.build()?;
    let rows: Vec<PreviewRow> = input
        .deals
        .iter()
        .map(|log| {
            let id = log
                .first()
                .map_or_else(|| DealId::new(""), |e| e.event.deal.clone());
            // A broken chain is reported before the log is replayed.
            if let Err(error) = integrity::verify(log) {
                let failed_at = match &error {
                    ltc_pipeline::Error::Tampered { position, .. } => Some(*position),
                    _ => None,
                };
                return PreviewRow {
                    deal: id.to_string(),
                    version: log.len() as u64,
                    stage: None,
                    process: None,
                    verdict: "log_refused",
                    code: Some(error.code()),
                    event: failed_at,
                    reason: Some(one_line(&error.to_string())),
                };
            }
            let events: Vec<_> = log.iter().map(|e| e.event.clone()).collect();
            let preview = ltc_pipeline::preview(id, &processes, &events, &candidate);
            let (verdict, mut code, mut event, mut reason) =
                (preview.verdict.code(), None, None, None);
            match &preview.verdict {
                Verdict::Blocked(error) => {
                    code = Some(error.code());
                    reason = Some(one_line(&error.to_string()));
                }
                Verdict::LogRefused { version, error } => {
                    code = Some(error.code());
                    event = Some(*version);
                    reason = Some(one_line(&error.to_string()));
                }
                Verdict::Ended(kind) => reason = Some(format!("the deal ended ({kind})")),
                Verdict::Migrates | Verdict::Current => {}
            }
            PreviewRow {
                deal: preview.deal.to_string(),
                version: preview.version,
                stage: preview.stage.map(|s| s.as_str().to_owned()),
                process: preview.process.map(|p| one_line(&p.to_string())),
                verdict,
                code,
                event,
                reason,
            }
        })
        .collect();
    if json {
        return pretty(&rows);
    }
    let mut out = String::new();
    out.push_str(&format!(
        "Migration preview to {}: {} of {} deals migrate\n",
        one_line(&candidate.reference().to_string()),
        rows.iter().filter(|r| r.verdict == "migrates").count(),
        rows.len()
    ));
    out.push_str(&format!(
        "{:<12} {:>7} {:<26} {:<16} {:<12} {}\n",
        "deal", "version", "stage", "process", "verdict", "reason"
    ));
    for r in &rows {
        let reason = match (&r.code, &r.reason) {
            (Some(code), Some(reason)) => format!("{code}: {reason}"),
            (None, Some(reason)) => reason.clone(),
            _ => "-".to_owned(),
        };
        out.push_str(&format!(
            "{:<12} {:>7} {:<26} {:<16} {:<12} {}\n",
            one_line(&r.deal),
            r.version,
            r.stage.as_deref().unwrap_or("-"),
            r.process.as_deref().unwrap_or("-"),
            r.verdict,
            reason
        ));
    }
    Ok(out)
}
