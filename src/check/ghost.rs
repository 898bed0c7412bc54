//! Ghost reappearance ("幽灵复现", seed 002): a write whose client got no answer
//! is missing from a read served under a later leader, then shows up again in a
//! later read. See docs/ghost.md for the three rounds and why a linearizable
//! history can still contain one.
//!
//! Defined on `append` and `set` histories (every written element is unique, so
//! "the read contains W" is exact), joined with two facts a replicating
//! protocol records: the epoch (ballot, term, view) in which each write was
//! first stored by any node, and the epoch under which each read was served.
//!
//! A ghost is (W, R1, R2) on one key where
//! - W is indeterminate (`info`),
//! - R1 was invoked after W was (a read that ended, or even began, before W
//!   began cannot have missed it),
//! - R1 was served in a later epoch than the one W was first stored in,
//! - R1 (`ok`) does not contain W's element,
//! - R2 (`ok`), invoked after R1 completed, contains it.
//!
//! A slow write that becomes visible later in the same epoch is not a ghost (R1
//! is not in a later epoch), nor is a delayed request first stored after R1's
//! epoch began (W's first store is not earlier than R1's epoch), nor a write a
//! stale primary stores in an old epoch during a split brain after the newer
//! epoch already served R1 (R1 finished before W began: epochs alone would
//! call it a ghost, real time says it is not).
//!
//! External histories carry no epochs. The history-only form replaces the
//! epoch condition with timing: R1 was invoked after W's client gave up. A
//! merely slow write looks the same from the client side, so each hit is only a
//! "possible ghost (timing only)".

use crate::history::{Action, AppendOp, Completion, History, ModelKind, Operation, Output, SetOp};
use crate::ids::RequestId;
use std::collections::BTreeMap;
use std::fmt;

/// Epoch facts from a trace, keyed by operation id (the client request id).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EpochFacts {
    /// For each write: the epoch in which some node first stored it. Writes no
    /// node ever stored are absent (they cannot reappear).
    pub stored: BTreeMap<RequestId, u64>,
    /// For each read: the epoch under which it was served.
    pub served: BTreeMap<RequestId, u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// Established with the protocol's epoch facts.
    Epochs,
    /// From client-side timing alone: a slow write would look the same.
    TimingOnly,
}

/// One ghost: W, the read that missed it and the read that saw it again.
/// Operations are indices into `History::ops`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ghost {
    pub evidence: Evidence,
    pub write: usize,
    pub missing_read: usize,
    pub reappearing_read: usize,
    /// The epoch W was first stored in (with epoch facts).
    pub write_epoch: Option<u64>,
    /// The epochs R1 and R2 were served under (with epoch facts, when known).
    pub missing_read_epoch: Option<u64>,
    pub reappearing_read_epoch: Option<u64>,
}

impl Ghost {
    pub fn label(&self) -> &'static str {
        match self.evidence {
            Evidence::Epochs => "ghost",
            Evidence::TimingOnly => "possible ghost (timing only)",
        }
    }

    /// A few lines a person can read.
    pub fn describe(&self, history: &History) -> String {
        let epoch = |e: Option<u64>| e.map_or(String::new(), |e| format!(" [epoch {e}]"));
        format!(
            "{}: W {}{}\n  R1 {}{} misses it\n  R2 {}{} sees it again",
            self.label(),
            history.ops[self.write],
            epoch(self.write_epoch),
            history.ops[self.missing_read],
            epoch(self.missing_read_epoch),
            history.ops[self.reappearing_read],
            epoch(self.reappearing_read_epoch),
        )
    }
}

/// The ghost check applies to append and set histories only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotApplicable(pub ModelKind);

impl fmt::Display for NotApplicable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the ghost check needs an append or set history (unique elements); this is a {} history",
            self.0
        )
    }
}

/// Ghosts established with epoch facts, at most one per write (the read that
/// missed W and completed first, and the first read after it that saw W).
pub fn find_ghosts(history: &History, epochs: &EpochFacts) -> Result<Vec<Ghost>, NotApplicable> {
    search(history, Evidence::Epochs, |w, r1| {
        let stored = *epochs.stored.get(&w.id)?;
        let served = *epochs.served.get(&r1.id)?;
        (served > stored).then_some(())
    })
    .map(|ghosts| {
        ghosts
            .into_iter()
            .map(|g| Ghost {
                write_epoch: epochs.stored.get(&history.ops[g.write].id).copied(),
                missing_read_epoch: epochs.served.get(&history.ops[g.missing_read].id).copied(),
                reappearing_read_epoch: epochs
                    .served
                    .get(&history.ops[g.reappearing_read].id)
                    .copied(),
                ..g
            })
            .collect()
    })
}

/// Possible ghosts from timing alone: R1 invoked after W's client gave up.
/// A write still open at the end of the history has no give-up time and is
/// never a candidate.
pub fn find_possible_ghosts(history: &History) -> Result<Vec<Ghost>, NotApplicable> {
    search(history, Evidence::TimingOnly, |w, r1| {
        let gave_up = w.completion.time()?;
        (r1.invoked > gave_up).then_some(())
    })
}

/// The element a write adds.
fn written_element(op: &Operation) -> Option<u64> {
    match op.input.action {
        Action::Append(AppendOp::Append(e)) | Action::Set(SetOp::Add(e)) => Some(e),
        _ => None,
    }
}

/// Whether an `ok` read saw `element`; `None` for anything but an `ok` read.
fn read_contains(op: &Operation, element: u64) -> Option<bool> {
    match op.output()? {
        Output::List(xs) => Some(xs.contains(&element)),
        Output::Elements(xs) => Some(xs.binary_search(&element).is_ok()),
        Output::Done | Output::Register(_) | Output::Cas { .. } | Output::Text(_) => None,
    }
}

fn search(
    history: &History,
    evidence: Evidence,
    r1_qualifies: impl Fn(&Operation, &Operation) -> Option<()>,
) -> Result<Vec<Ghost>, NotApplicable> {
    if !matches!(history.kind, ModelKind::Append | ModelKind::Set) {
        return Err(NotApplicable(history.kind));
    }
    let mut ghosts = Vec::new();
    for (w, write) in history.ops.iter().enumerate() {
        let Some(element) = written_element(write) else {
            continue;
        };
        if !matches!(write.completion, Completion::Info { .. }) {
            continue;
        }
        let reads = || {
            history
                .ops
                .iter()
                .enumerate()
                .filter(|(_, r)| r.input.key == write.input.key)
                .filter_map(|(i, r)| Some((i, r, read_contains(r, element)?, r.completion.time()?)))
        };
        // If any R1 has a matching R2, the R1 that completed first does too
        // (every read invoked after a later completion is after this one).
        // R1 must begin after W began: a read over before W existed (or
        // already running when W began) cannot have missed it.
        let first_miss = reads()
            .filter(|(_, r, contains, _)| {
                !contains && r.invoked > write.invoked && r1_qualifies(write, r).is_some()
            })
            .min_by_key(|&(i, _, _, completed)| (completed, i));
        let Some((r1, _, _, r1_completed)) = first_miss else {
            continue;
        };
        let reappearance = reads()
            .filter(|(_, r, contains, _)| *contains && r.invoked > r1_completed)
            .min_by_key(|&(i, r, _, _)| (r.invoked, i));
        if let Some((r2, _, _, _)) = reappearance {
            ghosts.push(Ghost {
                evidence,
                write: w,
                missing_read: r1,
                reappearing_read: r2,
                write_epoch: None,
                missing_read_epoch: None,
                reappearing_read_epoch: None,
            });
        }
    }
    Ok(ghosts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::linearizability::{CheckOptions, Verdict, check_history};
    use crate::history::{HistoryBuilder, Input, Outcome};
    use crate::ids::ClientId;
    use crate::time::Time;

    fn append(e: u64) -> Input {
        Input::new("log", Action::Append(AppendOp::Append(e)))
    }
    fn read() -> Input {
        Input::new("log", Action::Append(AppendOp::Read))
    }

    /// Seed 002's three rounds, from the clients' side:
    /// - r1: append 1, answered (round 1, epoch 1);
    /// - r2: append 2, stored by round 1's leader in epoch 1; the client times out;
    /// - r3: read served in epoch 2 by the new leader: [1] (2 is missing);
    /// - r4: read in epoch 3, after the old leader re-confirmed its log: [1, 2].
    ///
    /// `delay_store` moves r2's first store to the given epoch.
    fn seed_002(stored_epoch_of_w: u64, r1_epoch: u64) -> (History, EpochFacts) {
        let mut b = HistoryBuilder::new(ModelKind::Append);
        let a = b
            .invoke(RequestId(1), ClientId(0), Time(0), append(1))
            .unwrap();
        b.complete(a, Time(5), Outcome::Ok(Output::Done)).unwrap();
        let w = b
            .invoke(RequestId(2), ClientId(0), Time(10), append(2))
            .unwrap();
        b.complete(w, Time(30), Outcome::Info).unwrap();
        let r1 = b
            .invoke(RequestId(3), ClientId(1), Time(40), read())
            .unwrap();
        b.complete(r1, Time(45), Outcome::Ok(Output::List(vec![1])))
            .unwrap();
        let r2 = b
            .invoke(RequestId(4), ClientId(1), Time(60), read())
            .unwrap();
        b.complete(r2, Time(65), Outcome::Ok(Output::List(vec![1, 2])))
            .unwrap();
        let h = b.finish();
        let facts = EpochFacts {
            stored: BTreeMap::from([(RequestId(1), 1), (RequestId(2), stored_epoch_of_w)]),
            served: BTreeMap::from([(RequestId(3), r1_epoch), (RequestId(4), 3)]),
        };
        (h, facts)
    }

    #[test]
    fn seed_002_ghost_is_flagged_although_linearizable() {
        let (h, facts) = seed_002(1, 2);
        let verdict = check_history(&h, ModelKind::Append, true, &CheckOptions::default())
            .unwrap()
            .verdict;
        assert_eq!(verdict, Verdict::Linearizable, "W may be placed after R1");
        let ghosts = find_ghosts(&h, &facts).unwrap();
        assert_eq!(ghosts.len(), 1);
        let g = &ghosts[0];
        assert_eq!((g.write, g.missing_read, g.reappearing_read), (1, 2, 3));
        assert_eq!(
            (
                g.write_epoch,
                g.missing_read_epoch,
                g.reappearing_read_epoch
            ),
            (Some(1), Some(2), Some(3))
        );
        assert_eq!(g.label(), "ghost");
        assert!(
            g.describe(&h)
                .contains("R1 r3 c1 read(log) [40, 45] -> [1]"),
            "{}",
            g.describe(&h)
        );
    }

    #[test]
    fn slow_write_visible_later_in_the_same_epoch_is_not_a_ghost() {
        // R1 served in epoch 1, the epoch W was stored in: W was just slow.
        let (h, facts) = seed_002(1, 1);
        assert!(find_ghosts(&h, &facts).unwrap().is_empty());
    }

    #[test]
    fn delayed_request_first_stored_after_r1_epoch_began_is_not_a_ghost() {
        // W reached a leader only in epoch 2 (the epoch R1 was served in).
        let (h, facts) = seed_002(2, 2);
        assert!(find_ghosts(&h, &facts).unwrap().is_empty());
        let (h, facts) = seed_002(3, 2);
        assert!(find_ghosts(&h, &facts).unwrap().is_empty());
    }

    /// A split brain: the new primary (epoch 2) serves R1 = [] first; only
    /// then does a client send W, which the stale primary still stores, in
    /// its old epoch 1; the client times out; after the heal R2 (epoch 3)
    /// sees W. Epochs alone make it look like a ghost (R1's epoch 2 is later
    /// than W's epoch 1), but R1 was over before W began.
    fn split_brain_stale_store(r1_invoked: u64, r1_completed: u64) -> (History, EpochFacts) {
        let mut b = HistoryBuilder::new(ModelKind::Append);
        let mut events = [
            (r1_invoked, 0, true),
            (r1_completed, 0, false),
            (10, 1, true),
            (30, 1, false),
        ];
        events.sort();
        let mut handles = [None, None];
        for (t, which, invoke) in events {
            match (which, invoke) {
                (0, true) => {
                    handles[0] = Some(
                        b.invoke(RequestId(1), ClientId(1), Time(t), read())
                            .unwrap(),
                    );
                }
                (0, false) => b
                    .complete(
                        handles[0].unwrap(),
                        Time(t),
                        Outcome::Ok(Output::List(vec![])),
                    )
                    .unwrap(),
                (_, true) => {
                    handles[1] = Some(
                        b.invoke(RequestId(2), ClientId(0), Time(t), append(2))
                            .unwrap(),
                    );
                }
                (_, false) => b
                    .complete(handles[1].unwrap(), Time(t), Outcome::Info)
                    .unwrap(),
            }
        }
        let r2 = b
            .invoke(RequestId(3), ClientId(1), Time(40), read())
            .unwrap();
        b.complete(r2, Time(45), Outcome::Ok(Output::List(vec![2])))
            .unwrap();
        let facts = EpochFacts {
            stored: BTreeMap::from([(RequestId(2), 1)]),
            served: BTreeMap::from([(RequestId(1), 2), (RequestId(3), 3)]),
        };
        (b.finish(), facts)
    }

    #[test]
    fn read_over_before_the_write_began_is_not_a_ghost() {
        let (h, facts) = split_brain_stale_store(0, 5);
        assert!(find_ghosts(&h, &facts).unwrap().is_empty());
        // Nor one that began before W and ended during it.
        let (h, facts) = split_brain_stale_store(5, 15);
        assert!(find_ghosts(&h, &facts).unwrap().is_empty());
        // The same epochs with R1 begun after W began: a ghost.
        let (h, facts) = split_brain_stale_store(12, 15);
        let ghosts = find_ghosts(&h, &facts).unwrap();
        assert_eq!(ghosts.len(), 1);
        assert_eq!(h.ops[ghosts[0].missing_read].id, RequestId(1));
    }

    #[test]
    fn history_only_form_flags_and_labels_the_timing_only_case() {
        let (h, _) = seed_002(1, 2);
        let ghosts = find_possible_ghosts(&h).unwrap();
        assert_eq!(ghosts.len(), 1);
        assert_eq!(ghosts[0].label(), "possible ghost (timing only)");
        assert_eq!(ghosts[0].evidence, Evidence::TimingOnly);
        assert!(
            ghosts[0]
                .describe(&h)
                .starts_with("possible ghost (timing only): W r2")
        );
    }

    #[test]
    fn history_only_form_needs_r1_after_the_client_gave_up() {
        // Same history but R1 is invoked while W's client is still waiting.
        let mut b = HistoryBuilder::new(ModelKind::Set);
        let add = |e| Input::new("s", Action::Set(SetOp::Add(e)));
        let rd = || Input::new("s", Action::Set(SetOp::Read));
        let w = b
            .invoke(RequestId(1), ClientId(0), Time(0), add(7))
            .unwrap();
        let r1 = b.invoke(RequestId(2), ClientId(1), Time(5), rd()).unwrap();
        b.complete(r1, Time(6), Outcome::Ok(Output::Elements(vec![])))
            .unwrap();
        b.complete(w, Time(10), Outcome::Info).unwrap();
        let r2 = b.invoke(RequestId(3), ClientId(1), Time(20), rd()).unwrap();
        b.complete(r2, Time(21), Outcome::Ok(Output::Elements(vec![7])))
            .unwrap();
        let h = b.finish();
        assert!(find_possible_ghosts(&h).unwrap().is_empty());
    }

    #[test]
    fn register_histories_are_not_applicable() {
        let h = HistoryBuilder::new(ModelKind::Register).finish();
        assert_eq!(
            find_possible_ghosts(&h),
            Err(NotApplicable(ModelKind::Register))
        );
    }
}
