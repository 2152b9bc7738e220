//! The service levels and closure periods of one process version, as the lights and what is due
//! read them.

use ltc_pipeline::objects_only;
use ltc_pipeline::{GateKind, Process, ProcessRef, StageKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a process version says about how long things may take: the service level of each stage
/// and gate, the closure reminders and the inactivity period after which a contract may be closed
/// by force.
///
/// Each deal is read against the levels of the version it runs under (its pinned version, or the
/// one it was migrated to), never against another deal's.
///
/// ```
/// use ltc_analytics::ServiceLevels;
/// use ltc_pipeline::{GateKind, Process, StageKind};
/// let levels = ServiceLevels::of(&Process::standard());
/// assert_eq!(levels.process.to_string(), "standard@1");
/// assert_eq!(levels.stage(StageKind::Captured), Some(7));
/// assert_eq!(levels.gate(GateKind::OpportunityApproval), Some(5));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct ServiceLevels {
    /// The process version these come from.
    pub process: ProcessRef,
    /// Days a deal may stay in each stage that has a service level.
    pub stages: BTreeMap<StageKind, u32>,
    /// Days a convened gate may stay undecided, for each gate that has a service level.
    pub gates: BTreeMap<GateKind, u32>,
    /// Contract ages, in days since signature, at which closing it is suggested.
    pub closure_reminder_days: Vec<u32>,
    /// Days without an event after which a signed contract may be closed by force.
    pub forced_closure_after_days: u32,
}

objects_only!(ServiceLevels);

impl ServiceLevels {
    /// The levels `process` sets.
    pub fn of(process: &Process) -> Self {
        let definition = process.definition();
        Self {
            process: process.reference().clone(),
            stages: definition.stage_service_levels.clone(),
            gates: process
                .policies()
                .filter_map(|p| Some((p.gate, p.service_level_days?)))
                .collect(),
            closure_reminder_days: definition.closure_reminder_days.clone(),
            forced_closure_after_days: definition.forced_closure_after_days,
        }
    }

    /// The service level of `stage`, in days, if the process sets one.
    pub fn stage(&self, stage: StageKind) -> Option<u32> {
        self.stages.get(&stage).copied()
    }

    /// The service level of `gate`, in days, if the process sets one.
    pub fn gate(&self, gate: GateKind) -> Option<u32> {
        self.gates.get(&gate).copied()
    }
}
