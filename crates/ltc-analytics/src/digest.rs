//! The daily digest: what happened on a person's deals, what is amber or red, what is due.
//!
//! A digest names a person's own happenings one by one and sums up the others: like happenings
//! (the same kind, on the same deal, that day) make one entry with their count and the first few
//! of them. So a deal whose team of 500 all joined today gives each member one line ("499 members
//! joined: ...") beside their own joining, not 500 lines each: the digests of a day are linear in
//! the day's happenings and the people on its deals, never in their product.
//!
//! [`Day`] computes what the digests of one day share, once: each deal's happenings of the day
//! grouped by kind, whose deals are whose, the lights and what is due. A digest is then read off it
//! in time proportional to its own size.

use crate::elapsed::count;
use crate::error::Error;
use crate::happening::{Happening, HappeningKind};
use crate::replay::Replayed;
use crate::service::{self, DealLight, Due, DueKind, Light, Settings};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use ltc_pipeline::objects_only;
use ltc_pipeline::{DealId, PersonId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
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
    /// What happened that day on their deals: each of their own happenings as an entry of its
    /// own, the others grouped by deal and kind; by the time of each entry's first happening, then
    /// by deal, then in the order of the deal's log.
    pub happened: Vec<Happened>,
    /// Their open deals that are amber or red, worst first, then by deal.
    pub flagged: Vec<DealLight>,
    /// What is due with them among those who should act, oldest first (then by deal and kind).
    pub due: Vec<DigestDue>,
}

objects_only!(Digest);

impl Digest {
    /// How many happenings of a group ([`Happened::sample`]) and how many of the others who
    /// should act on something due ([`DigestDue::with`]) a digest names: the first ones.
    pub const SAMPLE: usize = 3;

    /// How many happenings the digest covers: the sum of its entries' counts.
    ///
    /// ```
    /// # use ltc_analytics::Digest;
    /// # let digest: Digest = serde_json::from_str(r#"{"person": "ana", "day": "2026-01-05",
    /// #   "now": "2026-01-05T18:00:00Z", "happened": [], "flagged": [], "due": []}"#).unwrap();
    /// assert_eq!(digest.happenings(), 0);
    /// ```
    pub fn happenings(&self) -> u64 {
        self.happened.iter().map(|h| u64::from(h.count)).sum()
    }
}

/// One entry of a digest's `happened`: one of the person's own happenings, or every other
/// happening of one kind on one deal that day.
///
/// A person's own happenings are those they did (the actor) and those about them (they joined or
/// left the team); each is an entry of its own, with a count of 1. The others of a kind are one
/// entry, however many they are.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use ltc_analytics::{Happened, Happening, HappeningKind, What};
/// use ltc_pipeline::Role;
/// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
/// let joined = |who: &str| Happening {
///     deal: "D-1".into(), at, actor: "ops".into(),
///     what: What::MemberJoined { person: who.into(), role: Role::fr() },
/// };
/// let entry = Happened {
///     deal: "D-1".into(), kind: HappeningKind::MemberJoined, own: false, count: 498,
///     first_at: at, last_at: at + chrono::Duration::hours(2),
///     sample: vec![joined("bob"), joined("cy"), joined("di")],
/// };
/// assert_eq!(entry.to_string(),
///     "09:00-11:00 D-1 498 members joined: bob joined as FR; cy joined as FR; di joined as FR; and 495 more");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Happened {
    /// The deal.
    pub deal: DealId,
    /// The kind of the happenings.
    pub kind: HappeningKind,
    /// Whether this is one of the person's own happenings (then `count` is 1).
    pub own: bool,
    /// How many happenings the entry stands for.
    pub count: u32,
    /// When the first of them happened.
    pub first_at: DateTime<Utc>,
    /// When the last of them happened.
    pub last_at: DateTime<Utc>,
    /// The first of them in the order of the deal's log: all of them up to [`Digest::SAMPLE`],
    /// that many beyond.
    pub sample: Vec<Happening>,
}

objects_only!(Happened);

/// Something due with the digest's person: a [`Due`] with the others who should act on it
/// counted, and the first few of them named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct DigestDue {
    /// The deal.
    pub deal: DealId,
    /// What is due.
    pub kind: DueKind,
    /// Since when it is due.
    pub since: DateTime<Utc>,
    /// How many others should act on it too ([`Due::who`] but the person).
    pub others: u32,
    /// The first of them, by person: at most [`Digest::SAMPLE`].
    pub with: Vec<PersonId>,
}

objects_only!(DigestDue);

/// One deal's happenings of the day, grouped once for every digest that reads them.
#[derive(Debug)]
struct DealDay<'a> {
    deal: &'a DealId,
    /// The day's happenings, in the order of the log.
    happenings: Vec<&'a Happening>,
    /// One group per kind met, in the order of the first of each: positions in `happenings`.
    groups: Vec<(HappeningKind, Vec<usize>)>,
    /// Each person's own happenings: positions in `happenings`, ascending.
    own: BTreeMap<&'a PersonId, Vec<usize>>,
}

/// What the digests of one day share, computed once over a set of deals.
#[derive(Debug)]
pub(crate) struct Day<'a> {
    day: NaiveDate,
    now: DateTime<Utc>,
    deals: Vec<DealDay<'a>>,
    /// Each person's deals that day (positions in `deals`, ascending, each once).
    theirs: BTreeMap<&'a PersonId, Vec<usize>>,
    /// The amber and red open deals.
    lights: Vec<DealLight>,
    /// Each person's positions in `lights`: the deals they currently hold a stint on.
    flagged: BTreeMap<&'a PersonId, Vec<usize>>,
    /// What is due on every deal, oldest first.
    due: Vec<Due>,
    /// Each person's positions in `due`: the items with them in `who`.
    due_of: BTreeMap<PersonId, Vec<usize>>,
}

/// Adds `at` to `person`'s list unless it ends with it already.
fn mark<'a>(lists: &mut BTreeMap<&'a PersonId, Vec<usize>>, person: &'a PersonId, at: usize) {
    let list = lists.entry(person).or_default();
    if list.last() != Some(&at) {
        list.push(at);
    }
}

impl<'a> Day<'a> {
    /// The shared part of the digests of `day` over `deals`, replayed as of `now`.
    ///
    /// A person's deals that day are those on which they held a stint at some instant of the day,
    /// did something that day, or were joined or left that day.
    pub(crate) fn new(
        deals: &'a [Replayed],
        now: DateTime<Utc>,
        settings: &Settings,
        day: NaiveDate,
    ) -> Result<Self, Error> {
        settings.validate()?;
        let start = day.and_time(NaiveTime::MIN).and_utc();
        let end = day.succ_opt().map(|d| d.and_time(NaiveTime::MIN).and_utc());
        let in_day = |at: DateTime<Utc>| at >= start && end.is_none_or(|e| at < e);
        let mut days = Vec::with_capacity(deals.len());
        let mut theirs = BTreeMap::new();
        let mut lights = Vec::new();
        let mut flagged = BTreeMap::new();
        for (d, deal) in deals.iter().enumerate() {
            let happenings: Vec<&Happening> =
                deal.happenings.iter().filter(|h| in_day(h.at)).collect();
            let mut groups: Vec<(HappeningKind, Vec<usize>)> = Vec::new();
            let mut own: BTreeMap<&PersonId, Vec<usize>> = BTreeMap::new();
            for (i, h) in happenings.iter().copied().enumerate() {
                let kind = h.what.kind();
                // At most one group per kind: a short, bounded search.
                match groups.iter_mut().find(|(k, _)| *k == kind) {
                    Some((_, positions)) => positions.push(i),
                    None => groups.push((kind, vec![i])),
                }
                mark(&mut own, &h.actor, i);
                mark(&mut theirs, &h.actor, d);
                if let Some(person) = h.what.person() {
                    mark(&mut own, person, i);
                    mark(&mut theirs, person, d);
                }
            }
            for s in deal.deal.team().stints() {
                if end.is_none_or(|e| s.joined < e) && s.left.is_none_or(|l| l > start) {
                    mark(&mut theirs, &s.person, d);
                }
            }
            if let Some(light) = deal.light(settings).filter(|l| l.light > Light::Green) {
                let at = lights.len();
                lights.push(light);
                for s in deal.deal.team().current() {
                    mark(&mut flagged, &s.person, at);
                }
            }
            days.push(DealDay {
                deal: deal.id(),
                happenings,
                groups,
                own,
            });
        }
        let due = service::due(deals.iter(), settings)?;
        let mut due_of: BTreeMap<PersonId, Vec<usize>> = BTreeMap::new();
        for (i, item) in due.iter().enumerate() {
            for person in &item.who {
                let list = due_of.entry(person.clone()).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        Ok(Self {
            day,
            now,
            deals: days,
            theirs,
            lights,
            flagged,
            due,
            due_of,
        })
    }

    /// The digest of `person`, in time proportional to its size (and to the number of their own
    /// happenings, each named in it).
    pub(crate) fn digest(&self, person: &PersonId) -> Result<Digest, Error> {
        let mut happened: Vec<(usize, Happened)> = Vec::new();
        for &d in self.theirs.get(person).map_or(&[][..], Vec::as_slice) {
            let Some(deal) = self.deals.get(d) else {
                continue;
            };
            let own = deal.own.get(person).map_or(&[][..], Vec::as_slice);
            for &i in own {
                if let Some(h) = deal.happenings.get(i) {
                    happened.push((
                        i,
                        Happened {
                            deal: deal.deal.clone(),
                            kind: h.what.kind(),
                            own: true,
                            count: 1,
                            first_at: h.at,
                            last_at: h.at,
                            sample: vec![(*h).clone()],
                        },
                    ));
                }
            }
            let others = |i: &&usize| own.binary_search(i).is_err();
            for (kind, positions) in &deal.groups {
                let mine = own
                    .iter()
                    .filter_map(|i| deal.happenings.get(*i))
                    .filter(|h| h.what.kind() == *kind)
                    .count();
                let n = positions.len().saturating_sub(mine);
                let (Some(&first), Some(&last)) = (
                    positions.iter().find(others),
                    positions.iter().rev().find(others),
                ) else {
                    continue;
                };
                let at = |i: usize| deal.happenings.get(i).map(|h| h.at);
                let (Some(first_at), Some(last_at)) = (at(first), at(last)) else {
                    continue;
                };
                happened.push((
                    first,
                    Happened {
                        deal: deal.deal.clone(),
                        kind: *kind,
                        own: false,
                        count: count(n)?,
                        first_at,
                        last_at,
                        sample: positions
                            .iter()
                            .filter(others)
                            .take(Digest::SAMPLE)
                            .filter_map(|i| deal.happenings.get(*i).map(|h| (*h).clone()))
                            .collect(),
                    },
                ));
            }
        }
        happened.sort_by(|(i, a), (j, b)| (a.first_at, &a.deal, i).cmp(&(b.first_at, &b.deal, j)));
        let mut flagged: Vec<DealLight> = self
            .flagged
            .get(person)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(|i| self.lights.get(*i).cloned())
            .collect();
        flagged.sort_by(|a, b| b.light.cmp(&a.light).then_with(|| a.deal.cmp(&b.deal)));
        let due = self
            .due_of
            .get(person)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(|i| self.due.get(*i))
            .map(|d| {
                let others = d.who.iter().filter(|p| *p != person);
                Ok(DigestDue {
                    deal: d.deal.clone(),
                    kind: d.kind.clone(),
                    since: d.since,
                    others: count(others.clone().count())?,
                    with: others.take(Digest::SAMPLE).cloned().collect(),
                })
            })
            .collect::<Result<_, Error>>()?;
        Ok(Digest {
            person: person.clone(),
            day: self.day,
            now: self.now,
            happened: happened.into_iter().map(|(_, h)| h).collect(),
            flagged,
            due,
        })
    }
}

/// [`Snapshot::digest`](crate::Snapshot::digest) over `deals`, replayed as of `now`.
pub(crate) fn digest(
    deals: &[Replayed],
    now: DateTime<Utc>,
    settings: &Settings,
    person: &PersonId,
    day: NaiveDate,
) -> Result<Digest, Error> {
    Day::new(deals, now, settings, day)?.digest(person)
}

impl Digest {
    /// A compact text rendering: one line per entry of `happened`, flagged deal and thing due.
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

/// `HH:MM`, or `HH:MM-HH:MM` when the last is in another minute.
fn span(first: DateTime<Utc>, last: DateTime<Utc>) -> String {
    let (a, b) = (first.format("%H:%M"), last.format("%H:%M"));
    let (a, b) = (a.to_string(), b.to_string());
    if a == b {
        a
    } else {
        format!("{a}-{b}")
    }
}

impl fmt::Display for Happened {
    /// One of the person's own happenings, or a group of one: `HH:MM DEAL WHAT (by ACTOR)`. A
    /// group: `HH:MM-HH:MM DEAL COUNT KINDS: WHAT; WHAT; WHAT; and N more`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let ([h], 1) = (self.sample.as_slice(), self.count) {
            return write!(
                f,
                "{} {} {} (by {})",
                h.at.format("%H:%M"),
                h.deal,
                h.what,
                h.actor
            );
        }
        write!(
            f,
            "{} {} {} {}:",
            span(self.first_at, self.last_at),
            self.deal,
            self.count,
            self.kind.plural()
        )?;
        for (n, h) in self.sample.iter().enumerate() {
            let sep = if n == 0 { " " } else { "; " };
            write!(f, "{sep}{}", h.what)?;
        }
        let rest = u64::from(self.count).saturating_sub(self.sample.len() as u64);
        if rest > 0 {
            write!(f, "; and {rest} more")?;
        }
        Ok(())
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Digest for {} on {}", self.person, self.day)?;
        writeln!(f, "Happened ({}):", self.happened.len())?;
        for h in &self.happened {
            writeln!(f, "  {h}")?;
        }
        writeln!(f, "Amber or red ({}):", self.flagged.len())?;
        for l in &self.flagged {
            writeln!(f, "  {l}")?;
        }
        writeln!(f, "Due ({}):", self.due.len())?;
        for d in &self.due {
            write!(
                f,
                "  {} since {}: {}",
                d.deal,
                d.since.format("%Y-%m-%d"),
                d.kind
            )?;
            if d.others > 0 {
                let names: Vec<&str> = d.with.iter().map(PersonId::as_str).collect();
                write!(f, " (with {}", names.join(", "))?;
                let rest = u64::from(d.others).saturating_sub(d.with.len() as u64);
                if rest > 0 {
                    write!(f, " and {rest} more")?;
                }
                write!(f, ")")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}
