//! Days in stage as a distribution: for each stage, the time every deal spent in it, against the
//! stage's service level.

use crate::elapsed::{count, Durations, Elapsed};
use crate::error::Error;
use crate::figures::FUNNEL_STAGES;
use crate::replay::Replayed;
use crate::service::{Light, Settings};
use ltc_pipeline::objects_only;
use ltc_pipeline::{DealId, StageKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The time one deal spent in one stage (every visit summed), against its service level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct StagePoint {
    /// The deal.
    pub deal: DealId,
    /// Its time in the stage: every visit, the current one up to `now`.
    pub elapsed: Elapsed,
    /// Whether the deal is in the stage at `now`.
    pub current: bool,
    /// The stage's service level in the process version the deal runs under, if it sets one.
    pub service_level_days: Option<u32>,
    /// `elapsed` against that service level, read as a traffic light is.
    pub light: Light,
}

objects_only!(StagePoint);

/// The distribution of the time deals spent in one stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct StageDays {
    /// The stage.
    pub stage: StageKind,
    /// The stage's service levels in the versions these deals run under, ascending and each once
    /// (one value when every deal runs under versions that agree; empty when none sets one).
    pub service_levels: Vec<u32>,
    /// Count, mean, median and maximum of the points; `None` when no deal visited the stage.
    pub days: Option<Durations>,
    /// Points past their service level (red).
    pub over: u32,
    /// Points past the amber share of it, not past it (amber).
    pub near: u32,
    /// One point per deal that visited the stage, by deal id (whatever the order of the logs).
    pub points: Vec<StagePoint>,
}

objects_only!(StageDays);

/// One row per non-end stage, in backbone order, over `deals`.
pub(crate) fn stage_days(
    deals: &[&Replayed],
    settings: &Settings,
) -> Result<Vec<StageDays>, Error> {
    settings.validate()?;
    let mut rows: Vec<StageDays> = FUNNEL_STAGES
        .iter()
        .filter(|s| !s.is_end())
        .map(|stage| StageDays {
            stage: *stage,
            service_levels: Vec::new(),
            days: None,
            over: 0,
            near: 0,
            points: Vec::new(),
        })
        .collect();
    for deal in deals {
        let figures = deal.figures()?;
        let current = deal.ending().is_none().then(|| deal.stage());
        for time in figures.stages {
            let Some(row) = rows.iter_mut().find(|r| r.stage == time.stage) else {
                continue;
            };
            let sl = deal.levels.stage(time.stage);
            row.points.push(StagePoint {
                deal: deal.id().clone(),
                elapsed: time.elapsed,
                current: current == Some(time.stage),
                service_level_days: sl,
                light: Light::of(time.elapsed, sl, settings.amber_share),
            });
        }
    }
    for row in &mut rows {
        // Deal ids are unique in a snapshot: a total order, independent of the logs' order.
        row.points.sort_by(|a, b| a.deal.cmp(&b.deal));
        let levels: BTreeSet<u32> = row
            .points
            .iter()
            .filter_map(|p| p.service_level_days)
            .collect();
        row.service_levels = levels.into_iter().collect();
        row.days = Durations::of(row.points.iter().map(|p| p.elapsed.seconds).collect())?;
        row.over = count(row.points.iter().filter(|p| p.light == Light::Red).count())?;
        row.near = count(
            row.points
                .iter()
                .filter(|p| p.light == Light::Amber)
                .count(),
        )?;
    }
    Ok(rows)
}
