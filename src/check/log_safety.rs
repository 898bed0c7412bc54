//! Safety of a replicated log, judged from what the replicas said they
//! committed and applied (in the manner of TigerBeetle's state checker).
//!
//! Two properties, for any protocol that replicates a log (Raft, Multi-Paxos,
//! ZAB, primary-backup):
//! - *committed agreement*: no index is ever committed (or applied, which
//!   implies committed) with two different commands, by any two replicas at any
//!   two times. Epochs may differ — a Multi-Paxos slot can be chosen again in a
//!   later ballot — the command may not.
//! - *applied prefix*: every replica applies a prefix of one common sequence:
//!   index after index, without holes, each index with the command every other
//!   replica applied there. A replica that restarts and applies again from an
//!   earlier index is fine; one that lags behind is fine.
//!
//! The input is a list of [`LogObservation`]s in trace order. Entries a
//! replica appended but never committed are not observations, so a suffix that
//! was truncated before it committed is, rightly, never judged.
//!
//! A replica that installs a snapshot ([`Observed::Installed`]) jumps ahead
//! without applying the entries in between: its applied sequence continues
//! after the snapshot's last index. A snapshot holds only committed state, so
//! one covering an index that no replica had committed or applied by then is
//! reported; any other jump is a hole.

use super::{CheckKind, CheckReport};
use crate::ids::NodeId;
use crate::replication::log::{Epoch, LogIndex};
use crate::time::Time;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// What a replica said about an index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Observed {
    /// It learned that the index is committed (chosen).
    Committed,
    /// It applied the index to its state machine.
    Applied,
    /// It installed a snapshot of the state machine up to the index (its
    /// `command` is not compared: a snapshot carries state, not the entry).
    Installed,
}

impl Observed {
    fn verb(self) -> &'static str {
        match self {
            Observed::Committed => "committed",
            Observed::Applied => "applied",
            Observed::Installed => "installed a snapshot up to",
        }
    }
}

/// One replica's statement about one log index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogObservation<C> {
    pub at: Time,
    pub node: NodeId,
    pub what: Observed,
    pub index: LogIndex,
    /// The epoch (term, view, ballot) of the entry, for the evidence.
    pub epoch: Epoch,
    /// The command, or a digest of it: anything that compares and prints.
    pub command: C,
}

/// At most this many conflicting indices are described one by one.
const CONFLICTS_SHOWN: usize = 10;

/// Checks committed agreement and the applied prefix over `observations`
/// (in trace order). `name` gives a node's name for the evidence.
pub fn log_safety<C: PartialEq + fmt::Display>(
    observations: &[LogObservation<C>],
    name: &dyn Fn(NodeId) -> String,
) -> CheckReport {
    let describe = |o: &LogObservation<C>| {
        format!(
            "{} {} {} (epoch {}) at t={}",
            name(o.node),
            o.what.verb(),
            o.command,
            o.epoch,
            o.at
        )
    };
    let mut evidence = Vec::new();

    // Committed agreement: one command per index, whoever said it, whenever.
    let mut first_at: BTreeMap<LogIndex, &LogObservation<C>> = BTreeMap::new();
    let mut conflicting: BTreeSet<LogIndex> = BTreeSet::new();
    for o in observations
        .iter()
        .filter(|o| o.what != Observed::Installed)
    {
        let first = *first_at.entry(o.index).or_insert(o);
        // `insert` is true the first time an index conflicts: one line per index.
        if first.command != o.command
            && conflicting.insert(o.index)
            && conflicting.len() <= CONFLICTS_SHOWN
        {
            evidence.push(format!(
                "{} committed with two commands: {}; {}",
                o.index,
                describe(first),
                describe(o)
            ));
        }
    }
    if conflicting.len() > CONFLICTS_SHOWN {
        evidence.push(format!(
            "... and {} more indices committed with two commands",
            conflicting.len() - CONFLICTS_SHOWN
        ));
    }

    // Applied prefix: each replica applies the common sequence, in order,
    // without holes. Reported once per replica, at its first divergence.
    let mut common: BTreeMap<LogIndex, &LogObservation<C>> = BTreeMap::new();
    let mut next_to_apply: BTreeMap<NodeId, LogIndex> = BTreeMap::new();
    let mut diverged: BTreeSet<NodeId> = BTreeSet::new();
    let mut known: BTreeSet<LogIndex> = BTreeSet::new();
    for o in observations {
        if o.what != Observed::Installed {
            known.insert(o.index);
        }
        if o.what == Observed::Committed {
            continue;
        }
        if diverged.contains(&o.node) {
            continue;
        }
        if o.what == Observed::Installed {
            // The state up to o.index replaces what was applied; the sequence
            // continues after it.
            if !known.contains(&o.index) {
                diverged.insert(o.node);
                evidence.push(format!(
                    "{} installed a snapshot up to {} (epoch {}) at t={}, but no replica had \
                     committed {} by then",
                    name(o.node),
                    o.index,
                    o.epoch,
                    o.at,
                    o.index
                ));
                continue;
            }
            next_to_apply.insert(o.node, o.index.next());
            continue;
        }
        let next = next_to_apply
            .get(&o.node)
            .copied()
            .unwrap_or(LogIndex::FIRST);
        // A lower index than expected is a restart applying its log again.
        if o.index > next {
            diverged.insert(o.node);
            evidence.push(format!(
                "{}'s applied sequence has a hole: {}, but it had not applied {}",
                name(o.node),
                describe(o),
                next
            ));
            continue;
        }
        next_to_apply.insert(o.node, o.index.next());
        let first = *common.entry(o.index).or_insert(o);
        if first.command != o.command {
            diverged.insert(o.node);
            evidence.push(format!(
                "{}'s applied sequence diverges at {}: {}; before that, {}",
                name(o.node),
                o.index,
                describe(o),
                describe(first)
            ));
        }
    }

    CheckReport::from_evidence(CheckKind::LogSafety, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckVerdict as Verdict;
    use crate::history::{Action, Input, RegisterOp};
    use crate::ids::{ClientId, RequestId};
    use crate::replication::apply::{ClientCommand, Command};

    fn name(n: NodeId) -> String {
        format!("n{}", n.0 + 1)
    }

    fn seen(
        t: u64,
        node: u32,
        what: Observed,
        index: u64,
        epoch: u64,
        command: &'static str,
    ) -> LogObservation<&'static str> {
        LogObservation {
            at: Time(t),
            node: NodeId(node),
            what,
            index: LogIndex(index),
            epoch: Epoch(epoch),
            command,
        }
    }

    use Observed::{Applied, Committed, Installed};

    #[test]
    fn agreeing_replicas_pass() {
        let obs = vec![
            seen(1, 0, Committed, 1, 1, "a"),
            seen(2, 0, Applied, 1, 1, "a"),
            seen(3, 1, Applied, 1, 1, "a"),
            seen(4, 0, Committed, 2, 1, "b"),
            seen(5, 1, Applied, 2, 1, "b"),
            seen(6, 0, Applied, 2, 1, "b"),
        ];
        let result = log_safety(&obs, &name);
        assert_eq!(result.verdict, Verdict::Holds, "{:?}", result.evidence);
        assert!(result.evidence.is_empty());
    }

    #[test]
    fn a_divergent_commit_is_caught_with_both_observations() {
        // Two leaders of different epochs each committed their own #2.
        let obs = vec![
            seen(10, 0, Committed, 1, 1, "a"),
            seen(11, 0, Committed, 2, 1, "x"),
            seen(30, 2, Committed, 1, 2, "a"),
            seen(31, 2, Committed, 2, 2, "y"),
        ];
        let result = log_safety(&obs, &name);
        assert_eq!(result.verdict, Verdict::Violated);
        assert_eq!(
            result.evidence,
            vec![
                "#2 committed with two commands: n1 committed x (epoch 1) at t=11; \
                 n3 committed y (epoch 2) at t=31"
            ]
        );
    }

    #[test]
    fn a_truncated_never_committed_suffix_is_not_flagged() {
        // n1 led epoch 1 and appended #2 = "x", which never committed; n2 led
        // epoch 2, committed #2 = "y", and n1 truncated its "x" and applied "y".
        // Only commits and applications are observations: "x" never appears.
        let obs = vec![
            seen(5, 0, Committed, 1, 1, "a"),
            seen(5, 0, Applied, 1, 1, "a"),
            seen(40, 1, Committed, 2, 2, "y"),
            seen(41, 1, Applied, 1, 1, "a"),
            seen(41, 1, Applied, 2, 2, "y"),
            seen(50, 0, Applied, 2, 2, "y"),
        ];
        assert_eq!(log_safety(&obs, &name).verdict, Verdict::Holds);
    }

    #[test]
    fn a_lagging_replica_and_a_restarted_one_are_fine() {
        let obs = vec![
            seen(1, 0, Applied, 1, 1, "a"),
            seen(2, 0, Applied, 2, 1, "b"),
            seen(3, 0, Applied, 3, 1, "c"),
            seen(4, 1, Applied, 1, 1, "a"), // n2 lags at #1
            // n1 restarts and applies its log again from the start.
            seen(9, 0, Applied, 1, 1, "a"),
            seen(9, 0, Applied, 2, 1, "b"),
        ];
        assert_eq!(log_safety(&obs, &name).verdict, Verdict::Holds);
    }

    #[test]
    fn a_hole_in_an_applied_sequence_is_caught() {
        let obs = vec![
            seen(1, 0, Applied, 1, 1, "a"),
            seen(2, 0, Applied, 3, 1, "c"),
        ];
        let result = log_safety(&obs, &name);
        assert_eq!(result.verdict, Verdict::Violated);
        assert_eq!(
            result.evidence,
            vec![
                "n1's applied sequence has a hole: n1 applied c (epoch 1) at t=2, \
                 but it had not applied #2"
            ]
        );
    }

    #[test]
    fn the_first_divergence_of_each_replica_is_reported_once() {
        let obs = vec![
            seen(1, 0, Applied, 1, 1, "a"),
            seen(2, 0, Applied, 2, 1, "b"),
            seen(3, 0, Applied, 3, 1, "c"),
            seen(4, 1, Applied, 1, 1, "a"),
            seen(5, 1, Applied, 2, 2, "B"),
            seen(6, 1, Applied, 3, 2, "C"),
        ];
        let result = log_safety(&obs, &name);
        assert_eq!(result.verdict, Verdict::Violated);
        let divergences: Vec<&String> = result
            .evidence
            .iter()
            .filter(|line| line.contains("diverges"))
            .collect();
        assert_eq!(
            divergences,
            vec![
                "n2's applied sequence diverges at #2: n2 applied B (epoch 2) at t=5; \
                 before that, n1 applied b (epoch 1) at t=2"
            ]
        );
        // Both conflicting indices are reported by committed agreement.
        assert_eq!(
            result
                .evidence
                .iter()
                .filter(|line| line.contains("two commands"))
                .count(),
            2
        );
    }

    #[test]
    fn a_snapshot_install_continues_the_applied_sequence_after_it() {
        let base = vec![
            seen(1, 0, Applied, 1, 1, "a"),
            seen(2, 0, Applied, 2, 1, "b"),
            seen(3, 0, Applied, 3, 2, "c"),
            seen(4, 1, Applied, 1, 1, "a"),
            // n2 was away; the leader's snapshot replaces #1-3.
            seen(9, 1, Installed, 3, 2, "snapshot"),
            seen(10, 0, Applied, 4, 2, "d"),
        ];
        let mut fine = base.clone();
        fine.push(seen(11, 1, Applied, 4, 2, "d"));
        // A restart from the snapshot applies #4 again: fine too.
        fine.push(seen(20, 1, Applied, 4, 2, "d"));
        let result = log_safety(&fine, &name);
        assert_eq!(result.verdict, Verdict::Holds, "{:?}", result.evidence);

        // After the snapshot, another command at #4 is still a divergence...
        let mut diverging = base.clone();
        diverging.push(seen(11, 1, Applied, 4, 3, "X"));
        let result = log_safety(&diverging, &name);
        assert_eq!(result.verdict, Verdict::Violated);
        assert!(
            result
                .evidence
                .iter()
                .any(|line| line.contains("n2's applied sequence diverges at #4")),
            "{:?}",
            result.evidence
        );
        // ...and skipping #4 is still a hole.
        let mut hole = base;
        hole.push(seen(11, 1, Applied, 5, 2, "e"));
        let result = log_safety(&hole, &name);
        assert_eq!(result.verdict, Verdict::Violated);
        assert!(
            result.evidence[0].contains("n2's applied sequence has a hole"),
            "{:?}",
            result.evidence
        );
    }

    #[test]
    fn a_snapshot_of_an_uncommitted_index_is_caught() {
        let obs = vec![
            seen(1, 0, Applied, 1, 1, "a"),
            seen(2, 1, Installed, 2, 1, "snapshot"),
        ];
        let result = log_safety(&obs, &name);
        assert_eq!(result.verdict, Verdict::Violated);
        assert_eq!(
            result.evidence,
            vec![
                "n2 installed a snapshot up to #2 (epoch 1) at t=2, but no replica had \
                 committed #2 by then"
                    .to_string()
            ]
        );
        // Without a snapshot, jumping there is a hole.
        let jump = vec![
            seen(1, 0, Applied, 1, 1, "a"),
            seen(2, 0, Applied, 2, 1, "b"),
            seen(3, 1, Applied, 2, 1, "b"),
        ];
        let result = log_safety(&jump, &name);
        assert_eq!(result.verdict, Verdict::Violated);
    }

    #[test]
    fn many_conflicts_are_summarised() {
        let obs: Vec<_> = (1..=15)
            .flat_map(|i| {
                [
                    seen(i, 0, Committed, i, 1, "a"),
                    seen(i, 1, Committed, i, 2, "b"),
                ]
            })
            .collect();
        let result = log_safety(&obs, &name);
        assert_eq!(result.evidence.len(), CONFLICTS_SHOWN + 1);
        assert_eq!(
            result.evidence.last().map(String::as_str),
            Some("... and 5 more indices committed with two commands")
        );
    }

    #[test]
    fn works_over_replicated_commands() {
        let write = |request: u64, value: i64| {
            Command::Client(ClientCommand {
                client: ClientId(1),
                request: RequestId(request),
                input: Input::new("x", Action::Register(RegisterOp::Write(value))),
            })
        };
        let at = |t: u64, node: u32, index: u64, command: Command| LogObservation {
            at: Time(t),
            node: NodeId(node),
            what: Observed::Applied,
            index: LogIndex(index),
            epoch: Epoch(1),
            command,
        };
        let obs = vec![
            at(1, 0, 1, Command::Nop),
            at(2, 0, 2, write(1, 5)),
            at(3, 1, 1, Command::Nop),
            at(4, 1, 2, write(1, 6)),
        ];
        let result = log_safety(&obs, &name);
        assert_eq!(result.verdict, Verdict::Violated);
        assert!(
            result.evidence[0].contains("n1 applied c1 r1 write(x, 5)"),
            "{:?}",
            result.evidence
        );
    }
}
