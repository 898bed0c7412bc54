//! Raft's properties of the logs themselves (Figure 3), judged from the
//! `appended` and `snapshot_installed` facts in which a node states what its
//! log holds, with `leading` and `applied`/`committed`:
//!
//! - **Log matching**: if two logs contain an entry with the same index and
//!   term, the logs are identical in all entries up through that index. By
//!   induction on the index it is enough that every entry (index, term), in
//!   any log at any time, follows an entry of one and the same term: then the
//!   entries before it agree one by one down to the start.
//! - **Leader completeness**: an entry committed in a term is present in the
//!   logs of the leaders of every later term. A commit is known from the first
//!   `applied` (or `committed`) fact for its index; it happened in a term no
//!   higher than the highest term anyone had begun leading by then, so every
//!   leader of a term above that must hold the entry when it begins leading.
//!   An index a node's snapshot covers counts as held (a snapshot holds only
//!   committed entries; the log-safety check compares their commands).

use super::{CheckKind, CheckReport};
use crate::fact::{Fact, FactRecord};
use crate::ids::NodeId;
use crate::time::Time;
use std::collections::BTreeMap;

/// At most this many violations are described one by one.
const SHOWN: usize = 10;

/// Checks that every (index, term) follows an entry of a single term, in all
/// logs at all times.
pub fn log_matching(facts: &[FactRecord], name: &dyn Fn(NodeId) -> String) -> CheckReport {
    // (index, term) → the term before it, and who first held it so, when.
    let mut before: BTreeMap<(u64, u64), (u64, &FactRecord)> = BTreeMap::new();
    let mut evidence = Vec::new();
    let mut violations = 0usize;
    for f in facts {
        let Fact::Appended {
            index,
            prev_epoch,
            epochs,
        } = &f.fact
        else {
            continue;
        };
        let mut prev = *prev_epoch;
        for (k, &epoch) in (0u64..).zip(epochs) {
            let at = index + k;
            let (first_prev, first) = *before.entry((at, epoch)).or_insert((prev, f));
            if first_prev != prev {
                violations += 1;
                if violations <= SHOWN {
                    evidence.push(format!(
                        "#{at} of term {epoch} follows an entry of term {first_prev} in {}'s log \
                         (t={}) but one of term {prev} in {}'s (t={}): the two logs hold the \
                         same entry and differ before it",
                        name(first.node),
                        first.t,
                        name(f.node),
                        f.t
                    ));
                }
            }
            prev = epoch;
        }
    }
    if violations > SHOWN {
        evidence.push(format!("... and {} more", violations - SHOWN));
    }
    CheckReport::from_evidence(CheckKind::LogMatching, evidence)
}

/// What a node's log holds at an index, as its facts said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Held {
    Entry(u64),
    /// Inside a snapshot (committed state, its terms forgotten).
    Snapshot,
}

/// A node's log as its facts state it, and when it last changed.
#[derive(Default)]
struct StatedLog {
    /// Index i at position i - 1.
    held: Vec<Held>,
    changed: Option<Time>,
}

impl StatedLog {
    fn at(&self, index: u64) -> Option<Held> {
        let position = usize::try_from(index.checked_sub(1)?).ok()?;
        self.held.get(position).copied()
    }

    fn apply(&mut self, t: Time, fact: &Fact) {
        match fact {
            Fact::Appended { index, epochs, .. } => {
                let keep = usize::try_from(index.saturating_sub(1)).unwrap_or(usize::MAX);
                self.held.truncate(keep);
                // A log restored after a snapshot starts past what this model
                // knew: the gap is the snapshot's.
                self.held.resize(keep, Held::Snapshot);
                self.held.extend(epochs.iter().map(|&e| Held::Entry(e)));
            }
            Fact::SnapshotInstalled { index, epoch } => {
                let keeps_suffix = self.at(*index) == Some(Held::Entry(*epoch));
                let upto = usize::try_from(*index).unwrap_or(usize::MAX);
                if !keeps_suffix {
                    self.held.truncate(upto);
                }
                self.held.resize(self.held.len().max(upto), Held::Snapshot);
                for h in self.held.iter_mut().take(upto) {
                    *h = Held::Snapshot;
                }
            }
            _ => return,
        }
        self.changed = Some(t);
    }
}

/// The first commit known for an index.
struct Commit<'f> {
    epoch: u64,
    record: &'f FactRecord,
    /// The highest term begun by any leader when it was known: the commit
    /// happened in this term or an earlier one.
    bound: u64,
}

/// Checks that each leader, when it begins leading, holds every entry
/// committed in an earlier term.
pub fn leader_completeness(facts: &[FactRecord], name: &dyn Fn(NodeId) -> String) -> CheckReport {
    let mut logs: BTreeMap<NodeId, StatedLog> = BTreeMap::new();
    let mut committed: BTreeMap<u64, Commit> = BTreeMap::new();
    let mut highest_led = 0u64;
    let mut evidence = Vec::new();
    let mut violations = 0usize;
    for f in facts {
        match &f.fact {
            Fact::Appended { .. } | Fact::SnapshotInstalled { .. } => {
                logs.entry(f.node).or_default().apply(f.t, &f.fact);
            }
            Fact::Applied { index, epoch, .. } | Fact::Committed { index, epoch, .. } => {
                committed.entry(*index).or_insert(Commit {
                    epoch: *epoch,
                    record: f,
                    bound: highest_led,
                });
            }
            Fact::Leading { epoch } => {
                highest_led = highest_led.max(*epoch);
                let log = logs.entry(f.node).or_default();
                for (&index, c) in committed.iter().filter(|(_, c)| *epoch > c.bound) {
                    let holds = match log.at(index) {
                        Some(Held::Entry(e)) => e == c.epoch,
                        Some(Held::Snapshot) => true,
                        None => false,
                    };
                    if holds {
                        continue;
                    }
                    violations += 1;
                    if violations > SHOWN {
                        continue;
                    }
                    let has = match log.at(index) {
                        Some(Held::Entry(e)) => format!("holds term {e} there"),
                        _ => format!("ends at #{}", log.held.len()),
                    };
                    let since = log
                        .changed
                        .map_or(String::from("nothing appended"), |t| format!("as of t={t}"));
                    evidence.push(format!(
                        "#{index} (term {}) was committed by t={} ({} applied it, while the \
                         highest term led was {}); {} began leading term {epoch} at t={} without \
                         it: its log {has} ({since})",
                        c.epoch,
                        c.record.t,
                        name(c.record.node),
                        c.bound,
                        name(f.node),
                        f.t
                    ));
                }
            }
            _ => {}
        }
    }
    if violations > SHOWN {
        evidence.push(format!("... and {} more", violations - SHOWN));
    }
    CheckReport::from_evidence(CheckKind::LeaderCompleteness, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckVerdict;

    fn at(t: u64, node: u32, fact: Fact) -> FactRecord {
        FactRecord {
            t: Time(t),
            node: NodeId(node),
            fact,
        }
    }

    fn appended(t: u64, node: u32, index: u64, prev_epoch: u64, epochs: &[u64]) -> FactRecord {
        at(
            t,
            node,
            Fact::Appended {
                index,
                prev_epoch,
                epochs: epochs.to_vec(),
            },
        )
    }

    fn leading(t: u64, node: u32, epoch: u64) -> FactRecord {
        at(t, node, Fact::Leading { epoch })
    }

    fn applied(t: u64, node: u32, index: u64, epoch: u64) -> FactRecord {
        at(
            t,
            node,
            Fact::Applied {
                index,
                epoch,
                command: "nop".into(),
                request: None,
            },
        )
    }

    fn name(n: NodeId) -> String {
        format!("S{}", n.0 + 1)
    }

    /// Figure 7's leader and follower (f): they share #1-3 (term 1) and
    /// nothing after; a follower repaired by truncation takes the leader's.
    #[test]
    fn logs_that_agree_where_they_share_an_entry_match() {
        let facts = vec![
            appended(1, 0, 1, 0, &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6]),
            appended(1, 1, 1, 0, &[1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3]),
            // (f) repaired: #4 on replaced by the leader's entries.
            appended(9, 1, 4, 1, &[4, 4, 5, 5, 6, 6, 6]),
            // A restart states the whole log again.
            appended(12, 1, 1, 0, &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6]),
        ];
        let report = log_matching(&facts, &name);
        assert_eq!(report.verdict, CheckVerdict::Holds, "{:?}", report.evidence);
    }

    /// keep-conflict's shape: S2 keeps its term-2 entry at #2 and appends the
    /// leader's term-3 entry #3 after it; S1 holds #3 of term 3 after term 3.
    #[test]
    fn the_same_entry_after_different_terms_is_reported_with_both_logs() {
        let facts = vec![
            appended(1, 0, 1, 0, &[1, 3, 3]),
            appended(2, 1, 1, 0, &[1, 2]),
            appended(5, 1, 3, 2, &[3]),
        ];
        let report = log_matching(&facts, &name);
        assert_eq!(report.verdict, CheckVerdict::Violated);
        assert_eq!(
            report.evidence,
            vec![
                "#3 of term 3 follows an entry of term 3 in S1's log (t=1) but one of term 2 \
                 in S2's (t=5): the two logs hold the same entry and differ before it"
                    .to_string()
            ]
        );
    }

    /// Figure 8 (d1) after commit-old-term's (c): #2 (term 2) was committed
    /// while term 4 was the highest led; S5 leads term 5 with term 3 at #2.
    #[test]
    fn a_later_leader_without_a_committed_entry_is_reported() {
        let facts = vec![
            leading(1, 0, 2),
            appended(1, 0, 1, 0, &[1, 2]),
            appended(3, 4, 1, 0, &[1, 3]),
            leading(5, 0, 4),
            applied(7, 0, 2, 2),
            leading(9, 4, 5),
        ];
        let report = leader_completeness(&facts, &name);
        assert_eq!(report.verdict, CheckVerdict::Violated);
        assert_eq!(
            report.evidence,
            vec![
                "#2 (term 2) was committed by t=7 (S1 applied it, while the highest term led \
                 was 4); S5 began leading term 5 at t=9 without it: its log holds term 3 there \
                 (as of t=3)"
                    .to_string()
            ]
        );
    }

    /// The same, with the correct rule: #2 is not applied at (c), so S5 may
    /// lead term 5; and a leader of a term not above the bound is not judged.
    #[test]
    fn leaders_holding_what_was_committed_before_them_are_complete() {
        let facts = vec![
            leading(1, 0, 2),
            appended(1, 0, 1, 0, &[1, 2]),
            appended(2, 1, 1, 0, &[1, 2]),
            applied(3, 0, 1, 1),
            appended(3, 4, 1, 0, &[1, 3]),
            leading(5, 0, 4),
            leading(9, 4, 5),
            // Committed while term 5 was the highest: a late leader of term
            // 4 (elected by stale voters) is not bound to hold it.
            applied(10, 4, 2, 3),
            leading(11, 1, 4),
            // A snapshot covering #2 counts as holding it.
            at(12, 2, Fact::SnapshotInstalled { index: 2, epoch: 3 }),
            leading(13, 2, 6),
        ];
        let report = leader_completeness(&facts, &name);
        assert_eq!(report.verdict, CheckVerdict::Holds, "{:?}", report.evidence);
        // S2 leading term 6 with its old log would not be.
        let mut bad = facts.clone();
        bad.push(leading(14, 1, 6));
        let report = leader_completeness(&bad, &name);
        assert_eq!(report.verdict, CheckVerdict::Violated);
        assert!(
            report.evidence[0].contains("S2 began leading term 6"),
            "{:?}",
            report.evidence
        );
    }

    /// A snapshot install replaces the log up to its index: with the entry
    /// there held (Figure 13 rule 6) the suffix stays and a leader holding a
    /// committed entry in it is complete; without (rule 7) the suffix is gone,
    /// and a leader that lost a committed entry with it is reported.
    #[test]
    fn a_snapshot_install_keeps_or_discards_the_suffix_as_figure_13_says() {
        let base = vec![
            leading(1, 0, 2),
            appended(1, 0, 1, 0, &[1, 2, 2]),
            appended(2, 1, 1, 0, &[1, 2, 2]),
            applied(3, 0, 3, 2),
        ];
        let mut keeps = base.clone();
        keeps.push(at(5, 1, Fact::SnapshotInstalled { index: 2, epoch: 2 }));
        keeps.push(leading(6, 1, 3));
        let report = leader_completeness(&keeps, &name);
        assert_eq!(report.verdict, CheckVerdict::Holds, "{:?}", report.evidence);
        assert_eq!(
            log_matching(&keeps, &name).verdict,
            CheckVerdict::Holds,
            "an install states no entries"
        );

        let mut discards = base;
        discards.push(at(5, 1, Fact::SnapshotInstalled { index: 2, epoch: 1 }));
        discards.push(leading(6, 1, 3));
        let report = leader_completeness(&discards, &name);
        assert_eq!(report.verdict, CheckVerdict::Violated);
        assert!(
            report.evidence[0].contains("S2 began leading term 3")
                && report.evidence[0].contains("ends at #2"),
            "{:?}",
            report.evidence
        );
    }

    /// After an install, entries appended after the snapshot's last index
    /// follow its term; one that follows another term where a log holds the
    /// same entry is still a log-matching violation.
    #[test]
    fn log_matching_after_a_snapshot_still_catches_a_mismatch() {
        let facts = vec![
            appended(1, 0, 1, 0, &[1, 1, 2, 2]),
            at(4, 1, Fact::SnapshotInstalled { index: 2, epoch: 1 }),
            appended(5, 1, 3, 1, &[2, 2]),
        ];
        assert_eq!(log_matching(&facts, &name).verdict, CheckVerdict::Holds);
        let mut bad = facts;
        bad.push(appended(9, 2, 3, 3, &[2]));
        assert_eq!(log_matching(&bad, &name).verdict, CheckVerdict::Violated);
    }
}
