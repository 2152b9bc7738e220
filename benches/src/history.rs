//! Deals with a long history of one kind (invoices, milestones, conditions, stints, reworks), and
//! the next commands of that kind, for measuring what a command costs as the history grows.

use crate::fixtures;
use chrono::{DateTime, Duration, Utc};
use ltc_pipeline::strategies::Step;
use ltc_pipeline::{
    Command, ConditionSpec, Currency, Deal, Error, GateKind, Money, PersonId, Process, Role,
};
use rust_decimal::Decimal;

/// What the history is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Invoices of 1.00 on a signed contract, each paid.
    Invoices,
    /// Milestones added, delivered and accepted.
    Milestones,
    /// Conditions of a solution review, open; the next command closes one.
    Conditions,
    /// People joining the team and leaving it.
    Stints,
    /// Solution reviews sent back for rework.
    Reworks,
}

impl Family {
    /// Every family, in the order the benchmark shows them.
    pub const ALL: [Family; 5] = [
        Family::Invoices,
        Family::Milestones,
        Family::Conditions,
        Family::Stints,
        Family::Reworks,
    ];

    /// The family's name in benchmark ids.
    pub fn name(self) -> &'static str {
        match self {
            Family::Invoices => "invoices",
            Family::Milestones => "milestones",
            Family::Conditions => "conditions",
            Family::Stints => "stints",
            Family::Reworks => "reworks",
        }
    }
}

/// A deal with `n` items of `family` in its history, ready for [`History::next`].
#[derive(Debug, Clone)]
pub struct History {
    /// The deal.
    pub deal: Deal,
    family: Family,
    n: usize,
    /// Conditions closed by [`History::next`].
    closed: usize,
    at: DateTime<Utc>,
    /// The steps of one solution review sent back for rework (for [`Family::Reworks`]).
    rework: Vec<Step>,
    /// The steps of the solution review that approves the deal (with conditions).
    approve: Vec<Step>,
    currency: Currency,
}

fn step(actor: &str, at: DateTime<Utc>, command: Command) -> Step {
    Step {
        actor: PersonId::new(actor),
        at,
        command,
    }
}

/// The script's steps before the first step `stop` accepts.
fn prefix(stop: impl Fn(&Command) -> bool) -> Vec<Step> {
    fixtures::script()
        .into_iter()
        .take_while(|s| !stop(&s.command))
        .collect()
}

fn is_review(command: &Command) -> bool {
    matches!(
        command,
        Command::ConveneGate {
            gate: GateKind::SolutionReview,
            ..
        }
    )
}

impl History {
    /// A deal under `process` (the standard one) with `n` items of `family`.
    ///
    /// # Errors
    /// A refusal by the engine (never, for the standard process).
    pub fn new(family: Family, n: usize) -> Result<Self, Error> {
        let process = Process::standard();
        let steps = match family {
            Family::Invoices | Family::Milestones => {
                prefix(|c| matches!(c, Command::AddMilestone { .. }))
            }
            Family::Conditions | Family::Stints | Family::Reworks => prefix(is_review),
        };
        let at = steps.last().map_or(DateTime::<Utc>::MIN_UTC, |s| s.at) + Duration::days(1);
        // The script's first solution review is sent back for rework, its second approved with
        // a condition: the steps of each, from its convening to its decision.
        let script = fixtures::script();
        let mut reviews = script
            .iter()
            .enumerate()
            .filter(|(_, s)| is_review(&s.command))
            .map(|(i, _)| {
                let block: Vec<Step> = script.iter().skip(i).cloned().collect();
                let end = block
                    .iter()
                    .position(|s| matches!(s.command, Command::RecordDecision { .. }))
                    .map_or(block.len(), |p| p + 1);
                block.into_iter().take(end).collect::<Vec<Step>>()
            });
        let rework = reviews.next().unwrap_or_default();
        let approve = reviews.next().unwrap_or_default();
        let (deal, _) = fixtures::execute(&process, "H-1", &steps)?;
        let mut history = Self {
            deal,
            family,
            n: 0,
            closed: 0,
            at,
            rework,
            approve,
            currency: Currency::new("EUR")?,
        };
        if family == Family::Conditions {
            // One approval with `n` conditions, all open.
            let review = history.approve_with_conditions(n);
            history.run(&process, &review)?;
            history.n = n;
        } else {
            let steps = history.next(n);
            history.run(&process, &steps)?;
        }
        Ok(history)
    }

    /// Executes `steps` on the deal.
    ///
    /// # Errors
    /// The first refusal.
    pub fn run(&mut self, process: &Process, steps: &[Step]) -> Result<(), Error> {
        for s in steps {
            self.deal.execute(process, &s.command, &s.actor, s.at)?;
        }
        Ok(())
    }

    /// The steps of the solution review approved with `n` conditions, from its convening.
    pub fn approve_with_conditions(&self, n: usize) -> Vec<Step> {
        let mut steps: Vec<Step> = self
            .approve
            .iter()
            .map(|s| step(s.actor.as_str(), self.at, s.command.clone()))
            .collect();
        if let Some(Command::RecordDecision { conditions, .. }) =
            steps.last_mut().map(|s| &mut s.command)
        {
            *conditions = (0..n)
                .map(|i| ConditionSpec {
                    id: format!("C-{i}").into(),
                    text: "check".into(),
                    due: None,
                })
                .collect();
        }
        steps
    }

    /// The steps that add `k` more items of the family (for conditions: close `k` of the open
    /// ones), continuing the numbering.
    pub fn next(&mut self, k: usize) -> Vec<Step> {
        let at = self.at;
        let one = Money {
            amount: Decimal::ONE,
            currency: self.currency,
        };
        let mut steps = Vec::new();
        for i in self.n..self.n + k {
            match self.family {
                Family::Invoices => {
                    steps.push(step(
                        "ana",
                        at,
                        Command::IssueInvoice {
                            id: format!("INV-{i}").into(),
                            amount: one,
                            due: None,
                        },
                    ));
                    steps.push(step(
                        "ana",
                        at,
                        Command::RecordPayment {
                            id: format!("PAY-{i}").into(),
                            invoice: format!("INV-{i}").into(),
                            amount: one,
                        },
                    ));
                }
                Family::Milestones => {
                    let id = || format!("M-{i}").into();
                    steps.push(step(
                        "fred",
                        at,
                        Command::AddMilestone {
                            id: id(),
                            title: "a delivery".into(),
                        },
                    ));
                    steps.push(step("fred", at, Command::DeliverMilestone { id: id() }));
                    steps.push(step("fred", at, Command::AcceptMilestone { id: id() }));
                }
                Family::Conditions => steps.push(step(
                    "sam",
                    at,
                    Command::CloseCondition {
                        id: format!("C-{}", self.closed + i.saturating_sub(self.n)).into(),
                        note: "done".into(),
                    },
                )),
                Family::Stints => {
                    let person = PersonId::new(format!("p-{i}"));
                    steps.push(step(
                        "ops",
                        at,
                        Command::AddMember {
                            person: person.clone(),
                            role: Role::fr(),
                            involvement: Decimal::ONE,
                        },
                    ));
                    steps.push(step(
                        "ops",
                        at,
                        Command::RemoveMember {
                            person,
                            role: Role::fr(),
                            closure_recommendation: None,
                        },
                    ));
                }
                Family::Reworks => {
                    steps.extend(
                        self.rework
                            .iter()
                            .map(|s| step(s.actor.as_str(), at, s.command.clone())),
                    );
                }
            }
        }
        if self.family == Family::Conditions {
            self.closed += k;
        } else {
            self.n += k;
        }
        steps
    }

    /// How many items of the family the history holds.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether the history holds none.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }
}

/// Copies of `base` used in turn, each until `step` items at a time have moved it by a tenth of
/// `n` (at least one step), so that a deal measured again and again keeps a depth of about `n`.
///
/// The copies used up are kept until the `Copies` is dropped, after the timed runs: freeing a
/// deal of 30,000 records between two timed runs would have the allocator tidy its free lists
/// inside the next one, which measures the benchmark, not the command.
#[derive(Debug)]
pub struct Copies<T> {
    base: T,
    current: T,
    spent: Vec<T>,
    added: usize,
    budget: usize,
    step: usize,
}

impl<T: Clone> Copies<T> {
    /// Copies of `base` (of `n` items), moved by `step` items a run.
    pub fn new(base: T, n: usize, step: usize) -> Self {
        Self {
            current: base.clone(),
            base,
            spent: Vec::new(),
            added: 0,
            budget: (n / 10).max(step),
            step,
        }
    }

    /// The copy for the next run (a fresh one once the current has moved by its budget), and
    /// how many items it has already been moved by.
    pub fn take(&mut self) -> (&mut T, usize) {
        if self.added + self.step > self.budget {
            let fresh = self.base.clone();
            self.spent.push(std::mem::replace(&mut self.current, fresh));
            self.added = 0;
        }
        let added = self.added;
        self.added += self.step;
        (&mut self.current, added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_are_replaced_once_moved_by_a_tenth() {
        let mut copies = Copies::new(0u32, 100, 3);
        let mut seen = Vec::new();
        for _ in 0..5 {
            let (copy, added) = copies.take();
            *copy += 1;
            seen.push((*copy, added));
        }
        // A budget of 10 items: three runs of 3 on the first copy, then a fresh one.
        assert_eq!(seen, [(1, 0), (2, 3), (3, 6), (1, 0), (2, 3)]);
        assert_eq!(copies.spent.len(), 1);
    }

    #[test]
    fn every_family_builds_and_takes_its_next_commands() -> Result<(), Error> {
        let process = Process::standard();
        for family in Family::ALL {
            let mut history = History::new(family, 20)?;
            assert_eq!(history.len(), 20, "{}", family.name());
            let version = history.deal.version();
            let next = history.next(3);
            assert!(!next.is_empty());
            history.run(&process, &next)?;
            assert_eq!(history.deal.version(), version + next.len() as u64);
        }
        Ok(())
    }

    #[test]
    fn the_histories_hold_what_they_say() -> Result<(), Error> {
        let invoices = History::new(Family::Invoices, 7)?;
        let contract = invoices
            .deal
            .contract()
            .map(|c| (c.invoices.len(), c.cash.len()));
        assert_eq!(contract, Some((7, 7)));
        let conditions = History::new(Family::Conditions, 9)?;
        assert_eq!(conditions.deal.conditions().len(), 9);
        let stints = History::new(Family::Stints, 5)?;
        // The script's own members, then 5 joined and left.
        assert_eq!(
            stints
                .deal
                .team()
                .stints()
                .iter()
                .filter(|s| s.left.is_some())
                .count(),
            5
        );
        let reworks = History::new(Family::Reworks, 4)?;
        assert_eq!(reworks.deal.attempts(GateKind::SolutionReview), 4);
        Ok(())
    }
}
