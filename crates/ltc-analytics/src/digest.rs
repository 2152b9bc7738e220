//! The daily digest: what happened on a person's deals, what is amber or red, what is due.

use crate::error::Error;
use crate::happening::Happening;
use crate::replay::Replayed;
use crate::service::{self, DealLight, Due, Light, Settings};
use chrono::{DateTime, NaiveDate, Utc};
use ltc_pipeline::objects_only;
use ltc_pipeline::PersonId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A person's digest for one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Digest {
    /// For whom.
    pub person: PersonId,
    /// The day (UTC).
    pub day: NaiveDate,
    /// The instant the lights and what is due were taken at.
    pub now: DateTime<Utc>,
    /// What happened that day on their deals, in time order.
    pub happened: Vec<Happening>,
    /// Their open deals that are amber or red, worst first.
    pub flagged: Vec<DealLight>,
    /// What is due with them among those who should act, oldest first.
    pub due: Vec<Due>,
}

objects_only!(Digest);

/// [`Snapshot::digest`](crate::Snapshot::digest) over `deals`, replayed as of `now`.
pub(crate) fn digest(
    deals: &[Replayed],
    now: DateTime<Utc>,
    settings: &Settings,
    person: &PersonId,
    day: NaiveDate,
) -> Result<Digest, Error> {
    settings.validate()?;
    let start = day.and_time(chrono::NaiveTime::MIN).and_utc();
    let end = day
        .succ_opt()
        .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc());
    let in_day = |at: DateTime<Utc>| at >= start && end.is_none_or(|e| at < e);
    let mut happened = Vec::new();
    let mut flagged = Vec::new();
    for deal in deals {
        let on_team_that_day = deal.deal.team().stints().iter().any(|s| {
            &s.person == person
                && end.is_none_or(|e| s.joined < e)
                && s.left.is_none_or(|l| l > start)
        });
        let acted = deal
            .happenings
            .iter()
            .any(|h| &h.actor == person && in_day(h.at));
        if on_team_that_day || acted {
            happened.extend(deal.happenings.iter().filter(|h| in_day(h.at)).cloned());
        }
        let current = deal.deal.team().current().any(|s| &s.person == person);
        if current {
            if let Some(light) = deal.light(settings) {
                if light.light > Light::Green {
                    flagged.push(light);
                }
            }
        }
    }
    happened.sort_by(|a, b| (a.at, &a.deal).cmp(&(b.at, &b.deal)));
    flagged.sort_by(|a, b| b.light.cmp(&a.light).then_with(|| a.deal.cmp(&b.deal)));
    let due = service::due(deals.iter(), settings)?
        .into_iter()
        .filter(|d| d.who.contains(person))
        .collect();
    Ok(Digest {
        person: person.clone(),
        day,
        now,
        happened,
        flagged,
        due,
    })
}

impl Digest {
    /// A compact text rendering: one line per happening, flagged deal and thing due.
    ///
    /// It is for a terminal: each line as [`text::one_line`](crate::text::one_line) shows it,
    /// control characters and bidi formatting characters written as escapes (`\u{202e}`), so
    /// that no name can reverse the figures after it. `Display` writes names as they are.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for line in self.to_string().lines() {
            out.push_str(&crate::text::one_line(line));
            out.push('\n');
        }
        out
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Digest for {} on {}", self.person, self.day)?;
        writeln!(f, "Happened ({}):", self.happened.len())?;
        for h in &self.happened {
            writeln!(
                f,
                "  {} {} {} (by {})",
                h.at.format("%H:%M"),
                h.deal,
                h.what,
                h.actor
            )?;
        }
        writeln!(f, "Amber or red ({}):", self.flagged.len())?;
        for l in &self.flagged {
            writeln!(f, "  {l}")?;
        }
        writeln!(f, "Due ({}):", self.due.len())?;
        for d in &self.due {
            writeln!(
                f,
                "  {} since {}: {}",
                d.deal,
                d.since.format("%Y-%m-%d"),
                d.kind
            )?;
        }
        Ok(())
    }
}
