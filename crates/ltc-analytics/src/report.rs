//! Everything a pipeline report shows, computed once from a snapshot: what `ltc report` prints as
//! tables or JSON, and what [`html::render`](crate::html::render) draws.

use crate::digest::{Day, Digest};
use crate::error::Error;
use crate::figures::{self, Funnel, GateFigures};
use crate::filter::Filter;
use crate::service::{DealLight, Due, Light, Settings};
use crate::snapshot::Snapshot;
use crate::stages::StageDays;
use chrono::{DateTime, Utc};
use ltc_pipeline::objects_only;
use serde::{Deserialize, Serialize};

/// The figures of a pipeline report, as of the snapshot's `now`, over the deals a filter selects.
///
/// Every list is in the order its field states, never in the order of the logs: the same logs
/// in any order give the same report, to the byte once serialized. Its size and the time to
/// compute it are linear in the events and the people it covers.
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use ltc_analytics::{Filter, Light, Report, Settings, Snapshot};
/// use ltc_pipeline::{Command, Deal, DealId, Process};
/// let process = Process::standard();
/// let mut deal = Deal::new(DealId::new("D-1"));
/// let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
/// let capture = Command::CaptureLead { customer: "ACME".into(), source: "web".into(), estimate: None };
/// let logs = vec![deal.execute(&process, &capture, &"ops".into(), t0)?];
/// let snapshot = Snapshot::new(&logs, &process, t0 + Duration::days(8))?;
/// let report = Report::new(&snapshot, "standard", &Settings::default(), &Filter::default())?;
/// assert_eq!(report.funnel.deals, 1);
/// assert_eq!(report.flagged[0].light, Light::Red); // 8 days captured, of 7
/// assert_eq!(report.stages[0].over, 1);
/// # Ok::<(), ltc_analytics::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Report {
    /// The instant the report is for.
    pub now: DateTime<Utc>,
    /// The name of the process the report is about.
    pub process: String,
    /// The filter applied.
    pub filter: Filter,
    /// The settings the lights and what is due were read with.
    pub settings: Settings,
    /// The funnel, with conversion, win rate and won deal sizes.
    pub funnel: Funnel,
    /// The gate table.
    pub gates: Vec<GateFigures>,
    /// Days in stage, per stage, against its service level.
    pub stages: Vec<StageDays>,
    /// The red and amber open deals, worst first, then by deal.
    pub flagged: Vec<DealLight>,
    /// What is due on the selected deals, oldest first (then by deal and kind).
    pub due: Vec<Due>,
    /// The daily digest, for the day of `now` (UTC), of each person who held a stint on a
    /// selected deal (in the filter's role, when given), by person. Each names the person's own
    /// happenings and sums up the others, so that the digests grow with the day's happenings and
    /// the people on its deals, not with their product.
    pub digests: Vec<Digest>,
}

objects_only!(Report);

impl Report {
    /// The report of `snapshot` over the deals `filter` selects; `process` names what it is
    /// about.
    ///
    /// # Errors
    /// [`Error::InvalidAmberShare`] for bad settings; [`Error::Overflow`] on absurd sums.
    pub fn new(
        snapshot: &Snapshot,
        process: impl Into<String>,
        settings: &Settings,
        filter: &Filter,
    ) -> Result<Self, Error> {
        let day = Day::new(
            &snapshot.deals,
            snapshot.now(),
            settings,
            snapshot.now().date_naive(),
        )?;
        let selected: Vec<_> = snapshot.selected(filter).collect();
        let digests = figures::people_on(&selected, filter)
            .into_iter()
            .map(|person| day.digest(person))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            now: snapshot.now(),
            process: process.into(),
            filter: filter.clone(),
            settings: settings.clone(),
            funnel: snapshot.funnel(filter)?,
            gates: snapshot.gates(filter)?,
            stages: snapshot.stage_days(settings, filter)?,
            flagged: snapshot
                .lights(settings, filter)?
                .into_iter()
                .filter(|l| l.light > Light::Green)
                .collect(),
            due: snapshot.due(settings, filter)?,
            digests,
        })
    }
}
