//! Slots: a log with holes, as Multi-Paxos keeps it.
//!
//! Each slot runs its own instance of Paxos, so slots fill in any order and a
//! slot may be empty while later ones are chosen. Per slot this keeps
//! - the accepted proposal with the highest ballot ([`Accepted`]). An acceptor
//!   replaces its acceptance when it accepts in a later ballot; a new leader
//!   merging the acceptances reported in phase 1b keeps the highest per slot,
//!   because that is the value it must propose there (*Paxos Made Simple* §2.2);
//! - whether the slot is chosen, and with which command.
//!
//! The chosen slots without a hole from slot 1 on are what may be applied, so
//! the first unchosen slot is tracked. Slot numbers are [`LogIndex`]es, 1-based.
//!
//! Like the log, every change is returned as data ([`SlotWrite`]) so that a
//! protocol persists exactly what changed and recovers with [`Slots::apply`].

use crate::ballot::Ballot;
use crate::replication::log::LogIndex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A proposal accepted in a slot: the command and the ballot it was accepted in.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Accepted<C> {
    pub ballot: Ballot,
    pub command: C,
}

/// One durable change to [`Slots`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotWrite<C> {
    /// `slot` now holds this acceptance (replacing one of a lower ballot).
    Accept {
        slot: LogIndex,
        accepted: Accepted<C>,
    },
    /// `slot` is chosen with `command`.
    Choose { slot: LogIndex, command: C },
}

/// What one slot holds; both `None` is a hole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotView<'a, C> {
    pub slot: LogIndex,
    pub accepted: Option<&'a Accepted<C>>,
    pub chosen: Option<&'a C>,
}

impl<C> SlotView<'_, C> {
    pub fn is_hole(&self) -> bool {
        self.accepted.is_none() && self.chosen.is_none()
    }
}

/// Per-slot acceptances and chosen marks.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Slots<C> {
    accepted: BTreeMap<LogIndex, Accepted<C>>,
    chosen: BTreeMap<LogIndex, C>,
    /// The lowest slot not chosen: every slot below it is chosen.
    first_unchosen: LogIndex,
}

impl<C> Default for Slots<C> {
    fn default() -> Self {
        Slots {
            accepted: BTreeMap::new(),
            chosen: BTreeMap::new(),
            first_unchosen: LogIndex::FIRST,
        }
    }
}

impl<C: Clone + PartialEq> Slots<C> {
    pub fn new() -> Slots<C> {
        Slots::default()
    }

    /// Records an acceptance in `slot`, keeping the highest ballot per slot: a
    /// proposal of a lower or equal ballot than the one held changes nothing.
    /// (Whether an acceptor may accept at all — ballot ≥ its promise — is the
    /// protocol's check.) Returns the write to persist if the slot changed.
    #[must_use = "persist the write (ctx.persist), or the disk falls behind"]
    pub fn accept(&mut self, slot: LogIndex, ballot: Ballot, command: C) -> Option<SlotWrite<C>> {
        if self
            .accepted
            .get(&slot)
            .is_some_and(|held| held.ballot >= ballot)
        {
            return None;
        }
        let accepted = Accepted { ballot, command };
        Some(self.write(SlotWrite::Accept { slot, accepted }))
    }

    /// Marks `slot` chosen with `command`. A slot is chosen once: marking it
    /// again changes nothing, even with another command — that would be a
    /// safety violation, which the log-safety check reports from the facts.
    #[must_use = "persist the write (ctx.persist), or the disk falls behind"]
    pub fn choose(&mut self, slot: LogIndex, command: C) -> Option<SlotWrite<C>> {
        if self.chosen.contains_key(&slot) {
            return None;
        }
        Some(self.write(SlotWrite::Choose { slot, command }))
    }

    pub fn accepted(&self, slot: LogIndex) -> Option<&Accepted<C>> {
        self.accepted.get(&slot)
    }

    pub fn chosen(&self, slot: LogIndex) -> Option<&C> {
        self.chosen.get(&slot)
    }

    /// The lowest slot not yet chosen: slots before it may be applied.
    pub fn first_unchosen(&self) -> LogIndex {
        self.first_unchosen
    }

    /// The highest slot that holds anything, accepted or chosen (`ZERO` if none).
    pub fn last_slot(&self) -> LogIndex {
        let last = |m: Option<LogIndex>| m.unwrap_or(LogIndex::ZERO);
        last(self.accepted.keys().next_back().copied())
            .max(last(self.chosen.keys().next_back().copied()))
    }

    /// Every slot from `from` to `to` inclusive, holes too, in slot order: what
    /// a new leader walks to re-propose accepted commands and fill holes with
    /// no-ops.
    pub fn range(&self, from: LogIndex, to: LogIndex) -> impl Iterator<Item = SlotView<'_, C>> {
        (from.0..=to.0).map(LogIndex).map(|slot| SlotView {
            slot,
            accepted: self.accepted.get(&slot),
            chosen: self.chosen.get(&slot),
        })
    }

    /// The acceptances in slots `from` and later, in slot order (what an
    /// acceptor reports in phase 1b), skipping holes.
    pub fn accepted_from(&self, from: LogIndex) -> impl Iterator<Item = (LogIndex, &Accepted<C>)> {
        self.accepted.range(from..).map(|(&slot, a)| (slot, a))
    }

    /// Replays one durable write.
    pub fn apply(&mut self, write: &SlotWrite<C>) {
        match write {
            SlotWrite::Accept { slot, accepted } => {
                self.accepted.insert(*slot, accepted.clone());
            }
            SlotWrite::Choose { slot, command } => {
                self.chosen.entry(*slot).or_insert_with(|| command.clone());
                while self.chosen.contains_key(&self.first_unchosen) {
                    self.first_unchosen = self.first_unchosen.next();
                }
            }
        }
    }

    fn write(&mut self, write: SlotWrite<C>) -> SlotWrite<C> {
        self.apply(&write);
        write
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(n: u64) -> LogIndex {
        LogIndex(n)
    }

    #[test]
    fn the_highest_ballot_per_slot_is_kept() {
        let mut slots = Slots::new();
        assert!(slots.accept(slot(1), Ballot(2), "x").is_some());
        assert_eq!(
            slots.accept(slot(1), Ballot(1), "old"),
            None,
            "lower ballot"
        );
        assert_eq!(slots.accept(slot(1), Ballot(2), "x"), None, "duplicate");
        assert!(slots.accept(slot(1), Ballot(5), "y").is_some());
        assert_eq!(
            slots.accepted(slot(1)),
            Some(&Accepted {
                ballot: Ballot(5),
                command: "y"
            })
        );
    }

    #[test]
    fn merging_phase_1b_reports_keeps_the_highest_per_slot() {
        // Three acceptors report what they accepted; the leader merges.
        let reports = [
            vec![(1, 1, "a"), (2, 1, "b")],
            vec![(1, 3, "c"), (3, 2, "d")],
            vec![(2, 1, "b"), (3, 4, "e")],
        ];
        let mut leader = Slots::new();
        for report in &reports {
            for &(s, b, c) in report {
                let _ = leader.accept(slot(s), Ballot(b), c);
            }
        }
        let merged: Vec<(u64, u64, &str)> = leader
            .accepted_from(slot(1))
            .map(|(s, a)| (s.0, a.ballot.0, a.command))
            .collect();
        assert_eq!(merged, vec![(1, 3, "c"), (2, 1, "b"), (3, 4, "e")]);
    }

    #[test]
    fn first_unchosen_advances_over_filled_holes() {
        let mut slots = Slots::new();
        assert_eq!(slots.first_unchosen(), slot(1));
        let _ = slots.choose(slot(2), "b");
        let _ = slots.choose(slot(4), "d");
        assert_eq!(slots.first_unchosen(), slot(1));
        let _ = slots.choose(slot(1), "a");
        assert_eq!(slots.first_unchosen(), slot(3));
        let _ = slots.choose(slot(3), "c");
        assert_eq!(slots.first_unchosen(), slot(5));
        assert_eq!(slots.last_slot(), slot(4));
    }

    #[test]
    fn a_slot_is_chosen_once() {
        let mut slots = Slots::new();
        assert!(slots.choose(slot(1), "a").is_some());
        assert_eq!(slots.choose(slot(1), "a"), None);
        assert_eq!(slots.choose(slot(1), "z"), None);
        assert_eq!(slots.chosen(slot(1)), Some(&"a"));
    }

    #[test]
    fn range_walks_holes_in_slot_order() {
        let mut slots = Slots::new();
        let _ = slots.accept(slot(2), Ballot(1), "b");
        let _ = slots.choose(slot(4), "d");
        let walk: Vec<(u64, bool)> = slots
            .range(slot(1), slot(5))
            .map(|v| (v.slot.0, v.is_hole()))
            .collect();
        assert_eq!(
            walk,
            vec![(1, true), (2, false), (3, true), (4, false), (5, true)]
        );
        let four = slots.range(slot(4), slot(4)).next().expect("one slot");
        assert_eq!((four.accepted, four.chosen), (None, Some(&"d")));
    }

    #[test]
    fn writes_replay_on_a_copy() {
        let mut slots = Slots::new();
        let mut disk = slots.clone();
        let writes = [
            slots.accept(slot(3), Ballot(1), "c"),
            slots.accept(slot(3), Ballot(2), "c2"),
            slots.choose(slot(1), "a"),
            slots.accept(slot(1), Ballot(1), "a"),
            slots.choose(slot(2), "b"),
        ];
        for w in writes.iter().flatten() {
            disk.apply(w);
        }
        assert_eq!(disk, slots);
        assert_eq!(disk.first_unchosen(), slot(3));
    }
}
