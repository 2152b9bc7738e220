//! The sample deal set with hostile user text put in: a customer, a deal id or a person renamed
//! everywhere they appear, each log sealed again so that it still verifies and replays.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ltc_pipeline::integrity::{self, Digest};
use ltc_pipeline::StoredEvent;
use serde_json::Value;

/// A customer whose name opens a RIGHT-TO-LEFT OVERRIDE and never closes it.
pub const EVIL: &str = "\u{202E}evil";

/// `stem` repeated without a space to 200 characters: a name no line can break at a space.
pub fn long(stem: &str) -> String {
    stem.chars().cycle().take(200).collect()
}

/// The sample input document (`examples/data/deals.json`).
pub fn sample() -> String {
    let path = format!(
        "{}/../../examples/data/deals.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

/// Every string value in `value` equal to `old` replaced by `new`.
fn rename(value: &mut Value, old: &str, new: &str) {
    match value {
        Value::String(s) if s == old => *s = new.to_owned(),
        Value::Array(items) => items.iter_mut().for_each(|v| rename(v, old, new)),
        Value::Object(map) => map.values_mut().for_each(|v| rename(v, old, new)),
        _ => {}
    }
}

/// Renames in the sample set.
#[derive(Default)]
pub struct Renames<'a> {
    /// `(deal, customer)`: the customer the deal's lead is captured for.
    pub customers: Vec<(&'a str, &'a str)>,
    /// `(old, new)` deal ids.
    pub deals: Vec<(&'a str, &'a str)>,
    /// `(old, new)` person ids, wherever a person is named (actors, members, panels, votes).
    pub people: Vec<(&'a str, &'a str)>,
}

/// The sample input with `renames` made and every log sealed again.
pub fn sample_with(renames: &Renames) -> String {
    let mut input: Value = serde_json::from_str(&sample()).unwrap();
    for log in input["deals"].as_array_mut().unwrap() {
        let events = log.as_array_mut().unwrap();
        let deal = events[0]["deal"].as_str().unwrap().to_owned();
        for event in events.iter_mut() {
            for (of, customer) in &renames.customers {
                if deal == *of && event["change"]["type"] == "lead_captured" {
                    event["change"]["customer"] = Value::from(*customer);
                }
            }
            for (old, new) in &renames.deals {
                if deal == *old {
                    event["deal"] = Value::from(*new);
                }
            }
            for (old, new) in &renames.people {
                rename(&mut event["actor"], old, new);
                rename(&mut event["change"], old, new);
            }
        }
        let stored: Vec<StoredEvent> = serde_json::from_value(log.clone()).unwrap();
        let sealed = integrity::seal(Digest::GENESIS, stored.into_iter().map(|e| e.event));
        *log = serde_json::to_value(sealed).unwrap();
    }
    input.to_string()
}
