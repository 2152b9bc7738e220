//! `ltc report --html` in a real browser: the sample deal set's page is opened in headless
//! Chromium, which takes a screenshot and dumps the DOM it rendered; every figure on the page (in
//! the charts' labels, their `data-*` values and the tables) is checked against
//! `ltc report --json` over the same input. A second page, from the sample set with hostile user
//! text put in (a customer with an unterminated right-to-left override, names of 200 characters
//! without a space), is measured as laid out at 1,400 pixels: the page's own text reads in order
//! and nothing leaves the content column.
//!
//! Needs `chromium` (Debian's package; `.ci/run` installs it); `LTC_CHROMIUM` names another
//! binary. The build script looks for it: without it these tests are ignored, and `cargo test`
//! prints them as `ignored, chromium is not installed: ...` and counts them as ignored, never as
//! passed; under `CI=true` they run, and fail without it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rust_decimal::Decimal;
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

mod hostile;

fn sample(name: &str) -> String {
    format!("{}/../../examples/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn ltc(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_ltc"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ltc {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The browser the build script found (`build.rs`). Without one the tests are ignored, except
/// under `CI=true`, where they fail here.
fn chromium() -> PathBuf {
    let found = option_env!("LTC_CHROMIUM_FOUND").map(PathBuf::from);
    match found {
        Some(path) if path.is_file() => path,
        _ => panic!(
            "chromium is not installed (apt-get install chromium, or set LTC_CHROMIUM): \
             the report page must be checked in a real browser"
        ),
    }
}

/// Runs headless Chromium on `page` with `args`, in a profile of its own; its stdout.
fn browse(browser: &Path, dir: &Path, page: &Path, args: &[&str]) -> String {
    let profile = dir.join(format!("profile-{}", args.len()));
    std::fs::create_dir_all(&profile).unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap()
}

fn one<'a>(doc: &'a Html, css: &str) -> ElementRef<'a> {
    let found: Vec<ElementRef> = doc.select(&sel(css)).collect();
    assert_eq!(found.len(), 1, "`{css}` should match one element");
    found[0]
}

fn inner<'a>(el: ElementRef<'a>, css: &str) -> ElementRef<'a> {
    el.select(&sel(css))
        .next()
        .unwrap_or_else(|| panic!("no `{css}` in {}", el.html()))
}

fn attr(el: ElementRef, name: &str) -> String {
    el.value()
        .attr(name)
        .unwrap_or_else(|| panic!("no {name} on {}", el.html()))
        .to_owned()
}

fn text(el: ElementRef) -> String {
    el.text().collect::<String>().trim().to_owned()
}

/// The cells of a table row, as text.
fn cells(row: ElementRef) -> Vec<String> {
    row.select(&sel("td")).map(text).collect()
}

/// A JSON value as the page writes it in a `data-*` attribute: strings as they are, numbers in
/// full, `null` as empty.
fn plain(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A JSON ratio (`"0.9375"`) as the page shows it (`93.75%`), or the dash for none.
fn percent(v: &Value) -> String {
    match v.as_str() {
        None => "–".to_owned(),
        Some(r) => {
            let p = r.parse::<Decimal>().unwrap() * Decimal::ONE_HUNDRED;
            format!("{:.2}%", p.round_dp(2))
        }
    }
}

/// An amount as shown (`4,727,780`), back to the JSON's digits.
fn digits(shown: &str) -> String {
    shown.replace(',', "")
}

fn days(d: &Value, which: &str) -> String {
    if d.is_null() {
        "–".to_owned()
    } else {
        plain(&d[which]["days"])
    }
}

#[test]
#[cfg_attr(
    no_chromium,
    ignore = "chromium is not installed: the report page was NOT checked in a browser (apt-get install chromium, or set LTC_CHROMIUM)"
)]
fn the_report_page_in_a_browser_shows_the_numbers_of_the_json_report() {
    let browser = chromium();
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().to_owned();
    let deals = sample("deals.json");
    let json: Value = serde_json::from_slice(&ltc(&["report", "--json", &deals])).unwrap();
    let page = dir.join("report.html");
    let written = ltc(&["report", "--html", page.to_str().unwrap(), &deals]);
    assert!(written.is_empty(), "--html FILE prints nothing");
    let html = std::fs::read_to_string(&page).unwrap();

    // Self-contained: nothing to fetch, nothing to run.
    for banned in ["http://", "https://", "<script", "<link", "@import", "url("] {
        assert!(!html.contains(banned), "the page contains `{banned}`");
    }

    // The picture, on a desktop and on a phone.
    let shot = dir.join("report.png");
    browse(
        &browser,
        &dir,
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1200,2400",
        ],
    );
    let phone = dir.join("phone.png");
    browse(
        &browser,
        &dir,
        &page,
        &[
            &format!("--screenshot={}", phone.display()),
            "--window-size=390,844",
        ],
    );
    for png in [&shot, &phone] {
        let bytes = std::fs::read(png).unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{} is no PNG",
            png.display()
        );
        assert!(bytes.len() > 20_000, "{} is nearly empty", png.display());
    }

    // The DOM as the browser built it.
    let dom = Html::parse_document(&browse(&browser, &dir, &page, &["--dump-dom"]));
    assert_eq!(
        attr(one(&dom, "meta[name=viewport]"), "content"),
        "width=device-width, initial-scale=1"
    );

    // The instant and the filters.
    assert_eq!(attr(one(&dom, "#as-of"), "data-now"), plain(&json["now"]));
    for key in ["from", "until", "person", "role"] {
        let shown = text(one(&dom, &format!("[data-filter={key}]")));
        if json["filter"][key].is_null() {
            assert_eq!(shown, "any", "filter {key}");
        } else {
            assert!(shown.contains(&plain(&json["filter"][key])), "filter {key}");
        }
    }
    assert_eq!(
        attr(one(&dom, "[data-setting=amber_share]"), "data-value"),
        plain(&json["settings"]["amber_share"])
    );

    // Every chart has a text alternative.
    for svg in dom.select(&sel("figure svg")) {
        assert_eq!(attr(svg, "role"), "img");
        for id in attr(svg, "aria-labelledby").split(' ') {
            assert!(
                !text(one(&dom, &format!("#{id}"))).is_empty(),
                "#{id} is empty"
            );
        }
    }

    // The funnel: the chart's labels, its values and its table.
    let funnel = &json["funnel"];
    let figure = one(&dom, "#funnel");
    for key in ["deals", "won", "ended"] {
        assert_eq!(attr(figure, &format!("data-{key}")), plain(&funnel[key]));
    }
    assert_eq!(attr(figure, "data-win-rate"), plain(&funnel["win_rate"]));
    assert!(text(one(&dom, "#win-rate")).contains(&percent(&funnel["win_rate"])));
    let rows = funnel["rows"].as_array().unwrap();
    assert_eq!(dom.select(&sel("#funnel g.row")).count(), rows.len());
    for row in rows {
        let stage = plain(&row["stage"]);
        let g = one(&dom, &format!("#funnel g.row[data-stage={stage}]"));
        assert_eq!(attr(g, "data-reached"), plain(&row["reached"]));
        assert_eq!(text(inner(g, "text.reached")), plain(&row["reached"]));
        assert_eq!(attr(g, "data-conversion"), plain(&row["conversion"]));
        let conversion = text(inner(g, "text.conversion"));
        if row["conversion"].is_null() {
            assert_eq!(conversion, "");
        } else {
            assert_eq!(
                conversion,
                format!("{} to next", percent(&row["conversion"]))
            );
        }
        let tr = one(&dom, &format!("#funnel-table tr[data-stage={stage}]"));
        let got = cells(tr);
        assert_eq!(
            got[1..],
            [
                plain(&row["reached"]),
                plain(&row["open"]),
                plain(&row["ended"]),
                percent(&row["conversion"])
            ]
        );
    }

    // Won deal size per currency.
    let sizes = funnel["won_sizes"].as_array().unwrap();
    assert!(!sizes.is_empty(), "the sample set has won deals");
    for size in sizes {
        let currency = plain(&size["currency"]);
        let tile = one(&dom, &format!("#won-sizes [data-currency={currency}]"));
        for key in ["deals", "total", "average", "median"] {
            assert_eq!(attr(tile, &format!("data-{key}")), plain(&size[key]));
        }
        let got = cells(one(
            &dom,
            &format!("#sizes-table tr[data-currency={currency}]"),
        ));
        assert_eq!(
            [
                got[1].clone(),
                digits(&got[2]),
                digits(&got[3]),
                digits(&got[4])
            ],
            [
                plain(&size["deals"]),
                plain(&size["total"]),
                plain(&size["average"]),
                plain(&size["median"])
            ]
        );
    }

    // Days in stage: one mark per deal and stage, the summary beside each row, the table.
    let stages = json["stages"].as_array().unwrap();
    assert_eq!(dom.select(&sel("#stages g.row")).count(), stages.len());
    for s in stages {
        let stage = plain(&s["stage"]);
        let g = one(&dom, &format!("#stages g.row[data-stage={stage}]"));
        let count = s["days"]["count"].as_u64().unwrap_or(0).to_string();
        let levels: Vec<String> = s["service_levels"]
            .as_array()
            .unwrap()
            .iter()
            .map(plain)
            .collect();
        assert_eq!(attr(g, "data-count"), count);
        assert_eq!(
            attr(g, "data-median"),
            days(&s["days"], "median").replace('–', "")
        );
        assert_eq!(attr(g, "data-over"), plain(&s["over"]));
        assert_eq!(attr(g, "data-near"), plain(&s["near"]));
        assert_eq!(attr(g, "data-service-levels"), levels.join(","));
        let marks: Vec<(String, String)> = g
            .select(&sel("[data-deal]"))
            .map(|m| (attr(m, "data-deal"), attr(m, "data-days")))
            .collect();
        let points: Vec<(String, String)> = s["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (plain(&p["deal"]), plain(&p["elapsed"]["days"])))
            .collect();
        assert_eq!(marks, points, "the marks of {stage}");
        let light_of = |m: ElementRef| {
            ["green", "amber", "red"]
                .into_iter()
                .find(|l| {
                    m.value()
                        .has_class(l, scraper::CaseSensitivity::CaseSensitive)
                })
                .unwrap()
        };
        let shapes: Vec<&str> = g.select(&sel("[data-deal]")).map(light_of).collect();
        let lights: Vec<String> = s["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| plain(&p["light"]))
            .collect();
        assert_eq!(shapes, lights, "the lights of {stage}");
        let summary = text(inner(g, "text.summary"));
        assert!(
            summary.starts_with(&format!("n {count} · median ")),
            "{summary}"
        );
        assert!(
            summary.ends_with(&format!("{} over", plain(&s["over"]))),
            "{summary}"
        );
        let got = cells(one(&dom, &format!("#stages-table tr[data-stage={stage}]")));
        let sl = if levels.is_empty() {
            "none".to_owned()
        } else {
            levels.join(", ")
        };
        assert_eq!(
            got[1..],
            [
                count,
                days(&s["days"], "median"),
                days(&s["days"], "mean"),
                days(&s["days"], "max"),
                sl,
                plain(&s["near"]),
                plain(&s["over"])
            ]
        );
    }

    // The gates: pass rates in the chart, every figure in the table.
    let gates = json["gates"].as_array().unwrap();
    for gate in gates {
        let name = plain(&gate["gate"]);
        let g = one(&dom, &format!("#gates g.row[data-gate={name}]"));
        assert_eq!(
            attr(g, "data-pass-rate"),
            plain(&gate["first_attempt_pass_rate"])
        );
        assert_eq!(
            attr(g, "data-decided"),
            plain(&gate["first_attempts_decided"])
        );
        assert_eq!(
            attr(g, "data-passed"),
            plain(&gate["first_attempts_passed"])
        );
        let rate = text(inner(g, "text.rate"));
        assert!(
            rate.starts_with(&percent(&gate["first_attempt_pass_rate"])),
            "{rate}"
        );
        let got = cells(one(&dom, &format!("#gates-table tr[data-gate={name}]")));
        let o = &gate["outcomes"];
        let t = &gate["decision_time"];
        assert_eq!(
            got[1..],
            [
                plain(&gate["convened"]),
                plain(&o["approved"]),
                plain(&o["approved_with_conditions"]),
                plain(&o["rework"]),
                plain(&o["rejected"]),
                plain(&gate["withdrawn"]),
                plain(&gate["open"]),
                format!(
                    "{} of {}",
                    plain(&gate["first_attempts_passed"]),
                    plain(&gate["first_attempts_decided"])
                ),
                percent(&gate["first_attempt_pass_rate"]),
                format!(
                    "{} / {} / {}",
                    days(t, "mean"),
                    days(t, "median"),
                    days(t, "max")
                ),
            ]
        );
    }

    // The red and amber deals, worst first, each with its age, its light named, what is due.
    let flagged = json["flagged"].as_array().unwrap();
    assert!(!flagged.is_empty(), "the sample set has red or amber deals");
    let due = json["due"].as_array().unwrap();
    let rows: Vec<ElementRef> = dom.select(&sel("#flagged tr[data-deal]")).collect();
    assert_eq!(rows.len(), flagged.len());
    for (tr, l) in rows.iter().zip(flagged) {
        let deal = plain(&l["deal"]);
        assert_eq!(attr(*tr, "data-deal"), deal);
        assert_eq!(attr(*tr, "data-light"), plain(&l["light"]));
        assert_eq!(attr(*tr, "data-age"), plain(&l["age"]["days"]));
        let got = cells(*tr);
        let light = plain(&l["light"]);
        let name = format!("{}{}", light[..1].to_uppercase(), &light[1..]);
        assert!(got[0].ends_with(&name), "the light is named: {}", got[0]);
        assert_eq!(got[1], deal);
        assert_eq!(got[4], plain(&l["age"]["days"]));
        let theirs = due.iter().filter(|d| d["deal"] == l["deal"]).count();
        assert_eq!(
            tr.select(&sel("li")).count(),
            theirs,
            "what is due on {deal}"
        );
    }

    // What is due, oldest first.
    let rows: Vec<ElementRef> = dom.select(&sel("#due tr[data-deal]")).collect();
    assert_eq!(rows.len(), due.len());
    for (tr, d) in rows.iter().zip(due) {
        assert_eq!(attr(*tr, "data-deal"), plain(&d["deal"]));
        assert_eq!(attr(*tr, "data-kind"), plain(&d["kind"]["type"]));
        assert_eq!(cells(*tr)[0], plain(&d["since"])[..10]);
    }

    // Per person, the daily digest.
    let digests = json["digests"].as_array().unwrap();
    assert!(!digests.is_empty());
    let articles: Vec<ElementRef> = dom.select(&sel("article.digest")).collect();
    assert_eq!(articles.len(), digests.len());
    for (a, d) in articles.iter().zip(digests) {
        assert_eq!(attr(*a, "data-person"), plain(&d["person"]));
        assert_eq!(text(inner(*a, "h3")), plain(&d["person"]));
        for key in ["happened", "flagged", "due"] {
            let n = d[key].as_array().unwrap().len();
            assert_eq!(attr(*a, &format!("data-{key}")), n.to_string(), "{key}");
        }
        assert_eq!(
            a.select(&sel("li")).count(),
            ["happened", "flagged", "due"]
                .iter()
                .map(|k| d[*k].as_array().unwrap().len())
                .sum::<usize>()
        );
    }

    if let Some(keep) = std::env::var_os("LTC_REPORT_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }
}

/// Measures the page as laid out, after it is: what leaves the content column (`outside`: boxes,
/// lines of text, and containers that scroll sideways; the outermost 20), and where the page's
/// own text does not read left to right (`reversed`: in each block holding a bidi control, the
/// characters outside its `<bdi>` elements, which must come in increasing x on a line; one
/// finding per block). Writes the findings as JSON in `<pre id="measured">`.
const MEASURE: &str = r#"
(function () {
  const main = document.querySelector('main');
  const box = main.getBoundingClientRect();
  const style = getComputedStyle(main);
  const left = box.left + parseFloat(style.paddingLeft);
  const right = box.right - parseFloat(style.paddingRight);
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className ? '.' + el.className.split(' ').join('.') : '');
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body; e = e.parentElement) parts.unshift(name(e));
    return parts.join(' > ');
  };
  const out = (r) => r.left < left - 0.5 || r.right > right + 0.5;
  const span = (r) => r.left.toFixed(1) + '..' + r.right.toFixed(1);
  const outside = [];
  const flagged = new Set();
  for (const el of main.querySelectorAll('*')) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    const r = el.getBoundingClientRect();
    if ((r.width > 0 || r.height > 0) && out(r)) {
      flagged.add(el);
      if (!flagged.has(el.parentElement)) outside.push(path(el) + ': ' + span(r));
    }
  }
  const texts = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  while (texts.nextNode()) {
    const node = texts.currentNode;
    if (node.parentElement.closest('svg')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width > 0 && out(r) && !flagged.has(node.parentElement)) {
        outside.push(path(node.parentElement) + ' text "' + node.data.slice(0, 24) + '": ' + span(r));
      }
    }
  }
  for (const el of main.querySelectorAll('.scroll, .chart')) {
    if (el.scrollWidth > el.clientWidth + 1) {
      outside.push(path(el) + ' scrolls sideways: ' + el.scrollWidth + ' > ' + el.clientWidth);
    }
  }
  const control = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
  const blocks = new Set();
  const all = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (all.nextNode()) {
    const node = all.currentNode;
    if (!control.test(node.data)) continue;
    const block = node.parentElement.closest('li, td, th, dd, h1, h2, h3, h4, p, caption, figcaption');
    if (block) blocks.add(block);
  }
  const reversed = [];
  let checked = 0;
  for (const block of blocks) {
    let prev = null;
    let first = null;
    let count = 0;
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      const bdi = node.parentElement.closest('bdi');
      if (bdi && block.contains(bdi)) continue;
      for (let i = 0; i < node.data.length; i++) {
        const ch = node.data[i];
        if (/\s/.test(ch) || control.test(ch)) continue;
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const r = range.getBoundingClientRect();
        if (r.width === 0) continue;
        checked += 1;
        if (prev && Math.abs(r.top - prev.top) < 2 && r.left < prev.left - 0.5) {
          count += 1;
          first = first || '"' + ch + '" at ' + r.left.toFixed(1) + ' is left of "' + prev.ch +
            '" before it at ' + prev.left.toFixed(1);
        }
        prev = { ch: ch, left: r.left, top: r.top };
      }
    }
    if (count > 0) {
      reversed.push(path(block) + ': ' + count + ' characters out of order, first ' + first +
        ', in "' + block.textContent + '"');
    }
  }
  const pre = document.createElement('pre');
  pre.id = 'measured';
  pre.textContent = JSON.stringify({
    width: window.innerWidth, left: left, right: right, outside: outside.slice(0, 20),
    blocks: blocks.size, checked: checked, reversed: reversed
  });
  document.body.appendChild(pre);
})();
"#;

/// Whether the bidi controls of `text` (inside the `<bdi>` `bdi`, if any) are set in an isolate
/// and balanced there: the `<bdi>`'s text is balanced, or (where only text can go) `text` is
/// balanced and has no bidi control outside a span from U+2068 to its U+2069.
fn isolated(bdi: Option<ElementRef>, text: &str) -> bool {
    use ltc_analytics::text::{is_balanced, is_bidi_control};
    if let Some(bdi) = bdi {
        return is_balanced(&bdi.text().collect::<String>());
    }
    let mut depth = 0_usize;
    let mut outside = false;
    for c in text.chars() {
        match c {
            '\u{2066}'..='\u{2068}' => depth += 1,
            '\u{2069}' => depth = depth.saturating_sub(1),
            c if depth == 0 && is_bidi_control(c) => outside = true,
            _ => {}
        }
    }
    is_balanced(text) && !outside
}

#[test]
#[cfg_attr(
    no_chromium,
    ignore = "chromium is not installed: the report page was NOT checked in a browser (apt-get install chromium, or set LTC_CHROMIUM)"
)]
fn hostile_user_text_neither_reverses_the_page_nor_widens_it() {
    let browser = chromium();
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().to_owned();

    // Which deals and person to rename: a red deal that is in a digest (its line there goes on
    // with the stage and the age after the customer), two more red deals, a person with
    // flagged deals and things due.
    let report = ltc_cli::report::report(&hostile::sample()).unwrap();
    let in_digest = |deal: &ltc_pipeline::DealId| {
        report
            .digests
            .iter()
            .any(|d| d.flagged.iter().any(|l| &l.deal == deal))
    };
    let evil = report
        .flagged
        .iter()
        .find(|l| in_digest(&l.deal))
        .unwrap()
        .deal
        .to_string();
    let mut others = report
        .flagged
        .iter()
        .map(|l| l.deal.to_string())
        .filter(|d| *d != evil);
    let (wide, renamed) = (others.next().unwrap(), others.next().unwrap());
    let person = report
        .digests
        .iter()
        .find(|d| !d.flagged.is_empty() && !d.due.is_empty())
        .unwrap()
        .person
        .to_string();
    let (long_customer, long_deal, long_person) = (
        hostile::long("Wolfeschlegelsteinhausenbergerdorff"),
        hostile::long("D-Ubermenschlichkeitsgrundsatz"),
        hostile::long("anastasiapapadopoulou"),
    );
    let input = hostile::sample_with(&hostile::Renames {
        customers: vec![(&evil, hostile::EVIL), (&wide, &long_customer)],
        deals: vec![(&renamed, &long_deal)],
        people: vec![(&person, &long_person)],
    });
    let source = dir.join("hostile.json");
    std::fs::write(&source, input).unwrap();
    let page = dir.join("hostile.html");
    ltc(&[
        "report",
        "--html",
        page.to_str().unwrap(),
        source.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&page).unwrap();
    for name in [&long_customer, &long_deal, &long_person] {
        assert!(html.contains(name.as_str()), "{name} is on the page");
    }

    // The picture, to look at: LTC_REPORT_HOSTILE_SCREENSHOT=path.png keeps it.
    let shot = dir.join("hostile.png");
    browse(
        &browser,
        &dir,
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1400,9000",
        ],
    );
    assert!(std::fs::read(&shot)
        .unwrap()
        .starts_with(b"\x89PNG\r\n\x1a\n"));
    if let Some(keep) = std::env::var_os("LTC_REPORT_HOSTILE_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }

    // The DOM as the browser built it: every text holding a bidi control is isolated, and
    // balanced within its isolate.
    let dom = Html::parse_document(&browse(&browser, &dir, &page, &["--dump-dom"]));
    let mut seen = 0;
    for node in dom.tree.nodes() {
        let Some(text) = node.value().as_text() else {
            continue;
        };
        if text.chars().any(ltc_analytics::text::is_bidi_control) {
            seen += 1;
            let parent = node.parent().and_then(ElementRef::wrap).unwrap();
            let bdi = node
                .ancestors()
                .filter_map(ElementRef::wrap)
                .find(|e| e.value().name() == "bdi");
            assert!(
                isolated(bdi, text),
                "{:?} in <{}> is not isolated",
                &**text,
                parent.value().name()
            );
        }
    }
    // The customer is on the page four times: the red deals' table, two digests' lists of red
    // deals and what happened (at least the table and a digest).
    assert!(seen >= 2, "the override is on the page {seen} times");

    // As laid out at 1,400 pixels.
    let measured = dir.join("measured.html");
    std::fs::write(
        &measured,
        html.replace("</body>", &format!("<script>{MEASURE}</script>\n</body>")),
    )
    .unwrap();
    let dump = Html::parse_document(&browse(
        &browser,
        &dir,
        &measured,
        &["--window-size=1400,1000", "--dump-dom"],
    ));
    let found: Value = serde_json::from_str(&text(one(&dump, "#measured"))).unwrap();
    assert_eq!(found["width"], 1400, "{found}");
    assert!(found["blocks"].as_u64().unwrap() >= 2, "{found}");
    assert!(found["checked"].as_u64().unwrap() > 20, "{found}");
    let list =
        |key: &str| -> Vec<String> { found[key].as_array().unwrap().iter().map(plain).collect() };
    assert_eq!(
        list("reversed"),
        Vec::<String>::new(),
        "the page's own text after user text must read left to right"
    );
    assert_eq!(
        list("outside"),
        Vec::<String>::new(),
        "at 1,400 pixels nothing may leave the content column ({} to {})",
        found["left"],
        found["right"]
    );
}
