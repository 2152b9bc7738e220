//! The report as one self-contained HTML page: charts drawn here as inline SVG, styles inline,
//! no script, no font, no image and nothing else fetched.
//!
//! [`render`] is a pure function of a [`Report`]: the same report always gives the same bytes.
//! Every chart has a text alternative (an SVG `<title>` and `<desc>`, `role="img"`) and a data
//! table beside it; red, amber and green always come with their name and a shape (triangle,
//! diamond, circle), never colour alone. Every string that comes from the logs (customers, ids,
//! people, roles, reasons) goes through [`escape`], which HTML-escapes it and closes the bidi
//! embeddings and overrides it leaves open, and is set in an isolating element (`<bdi>`, or
//! between U+2068 and U+2069 where only text can go), so it never reorders the page's own words
//! and figures around it. Figures carry their values in `data-*` attributes, exactly as in the
//! report's JSON, so a test or a script can read them off the page.
//!
//! Pixel positions are computed in floating point; every number shown is the report's exact
//! decimal or count.

use crate::digest::Digest;
use crate::elapsed::{Durations, Elapsed};
use crate::figures::{Funnel, GateFigures, SizeFigures};
use crate::happening::{Happening, What};
use crate::report::Report;
use crate::service::{DealLight, Due, DueKind, Light, Subject};
use crate::stages::StageDays;
use crate::text;
use chrono::{DateTime, Utc};
use ltc_pipeline::Money;
use rust_decimal::Decimal;
use std::fmt::Write as _;

/// The report as a complete HTML document.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use ltc_analytics::{html, Filter, Report, Settings, Snapshot};
/// use ltc_pipeline::{Command, Deal, DealId, Process};
/// let process = Process::standard();
/// let mut deal = Deal::new(DealId::new("D-1"));
/// let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
/// let capture = Command::CaptureLead {
///     customer: "Smith & <Sons>".into(), source: "web".into(), estimate: None };
/// let logs = vec![deal.execute(&process, &capture, &"ops".into(), t0)?];
/// let snapshot = Snapshot::new(&logs, &process, t0 + chrono::Duration::days(9))?;
/// let report = Report::new(&snapshot, "standard", &Settings::default(), &Filter::default())?;
/// let page = html::render(&report);
/// assert!(page.starts_with("<!DOCTYPE html>"));
/// assert!(page.contains("Smith &amp; &lt;Sons&gt;"));
/// assert!(!page.contains("<Sons>"));
/// assert!(!page.contains("http://") && !page.contains("https://") && !page.contains("<script"));
/// # Ok::<(), ltc_analytics::Error>(())
/// ```
pub fn render(report: &Report) -> String {
    let mut page = Page::default();
    page.head(report);
    page.header(report);
    page.out.push_str("<main>\n");
    page.summary(report);
    page.funnel(&report.funnel);
    page.won_sizes(&report.funnel.won_sizes);
    page.stages(&report.stages);
    page.gates(&report.gates);
    page.flagged(&report.flagged, &report.due);
    page.due(&report.due);
    page.digests(&report.digests, report.now);
    page.out.push_str("</main>\n");
    let _ = writeln!(
        page.out,
        "<footer><p>Figures as of {}, over {} deals. Drawn by <code>ltc report --html</code>; \
         every figure is defined in the analytics documentation.</p></footer>\n</body>\n</html>",
        when(report.now),
        report.funnel.deals
    );
    page.out
}

/// HTML-escapes `text` for element content and attribute values, with its bidi embeddings,
/// overrides and isolates balanced ([`text::balanced`]): whatever the text opens is closed at its
/// end, so it cannot reverse what follows it. The page writes every string from the logs through
/// this function, and sets it in an isolating element besides (`<bdi>`, or between U+2068 and
/// U+2069 in an SVG `<title>`).
///
/// ```
/// assert_eq!(ltc_analytics::html::escape(r#"<a href="x">Tom & Jerry's</a>"#),
///            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
/// // A right-to-left override left open is closed.
/// assert_eq!(ltc_analytics::html::escape("\u{202E}evil"), "\u{202E}evil\u{202C}");
/// ```
pub fn escape(text: &str) -> String {
    let text = text::balanced(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// User text for element content: [`escape`]d, in a `<bdi>` (an isolate, of its own direction),
/// so that neither its letters nor its controls reorder the page's text around it.
fn user(text: &str) -> String {
    format!("<bdi>{}</bdi>", escape(text))
}

/// Above this many characters, an id in a column kept on one line may wrap.
const LONG_ID: usize = 40;

/// An id for a column kept on one line (`td.id`): [`user`], marked `long` (so it may wrap) when
/// it has more than [`LONG_ID`] characters.
fn user_id(text: &str) -> String {
    if text.chars().count() > LONG_ID {
        format!("<bdi class=\"long\">{}</bdi>", escape(text))
    } else {
        user(text)
    }
}

/// User text where only text can go (an SVG `<title>`): [`escape`]d, between FIRST STRONG
/// ISOLATE (U+2068) and POP DIRECTIONAL ISOLATE (U+2069).
fn user_plain(text: &str) -> String {
    format!("\u{2068}{}\u{2069}", escape(text))
}

/// Above this many deals in a stage, days in stage is drawn as a box plot rather than one mark
/// per deal.
const STRIP_MAX: usize = 400;

/// The width of every chart's coordinate system; the charts scale to the page.
const WIDTH: f64 = 860.0;

const STYLE: &str = r#"
:root { --ink: #1d2330; --muted: #5b6475; --line: #d9dde5; --paper: #ffffff; --band: #f4f6f9;
  --bar: #3b6ea8; --won: #2e7d4f; --green: #2e7d4f; --amber: #b36b00; --red: #c0392b; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: var(--band);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header, main, footer { max-width: 1100px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 24px; }
h1 { font-size: 1.7rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 0 0 12px; }
h3 { font-size: 1.05rem; margin: 16px 0 6px; }
p { margin: 4px 0; }
.muted { color: var(--muted); }
section { background: var(--paper); border: 1px solid var(--line); border-radius: 8px;
  padding: 18px 20px; margin: 16px 0; }
nav ul { list-style: none; padding: 0; margin: 10px 0 0; display: flex; flex-wrap: wrap; gap: 6px 14px; }
nav a { color: var(--bar); }
dl.filters { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0 0; }
dl.filters dt { color: var(--muted); }
dl.filters dd { margin: 0; min-width: 0; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; background: var(--band); }
.tile .value { font-size: 1.5rem; font-weight: 650; display: block; }
.tile .what { color: var(--muted); font-size: .85rem; }
figure { margin: 0 0 12px; }
figcaption { color: var(--muted); font-size: .9rem; margin-top: 4px; }
svg { width: 100%; height: auto; display: block; font-family: inherit; }
svg text { fill: var(--ink); font-size: 13px; }
svg .small { font-size: 11px; fill: var(--muted); }
svg .bar { fill: var(--bar); }
svg .bar.won { fill: var(--won); }
svg .track { fill: var(--band); }
svg .axis { stroke: var(--line); }
svg .sl { stroke: var(--ink); stroke-dasharray: 4 3; stroke-width: 1.5; }
svg .median { stroke: var(--bar); stroke-width: 3.5; stroke-linecap: round; }
svg .pt { stroke: #fff; stroke-width: .8; }
svg .iqr { fill: var(--bar); fill-opacity: .35; stroke: var(--bar); }
svg .whisker { stroke: var(--bar); stroke-width: 1.5; }
.pt.green, .mark.green { fill: var(--green); }
.pt.amber, .mark.amber { fill: var(--amber); }
.pt.red, .mark.red { fill: var(--red); }
.scroll, .chart { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); }
td.id { white-space: nowrap; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.n { white-space: nowrap; }
#gates-table th, #gates-table td { padding-left: 5px; padding-right: 5px; }
bdi { overflow-wrap: anywhere; }
bdi.long { white-space: normal; }
.light { display: inline-block; font-weight: 650; font-size: .85rem; padding: 1px 8px; border-radius: 10px;
  border: 1.5px solid currentColor; white-space: nowrap; }
.light.red { color: var(--red); } .light.amber { color: var(--amber); } .light.green { color: var(--green); }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: .88rem; color: var(--muted); margin: 0 0 6px; }
.legend svg { display: inline; width: 12px; height: 12px; vertical-align: -1px; }
ul.items { margin: 4px 0; padding-left: 20px; }
.digests { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 12px; }
.digests > *, .tiles > * { min-width: 0; }
article.digest { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; background: var(--band); }
article.digest h3 { margin-top: 0; }
article.digest h4 { font-size: .9rem; margin: 8px 0 2px; color: var(--muted); }
footer { color: var(--muted); font-size: .85rem; padding-bottom: 24px; }
@media (max-width: 640px) {
  body { font-size: 14px; }
  header, main, footer { padding: 0 10px; }
  section { padding: 12px; border-radius: 6px; }
  .digests { grid-template-columns: 1fr; }
  th, td { padding: 4px 5px; }
  .chart svg { min-width: 640px; }
}
@media print {
  body { background: #fff; font-size: 10.5pt; }
  nav { display: none; }
  header, main, footer { max-width: none; padding: 0; }
  section { border: none; border-top: 1.5px solid #000; border-radius: 0; padding: 8px 0; margin: 10px 0;
    break-inside: auto; }
  figure, tr, article.digest, .tile { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  .scroll, .chart { overflow: visible; }
  table { font-size: 8.5pt; }
  th, td { padding: 3px 4px; }
  td.n { white-space: normal; }
  .tile, article.digest { background: #fff; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// The page being written.
#[derive(Default)]
struct Page {
    out: String,
}

fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn date(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

/// `awaiting_approval` as `Awaiting approval`.
fn label(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// A ratio as a percentage with two places (`93.75%`), or an en dash.
fn percent(ratio: Option<Decimal>) -> String {
    ratio
        .and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED))
        .map_or_else(|| "–".to_owned(), |p| format!("{:.2}%", p.round_dp(2)))
}

/// A ratio as it is written in the JSON (`0.9375`), or empty.
fn ratio_attr(ratio: Option<Decimal>) -> String {
    ratio.map(|r| r.to_string()).unwrap_or_default()
}

/// An amount with its integer digits grouped by commas: `1234567.50` as `1,234,567.50`.
fn amount(value: Decimal) -> String {
    let text = value.to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

fn days(e: &Elapsed) -> String {
    e.days.to_string()
}

fn durations(d: Option<&Durations>) -> (String, String, String) {
    d.map_or_else(
        || ("–".to_owned(), "–".to_owned(), "–".to_owned()),
        |d| (days(&d.mean), days(&d.median), days(&d.max)),
    )
}

/// The shape that stands beside the colour of a light, as an SVG element centred on `(x, y)`.
fn mark(light: Light, x: f64, y: f64, class: &str) -> String {
    let name = light.as_str();
    match light {
        Light::Green => {
            format!(r#"<circle class="{class} {name}" cx="{x:.1}" cy="{y:.1}" r="4.5""#)
        }
        Light::Amber => format!(
            r#"<rect class="{class} {name}" x="{:.1}" y="{:.1}" width="8" height="8" transform="rotate(45 {x:.1} {y:.1})""#,
            x - 4.0,
            y - 4.0
        ),
        Light::Red => format!(
            r#"<polygon class="{class} {name}" points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}""#,
            x,
            y - 5.5,
            x + 5.0,
            y + 4.0,
            x - 5.0,
            y + 4.0
        ),
    }
}

/// A light as a badge: its shape, then its name.
fn badge(light: Light) -> String {
    let name = light.as_str();
    let glyph = match light {
        Light::Green => "●",
        Light::Amber => "◆",
        Light::Red => "▲",
    };
    format!(
        r#"<span class="light {name}" data-light="{name}"><span aria-hidden="true">{glyph}</span> {}</span>"#,
        label(name)
    )
}

fn legend() -> String {
    let mut out = String::from(r#"<p class="legend">"#);
    for (light, what) in [
        (Light::Green, "within the service level"),
        (Light::Amber, "past the amber share of it"),
        (Light::Red, "past it"),
    ] {
        let _ = write!(
            out,
            r#"<span><svg viewBox="0 0 12 12" aria-hidden="true">{}/></svg> {}: {what}</span>"#,
            mark(light, 6.0, 6.5, "mark"),
            label(light.as_str())
        );
    }
    out.push_str(
        r#"<span><svg viewBox="0 0 12 12" aria-hidden="true"><line class="median" x1="6" x2="6" y1="0" y2="12"/></svg> median</span><span><svg viewBox="0 0 12 12" aria-hidden="true"><line class="sl" x1="6" x2="6" y1="0" y2="12"/></svg> service level</span></p>"#,
    );
    out
}

fn who(people: &[ltc_pipeline::PersonId]) -> String {
    if people.is_empty() {
        return "nobody".to_owned();
    }
    people
        .iter()
        .map(|p| user(p.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An amount of money as the tiles write amounts: `12,500.00 EUR`.
fn money(m: &Money) -> String {
    format!("{} {}", amount(m.amount), escape(m.currency.as_str()))
}

/// What happened, in the words of its `Display`, each piece of user text isolated and amounts
/// grouped as in the tiles.
fn what(w: &What) -> String {
    match w {
        What::LeadCaptured { customer, source } => {
            format!("lead captured: {} ({})", user(customer), user(source))
        }
        What::MemberJoined { person, role } => {
            format!(
                "{} joined as {}",
                user(person.as_str()),
                user(role.as_str())
            )
        }
        What::MemberLeft { person, role } => {
            format!("{} left {}", user(person.as_str()), user(role.as_str()))
        }
        What::ContractSigned { value } => format!("contract signed: {}", money(value)),
        What::InvoiceIssued { invoice, amount } => {
            format!("invoice {} sent: {}", user(invoice.as_str()), money(amount))
        }
        What::CashCollected {
            payment, amount, ..
        } => format!(
            "cash collected: {} ({})",
            money(amount),
            user(payment.as_str())
        ),
        What::CashRefunded { payment, amount } => {
            format!(
                "refund paid: {} ({})",
                money(amount),
                user(payment.as_str())
            )
        }
        What::Ended { kind, reason } => format!("ended {kind}: {}", user(reason)),
        // No user text: gates and outcomes are the engine's words.
        What::GateConvened { .. } | What::GateDecided { .. } => escape(&w.to_string()),
    }
}

/// What is due, in the words of its `Display`, each piece of user text isolated and amounts
/// grouped as in the tiles.
fn due_kind(kind: &DueKind) -> String {
    match kind {
        DueKind::ConditionOverdue { condition, gate } => format!(
            "condition {} of {gate} past its due date",
            user(condition.as_str())
        ),
        DueKind::InvoiceOverdue {
            invoice,
            outstanding,
        } => format!(
            "invoice {} unpaid past its due date: {} outstanding",
            user(invoice.as_str()),
            money(outstanding)
        ),
        DueKind::RecommendationOwed { person, role } => format!(
            "{} left {} without a closure recommendation",
            user(person.as_str()),
            user(role.as_str())
        ),
        // No user text: gates, days and ages only.
        DueKind::GateOverdue { .. }
        | DueKind::ClosureReminder { .. }
        | DueKind::ForcedClosure { .. } => escape(&kind.to_string()),
    }
}

impl Page {
    fn head(&mut self, r: &Report) {
        let _ = write!(
            self.out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"generator\" content=\"ltc report --html\">\n\
             <title>Pipeline report, {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
            when(r.now)
        );
    }

    fn header(&mut self, r: &Report) {
        let f = &r.filter;
        let any = "any";
        let from = f.from.map_or_else(|| any.to_owned(), when);
        let until = f.until.map_or_else(|| any.to_owned(), when);
        let person = f
            .person
            .as_ref()
            .map_or_else(|| any.to_owned(), |p| user(p.as_str()));
        let role = f
            .role
            .as_ref()
            .map_or_else(|| any.to_owned(), |p| user(p.as_str()));
        let owners = r
            .settings
            .owner_roles
            .iter()
            .map(|o| user(o.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let share = percent(Some(r.settings.amber_share));
        let _ = write!(
            self.out,
            r##"<header>
<h1>Pipeline report</h1>
<p id="as-of" data-now="{now_attr}">As of <time datetime="{now_attr}">{now}</time> · {process} process · <span data-deals="{deals}">{deals} deals</span> selected</p>
<section id="filters" aria-labelledby="filters-h">
<h2 id="filters-h">Filters applied</h2>
<dl class="filters">
<dt>Lead captured from</dt><dd data-filter="from">{from}</dd>
<dt>Lead captured before</dt><dd data-filter="until">{until}</dd>
<dt>Person on the team</dt><dd data-filter="person">{person}</dd>
<dt>Role staffed</dt><dd data-filter="role">{role}</dd>
<dt>Amber from</dt><dd data-setting="amber_share" data-value="{share_attr}">{share} of a service level</dd>
<dt>Owner roles</dt><dd data-setting="owner_roles">{owners}</dd>
</dl>
<nav aria-label="Contents"><ul>
<li><a href="#funnel-h">Funnel</a></li><li><a href="#sizes-h">Won deal size</a></li>
<li><a href="#stages-h">Days in stage</a></li><li><a href="#gates-h">Gates</a></li>
<li><a href="#flagged-h">Red and amber deals</a></li><li><a href="#due-h">What is due</a></li>
<li><a href="#digests-h">Daily digests</a></li></ul></nav>
</section>
</header>
"##,
            now_attr = r.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            now = when(r.now),
            process = user(&r.process),
            deals = r.funnel.deals,
            share_attr = r.settings.amber_share,
        );
    }

    fn summary(&mut self, r: &Report) {
        let f = &r.funnel;
        let open = f.deals.saturating_sub(f.ended);
        let red = r.flagged.iter().filter(|l| l.light == Light::Red).count();
        let amber = r.flagged.len() - red;
        let _ = write!(
            self.out,
            r#"<section id="summary" aria-label="Summary"><div class="tiles">
<div class="tile" data-kpi="deals"><span class="value">{}</span><span class="what">deals selected, {open} open</span></div>
<div class="tile" data-kpi="win_rate" data-value="{}"><span class="value">{}</span><span class="what">win rate: {} won of {} ended</span></div>
<div class="tile" data-kpi="red" data-value="{red}"><span class="value">{red}</span><span class="what">{} open deals</span></div>
<div class="tile" data-kpi="amber" data-value="{amber}"><span class="value">{amber}</span><span class="what">{} open deals</span></div>
<div class="tile" data-kpi="due" data-value="{}"><span class="value">{}</span><span class="what">things due</span></div>
</div></section>
"#,
            f.deals,
            ratio_attr(f.win_rate),
            percent(f.win_rate),
            f.won,
            f.ended,
            badge(Light::Red),
            badge(Light::Amber),
            r.due.len(),
            r.due.len(),
        );
    }

    fn funnel(&mut self, f: &Funnel) {
        const ROW: f64 = 30.0;
        const LEFT: f64 = 200.0;
        const BAR: f64 = 480.0;
        let height = ROW * f.rows.len() as f64 + 10.0;
        let max = f.rows.iter().map(|r| r.reached).max().unwrap_or(0).max(1);
        let first = f.rows.first().map_or(0, |r| r.reached);
        let won_row = f.rows.last().map_or(0, |r| r.reached);
        let _ = write!(
            self.out,
            r#"<section aria-labelledby="funnel-h"><h2 id="funnel-h">Funnel</h2>
<figure id="funnel" data-deals="{}" data-won="{}" data-ended="{}" data-win-rate="{}">
<div class="chart"><svg viewBox="0 0 {WIDTH} {height:.0}" role="img" aria-labelledby="funnel-title funnel-desc">
<title id="funnel-title">Funnel: deals reaching each stage</title>
<desc id="funnel-desc">{first} deals captured, {won_row} won; win rate {} ({} won of {} ended). The table below gives every stage.</desc>
"#,
            f.deals,
            f.won,
            f.ended,
            ratio_attr(f.win_rate),
            percent(f.win_rate),
            f.won,
            f.ended,
        );
        for (i, row) in f.rows.iter().enumerate() {
            let y = ROW * i as f64 + 4.0;
            let w = BAR * f64::from(row.reached) / f64::from(max);
            let stage = row.stage.as_str();
            let won = if row.stage.is_end() { " won" } else { "" };
            let conversion = match row.conversion {
                Some(_) => format!("{} to next", percent(row.conversion)),
                None => String::new(),
            };
            let _ = write!(
                self.out,
                r#"<g class="row" data-stage="{stage}" data-reached="{}" data-conversion="{}">
<text x="{:.0}" y="{:.1}" text-anchor="end">{}</text>
<rect class="track" x="{LEFT}" y="{y:.1}" width="{BAR}" height="20" rx="3"/>
<rect class="bar{won}" x="{LEFT}" y="{y:.1}" width="{w:.1}" height="20" rx="3"/>
<text class="reached" x="{:.1}" y="{:.1}">{}</text>
<text class="conversion small" x="{right}" y="{:.1}" text-anchor="end">{conversion}</text>
</g>
"#,
                row.reached,
                ratio_attr(row.conversion),
                LEFT - 8.0,
                y + 15.0,
                label(stage),
                LEFT + w + 6.0,
                y + 15.0,
                row.reached,
                y + 15.0 + ROW / 2.0,
                right = WIDTH - 8.0,
            );
        }
        let _ = write!(
            self.out,
            r#"</svg></div>
<figcaption>Each bar is the number of deals that reached the stage (a deal that went further counts in every stage before); beside it, the share that went on to the next stage. <strong id="win-rate">Win rate {}</strong>: {} won of {} ended.</figcaption>
</figure>
<div class="scroll"><table id="funnel-table"><caption class="muted">Funnel as a table</caption>
<thead><tr><th>Stage</th><th class="n">Reached</th><th class="n">Open here now</th><th class="n">Ended here</th><th class="n">To next</th></tr></thead><tbody>
"#,
            percent(f.win_rate),
            f.won,
            f.ended,
        );
        for row in &f.rows {
            let _ = writeln!(
                self.out,
                r#"<tr data-stage="{}"><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
                row.stage.as_str(),
                label(row.stage.as_str()),
                row.reached,
                row.open,
                row.ended,
                percent(row.conversion)
            );
        }
        self.out.push_str("</tbody></table></div></section>\n");
    }

    fn won_sizes(&mut self, sizes: &[SizeFigures]) {
        self.out.push_str(
            r#"<section aria-labelledby="sizes-h"><h2 id="sizes-h">Won deal size</h2>
<p class="muted">Contract value after amendments, per currency (never added across currencies).</p>
"#,
        );
        if sizes.is_empty() {
            self.out
                .push_str("<p id=\"won-sizes\">No deal won yet.</p></section>\n");
            return;
        }
        self.out.push_str(r#"<div class="tiles" id="won-sizes">"#);
        for s in sizes {
            let _ = write!(
                self.out,
                r#"<div class="tile" data-currency="{c}" data-deals="{}" data-total="{}" data-average="{}" data-median="{}"><span class="value">{} {c}</span><span class="what">{} won deals; average {}, median {}</span></div>"#,
                s.deals,
                s.total,
                s.average,
                s.median,
                amount(s.total),
                s.deals,
                amount(s.average),
                amount(s.median),
                c = escape(s.currency.as_str()),
            );
        }
        self.out.push_str(
            r#"</div>
<div class="scroll"><table id="sizes-table"><caption class="muted">Won deal size as a table</caption>
<thead><tr><th>Currency</th><th class="n">Won deals</th><th class="n">Total</th><th class="n">Average</th><th class="n">Median</th></tr></thead><tbody>
"#,
        );
        for s in sizes {
            let _ = writeln!(
                self.out,
                r#"<tr data-currency="{}"><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
                escape(s.currency.as_str()),
                escape(s.currency.as_str()),
                s.deals,
                amount(s.total),
                amount(s.average),
                amount(s.median)
            );
        }
        self.out.push_str("</tbody></table></div></section>\n");
    }

    fn stages(&mut self, stages: &[StageDays]) {
        const ROW: f64 = 34.0;
        const LEFT: f64 = 200.0;
        const PLOT: f64 = 400.0;
        const TOP: f64 = 26.0;
        // A logarithmic scale (of 1 + days), so that a few long stays do not squash the rest.
        let longest = stages
            .iter()
            .flat_map(|s| {
                s.points
                    .iter()
                    .map(|p| p.elapsed.seconds)
                    .chain(s.service_levels.iter().map(|d| i64::from(*d) * 86_400))
            })
            .max()
            .unwrap_or(0)
            .max(86_400);
        let max_days = longest as f64 / 86_400.0;
        let x = |d: f64| LEFT + PLOT * d.max(0.0).ln_1p() / max_days.ln_1p();
        let height = TOP + ROW * stages.len() as f64 + 8.0;
        let total: usize = stages.iter().map(|s| s.points.len()).sum();
        let over: u32 = stages.iter().map(|s| s.over).sum();
        let _ = write!(
            self.out,
            r#"<section aria-labelledby="stages-h"><h2 id="stages-h">Days in stage</h2>
{}
<figure id="stages">
<div class="chart"><svg viewBox="0 0 {WIDTH} {height:.0}" role="img" aria-labelledby="stages-title stages-desc">
<title id="stages-title">Days in stage per deal, against each stage's service level</title>
<desc id="stages-desc">One mark per deal and stage ({total} in all, {over} past their service level), on a logarithmic scale of days; a dashed line marks each stage's service level and a bar its median; above {STRIP_MAX} deals in a stage, a box spans its quartiles. The table below gives every stage.</desc>
"#,
            legend()
        );
        for t in [
            0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0,
        ] {
            if t > max_days {
                break;
            }
            let _ = write!(
                self.out,
                r#"<line class="axis" x1="{0:.1}" x2="{0:.1}" y1="{1:.0}" y2="{2:.0}"/><text class="small" x="{0:.1}" y="16" text-anchor="middle">{t}</text>"#,
                x(t),
                TOP - 4.0,
                height - 6.0,
            );
        }
        let _ = write!(
            self.out,
            r#"<text class="small" x="{:.0}" y="16" text-anchor="end">days</text>"#,
            LEFT - 8.0
        );
        for (i, row) in stages.iter().enumerate() {
            let y = TOP + ROW * i as f64;
            let mid = y + ROW / 2.0;
            let stage = row.stage.as_str();
            let (_, median, _) = durations(row.days.as_ref());
            let count = row.days.map_or(0, |d| d.count);
            let sl = row
                .service_levels
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let _ = write!(
                self.out,
                r#"<g class="row" data-stage="{stage}" data-count="{count}" data-median="{}" data-service-levels="{sl}" data-over="{}" data-near="{}">
<text x="{:.0}" y="{:.1}" text-anchor="end">{}</text>
<line class="axis" x1="{LEFT}" x2="{:.0}" y1="{mid:.1}" y2="{mid:.1}"/>
"#,
                row.days
                    .map(|d| d.median.days.to_string())
                    .unwrap_or_default(),
                row.over,
                row.near,
                LEFT - 8.0,
                mid + 4.0,
                label(stage),
                LEFT + PLOT,
            );
            for d in &row.service_levels {
                let sx = x(f64::from(*d));
                let _ = write!(
                    self.out,
                    r#"<line class="sl" x1="{sx:.1}" x2="{sx:.1}" y1="{:.1}" y2="{:.1}"><title>service level: {d} days</title></line>"#,
                    y + 3.0,
                    y + ROW - 3.0
                );
            }
            if row.points.len() > STRIP_MAX {
                // Too many deals for one mark each: a box from the first to the third quartile,
                // whiskers to the shortest and the longest.
                let mut seconds: Vec<i64> = row.points.iter().map(|p| p.elapsed.seconds).collect();
                seconds.sort_unstable();
                let rank = |q: usize| {
                    let n = seconds.len();
                    let k = (q * n).div_ceil(4).clamp(1, n);
                    seconds.get(k - 1).copied().unwrap_or(0)
                };
                let at = |s: i64| x(s as f64 / 86_400.0);
                let (lo, q1, q3, hi) = (
                    at(seconds.first().copied().unwrap_or(0)),
                    at(rank(1)),
                    at(rank(3)),
                    at(seconds.last().copied().unwrap_or(0)),
                );
                let _ = write!(
                    self.out,
                    r#"<g class="box" data-q1="{}" data-q3="{}"><title>{} deals: quartiles {} and {} days</title><line class="whisker" x1="{lo:.1}" x2="{hi:.1}" y1="{mid:.1}" y2="{mid:.1}"/><rect class="iqr" x="{q1:.1}" y="{:.1}" width="{:.1}" height="14"/></g>"#,
                    Elapsed::from_seconds(rank(1)).days,
                    Elapsed::from_seconds(rank(3)).days,
                    row.points.len(),
                    Elapsed::from_seconds(rank(1)).days,
                    Elapsed::from_seconds(rank(3)).days,
                    mid - 7.0,
                    (q3 - q1).max(1.0),
                );
            }
            for (k, p) in row
                .points
                .iter()
                .enumerate()
                .filter(|_| row.points.len() <= STRIP_MAX)
            {
                let px = x(p.elapsed.seconds as f64 / 86_400.0);
                // A fixed vertical spread, so that equal values stay visible.
                let py = mid + ((k % 5) as f64 - 2.0) * 3.0;
                let _ = write!(
                    self.out,
                    r#"{} data-deal="{}" data-days="{}"><title>{}: {} days ({})</title></{}>"#,
                    mark(p.light, px, py, "pt"),
                    escape(p.deal.as_str()),
                    p.elapsed.days,
                    user_plain(p.deal.as_str()),
                    p.elapsed.days,
                    p.light.as_str(),
                    match p.light {
                        Light::Green => "circle",
                        Light::Amber => "rect",
                        Light::Red => "polygon",
                    }
                );
            }
            if let Some(d) = &row.days {
                let mx = x(d.median.seconds as f64 / 86_400.0);
                let _ = write!(
                    self.out,
                    r#"<line class="median" x1="{mx:.1}" x2="{mx:.1}" y1="{:.1}" y2="{:.1}"><title>median: {} days</title></line>"#,
                    mid - 10.0,
                    mid + 10.0,
                    d.median.days
                );
            }
            let sl_text = if sl.is_empty() {
                "no SL".to_owned()
            } else {
                format!("SL {sl} d")
            };
            let _ = write!(
                self.out,
                r#"<text class="summary small" x="{right}" y="{:.1}" text-anchor="end">n {count} · median {median} · {sl_text} · {} over</text>
</g>
"#,
                mid + 4.0,
                row.over,
                right = WIDTH - 8.0,
            );
        }
        let _ = write!(
            self.out,
            r#"</svg></div>
<figcaption>Each mark is one deal's time in a stage (all its visits; a deal still in the stage counts up to the report's instant); a stage with more than {STRIP_MAX} deals shows a box from the first to the third quartile (nearest rank) with whiskers to the shortest and the longest instead. Its shape and colour say how it reads against the stage's service level in the process version the deal runs under.</figcaption>
</figure>
<div class="scroll"><table id="stages-table"><caption class="muted">Days in stage as a table</caption>
<thead><tr><th>Stage</th><th class="n">Deals</th><th class="n">Median</th><th class="n">Mean</th><th class="n">Max</th><th class="n">Service level (days)</th><th class="n">Amber</th><th class="n">Red: past it</th></tr></thead><tbody>
"#,
        );
        for row in stages {
            let (mean, median, max) = durations(row.days.as_ref());
            let sl = if row.service_levels.is_empty() {
                "none".to_owned()
            } else {
                row.service_levels
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(
                self.out,
                r#"<tr data-stage="{}"><td>{}</td><td class="n">{}</td><td class="n">{median}</td><td class="n">{mean}</td><td class="n">{max}</td><td class="n">{sl}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
                row.stage.as_str(),
                label(row.stage.as_str()),
                row.days.map_or(0, |d| d.count),
                row.near,
                row.over
            );
        }
        self.out.push_str("</tbody></table></div></section>\n");
    }

    fn gates(&mut self, gates: &[GateFigures]) {
        const ROW: f64 = 30.0;
        const LEFT: f64 = 200.0;
        const BAR: f64 = 380.0;
        let height = ROW * gates.len() as f64 + 8.0;
        let _ = write!(
            self.out,
            r#"<section aria-labelledby="gates-h"><h2 id="gates-h">Gates</h2>
<figure id="gates">
<div class="chart"><svg viewBox="0 0 {WIDTH} {height:.0}" role="img" aria-labelledby="gates-title gates-desc">
<title id="gates-title">First-attempt pass rate of each gate</title>
<desc id="gates-desc">{}. The table below gives every figure.</desc>
"#,
            gates
                .iter()
                .map(|g| format!(
                    "{}: {}",
                    label(g.gate.as_str()),
                    percent(g.first_attempt_pass_rate)
                ))
                .collect::<Vec<_>>()
                .join("; ")
        );
        for (i, g) in gates.iter().enumerate() {
            let y = ROW * i as f64 + 4.0;
            let share = g
                .first_attempt_pass_rate
                .and_then(|r| r.to_string().parse::<f64>().ok())
                .unwrap_or(0.0);
            let w = BAR * share;
            let _ = write!(
                self.out,
                r#"<g class="row" data-gate="{}" data-pass-rate="{}" data-decided="{}" data-passed="{}">
<text x="{:.0}" y="{:.1}" text-anchor="end">{}</text>
<rect class="track" x="{LEFT}" y="{y:.1}" width="{BAR}" height="20" rx="3"/>
<rect class="bar" x="{LEFT}" y="{y:.1}" width="{w:.1}" height="20" rx="3"/>
<text class="rate" x="{:.0}" y="{:.1}">{} <tspan class="small">({} of {} first attempts)</tspan></text>
</g>
"#,
                g.gate.as_str(),
                ratio_attr(g.first_attempt_pass_rate),
                g.first_attempts_decided,
                g.first_attempts_passed,
                LEFT - 8.0,
                y + 15.0,
                label(g.gate.as_str()),
                LEFT + BAR + 8.0,
                y + 15.0,
                percent(g.first_attempt_pass_rate),
                g.first_attempts_passed,
                g.first_attempts_decided,
            );
        }
        self.out.push_str(
            r#"</svg></div>
<figcaption>The share of deals whose first meeting of the gate was decided as a pass (approved, with or without conditions), of those whose first meeting was decided.</figcaption>
</figure>
<div class="scroll"><table id="gates-table"><caption class="muted">Gate table</caption>
<thead><tr><th>Gate</th><th class="n">Convened</th><th class="n">Approved</th><th class="n">With conditions</th><th class="n">Rework</th><th class="n">Rejected</th><th class="n">Withdrawn</th><th class="n">Open</th><th class="n">First attempts passed</th><th class="n">First-attempt pass rate</th><th class="n">Days to decide: mean / median / max</th></tr></thead><tbody>
"#,
        );
        for g in gates {
            let o = &g.outcomes;
            let (mean, median, max) = durations(g.decision_time.as_ref());
            let _ = writeln!(
                self.out,
                r#"<tr data-gate="{}" data-decision-median="{}"><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{} of {}</td><td class="n">{}</td><td class="n">{mean} / {median} / {max}</td></tr>"#,
                g.gate.as_str(),
                g.decision_time
                    .map(|d| d.median.days.to_string())
                    .unwrap_or_default(),
                label(g.gate.as_str()),
                g.convened,
                o.approved,
                o.approved_with_conditions,
                o.rework,
                o.rejected,
                g.withdrawn,
                g.open,
                g.first_attempts_passed,
                g.first_attempts_decided,
                percent(g.first_attempt_pass_rate),
            );
        }
        self.out.push_str("</tbody></table></div></section>\n");
    }

    fn flagged(&mut self, flagged: &[DealLight], due: &[Due]) {
        let _ = write!(
            self.out,
            r#"<section aria-labelledby="flagged-h"><h2 id="flagged-h">Red and amber deals</h2>
<p class="muted">Open deals past the amber share of a service level, worst first: {} red, {} amber.</p>
"#,
            flagged.iter().filter(|l| l.light == Light::Red).count(),
            flagged.iter().filter(|l| l.light == Light::Amber).count(),
        );
        if flagged.is_empty() {
            self.out
                .push_str("<p id=\"flagged\">Every open deal is green.</p></section>\n");
            return;
        }
        self.out.push_str(
            r#"<div class="scroll"><table id="flagged"><thead><tr><th>Light</th><th>Deal</th><th>Customer</th><th>Stage</th><th class="n">Age (days)</th><th>In stage</th><th>Open gate</th><th>What is due</th></tr></thead><tbody>
"#,
        );
        for l in flagged {
            let mut stage = "–".to_owned();
            let mut gate = "–".to_owned();
            for r in &l.readings {
                let of = r
                    .service_level_days
                    .map_or_else(|| " days".to_owned(), |sl| format!(" of {sl} days"));
                let text = format!("{}{of} {}", r.elapsed.days, badge(r.light));
                match r.subject {
                    Subject::Stage(_) => stage = text,
                    Subject::Gate(g) => gate = format!("{}: {text}", label(g.as_str())),
                }
            }
            let items: Vec<String> = due
                .iter()
                .filter(|d| d.deal == l.deal)
                .map(|d| {
                    format!(
                        "<li>since {}: {} (for {})</li>",
                        date(d.since),
                        due_kind(&d.kind),
                        who(&d.who)
                    )
                })
                .collect();
            let items = if items.is_empty() {
                "nothing".to_owned()
            } else {
                format!("<ul class=\"items\">{}</ul>", items.concat())
            };
            let _ = writeln!(
                self.out,
                r#"<tr data-deal="{deal}" data-light="{}" data-age="{}" data-due="{}"><td>{}</td><td class="id">{deal_text}</td><td class="name">{}</td><td>{}</td><td class="n">{}</td><td>{stage}</td><td>{gate}</td><td>{items}</td></tr>"#,
                l.light.as_str(),
                l.age.days,
                due.iter().filter(|d| d.deal == l.deal).count(),
                badge(l.light),
                user(&l.customer),
                label(l.stage.as_str()),
                l.age.days,
                deal = escape(l.deal.as_str()),
                deal_text = user_id(l.deal.as_str()),
            );
        }
        self.out.push_str("</tbody></table></div></section>\n");
    }

    fn due(&mut self, due: &[Due]) {
        let _ = write!(
            self.out,
            r#"<section aria-labelledby="due-h"><h2 id="due-h">What is due</h2>
<p class="muted">{} things due on the selected deals, oldest first.</p>
"#,
            due.len()
        );
        if due.is_empty() {
            self.out.push_str("</section>\n");
            return;
        }
        self.out.push_str(
            r#"<div class="scroll"><table id="due"><thead><tr><th>Since</th><th>Deal</th><th>What</th><th>Who</th></tr></thead><tbody>
"#,
        );
        for d in due {
            let _ = writeln!(
                self.out,
                r#"<tr data-deal="{deal}" data-kind="{}"><td class="id">{}</td><td class="id">{deal_text}</td><td>{}</td><td>{}</td></tr>"#,
                d.kind.name(),
                date(d.since),
                due_kind(&d.kind),
                who(&d.who),
                deal = escape(d.deal.as_str()),
                deal_text = user_id(d.deal.as_str()),
            );
        }
        self.out.push_str("</tbody></table></div></section>\n");
    }

    fn digests(&mut self, digests: &[Digest], now: DateTime<Utc>) {
        let day = now.date_naive();
        let _ = write!(
            self.out,
            r#"<section aria-labelledby="digests-h"><h2 id="digests-h">Daily digests</h2>
<p class="muted">For each person on the selected deals, the day {day} (UTC): what happened on their deals, their amber and red deals, what is due from them.</p>
<div class="digests">
"#
        );
        if digests.is_empty() {
            self.out
                .push_str("<p id=\"no-digests\">Nobody is on the team of a selected deal.</p>");
        }
        for d in digests {
            let person = escape(d.person.as_str());
            let _ = write!(
                self.out,
                r#"<article class="digest" data-person="{person}" data-happened="{}" data-flagged="{}" data-due="{}"><h3>{name}</h3>"#,
                d.happened.len(),
                d.flagged.len(),
                d.due.len(),
                name = user(d.person.as_str()),
            );
            // One item per entry: a happening of the person's own (or one alone of its kind) as
            // it is; like happenings of others as their count and the first few of them.
            let happened: Vec<String> = d
                .happened
                .iter()
                .map(|h| match (h.sample.as_slice(), h.count) {
                    ([one], 1) => happening(one),
                    (sample, n) => {
                        let first = h.first_at.format("%H:%M").to_string();
                        let last = h.last_at.format("%H:%M").to_string();
                        let span = if first == last {
                            first
                        } else {
                            format!("{first}–{last}")
                        };
                        let shown: Vec<String> = sample.iter().map(|x| what(&x.what)).collect();
                        let more = match u64::from(n).saturating_sub(sample.len() as u64) {
                            0 => String::new(),
                            rest => format!("; and {rest} more"),
                        };
                        format!(
                            "<li data-kind=\"{}\" data-count=\"{n}\">{span} {} {n} {}: {}{more}</li>",
                            h.kind.as_str(),
                            user(h.deal.as_str()),
                            h.kind.plural(),
                            shown.join("; ")
                        )
                    }
                })
                .collect();
            let flagged: Vec<String> = d
                .flagged
                .iter()
                .map(|l| {
                    format!(
                        "<li>{} {} ({}), {}, {} days old</li>",
                        badge(l.light),
                        user(l.deal.as_str()),
                        user(&l.customer),
                        label(l.stage.as_str()),
                        l.age.days
                    )
                })
                .collect();
            let due: Vec<String> = d
                .due
                .iter()
                .map(|x| {
                    let rest = u64::from(x.others).saturating_sub(x.with.len() as u64);
                    let with = match (x.with.is_empty(), rest) {
                        (true, _) => String::new(),
                        (false, 0) => format!(" (with {})", who(&x.with)),
                        (false, n) => format!(" (with {} and {n} more)", who(&x.with)),
                    };
                    format!(
                        "<li>{} since {}: {}{with}</li>",
                        user(x.deal.as_str()),
                        date(x.since),
                        due_kind(&x.kind)
                    )
                })
                .collect();
            for (title, items) in [
                ("Happened", happened),
                ("Amber or red", flagged),
                ("Due", due),
            ] {
                let _ = write!(self.out, "<h4>{title} ({})</h4>", items.len());
                if items.is_empty() {
                    self.out.push_str("<p class=\"muted\">nothing</p>");
                } else {
                    let _ = write!(self.out, "<ul class=\"items\">{}</ul>", items.concat());
                }
            }
            self.out.push_str("</article>\n");
        }
        self.out.push_str("</div></section>\n");
    }
}

fn happening(h: &Happening) -> String {
    format!(
        "<li>{} {} {} (by {})</li>",
        h.at.format("%H:%M"),
        user(h.deal.as_str()),
        what(&h.what),
        user(h.actor.as_str())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ltc_pipeline::{EndKind, GateKind, Outcome, Role};
    use rust_decimal::Decimal;

    /// The text a browser shows for `html`: tags dropped, entities read back.
    fn shown(html: &str) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    #[test]
    fn what_happened_and_what_is_due_read_as_their_display_with_user_text_isolated() {
        let big = Money {
            amount: Decimal::new(1_250_000, 2),
            currency: ltc_pipeline::Currency::EUR,
        };
        let at = DateTime::<Utc>::UNIX_EPOCH;
        let whats = [
            What::LeadCaptured {
                customer: "Smith & <Sons>".into(),
                source: "web".into(),
            },
            What::MemberJoined {
                person: "ana".into(),
                role: Role::ar(),
            },
            What::MemberLeft {
                person: "ana".into(),
                role: Role::sr(),
            },
            What::GateConvened {
                gate: GateKind::BidDecision,
                attempt: 2,
            },
            What::GateDecided {
                gate: GateKind::BidDecision,
                outcome: Outcome::ApprovedWithConditions,
            },
            What::ContractSigned { value: big },
            What::InvoiceIssued {
                invoice: "INV-1".into(),
                amount: big,
            },
            What::CashCollected {
                payment: "P-1".into(),
                invoice: "INV-1".into(),
                amount: big,
            },
            What::CashRefunded {
                payment: "P-2".into(),
                amount: big,
            },
            What::Ended {
                kind: EndKind::Lost,
                reason: "price".into(),
            },
        ];
        let dues = [
            DueKind::GateOverdue {
                gate: GateKind::BidDecision,
                attempt: 1,
                convened_at: at,
                service_level_days: 5,
            },
            DueKind::ConditionOverdue {
                condition: "C-1".into(),
                gate: GateKind::BidDecision,
            },
            DueKind::InvoiceOverdue {
                invoice: "INV-1".into(),
                outstanding: big,
            },
            DueKind::ClosureReminder {
                age_days: 365,
                signed_at: at,
            },
            DueKind::ForcedClosure {
                last_activity: at,
                after_days: 90,
            },
            DueKind::RecommendationOwed {
                person: "ana".into(),
                role: Role::ar(),
            },
        ];
        let pairs = whats
            .iter()
            .map(|w| (what(w), w.to_string()))
            .chain(dues.iter().map(|d| (due_kind(d), d.to_string())));
        for (html, display) in pairs {
            // The same words, amounts grouped as in the tiles.
            assert_eq!(
                shown(&html),
                display.replace("12500.00", "12,500.00"),
                "{html}"
            );
            // Every piece of user text, and nothing else, is isolated.
            for id in ["Smith", "ana", "INV-1", "P-1", "P-2", "C-1", "price", "web"] {
                if display.contains(id) {
                    assert!(html.contains(&format!("<bdi>{id}")), "{id} in {html}");
                }
            }
        }
    }

    #[test]
    fn user_text_is_escaped_balanced_and_isolated() {
        assert_eq!(
            user("<b>\u{202E}x"),
            "<bdi>&lt;b&gt;\u{202E}x\u{202C}</bdi>"
        );
        assert_eq!(user_plain("\u{2069}x"), "\u{2068}x\u{2069}");
        assert_eq!(escape("Ünal \u{5E9}\u{5DC}"), "Ünal \u{5E9}\u{5DC}");
    }
}
