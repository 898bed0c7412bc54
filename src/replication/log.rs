//! A replicated log: entries tagged with the epoch in which a leader created them.
//!
//! Indices are 1-based; [`LogIndex::ZERO`] means "before the first entry", the
//! `prev` of an append at the very start, and always matches. [`Epoch`] is one
//! name for Raft's term, Viewstamped Replication's view and ZAB's epoch.
//!
//! The rules are Raft's (Figure 2 and §5.3):
//! - *Log Matching*: two logs holding an entry with the same index and epoch
//!   are identical up to it, so a follower only checks `prev` ([`Log::matches`]).
//! - *AppendEntries rules 3–4* ([`Log::append_after`]): an existing entry is
//!   deleted, with everything after it, only when a new entry at its index has
//!   a different epoch; entries already held are not appended again. A delayed
//!   or duplicated message therefore never truncates anything.
//!
//! A prefix can be dropped for snapshots ([`Log::compact_to`]); the epoch of the
//! last dropped entry is kept so a `prev` at the compaction point still matches.
//!
//! Every change is also returned as data ([`LogWrite`]): a protocol's durable
//! state embeds a `Log` and replays the same writes with [`Log::apply`], so what
//! is persisted is exactly what changed.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A position in the log, 1-based. `LogIndex(0)` is "before the first entry".
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct LogIndex(pub u64);

impl LogIndex {
    /// Before the first entry: the `prev` of an append at the start of the log.
    pub const ZERO: LogIndex = LogIndex(0);
    pub const FIRST: LogIndex = LogIndex(1);

    pub fn next(self) -> LogIndex {
        LogIndex(self.0 + 1)
    }

    /// The index before this one; `ZERO` stays `ZERO`.
    pub fn prev(self) -> LogIndex {
        LogIndex(self.0.saturating_sub(1))
    }

    /// The index `n` positions after this one.
    pub fn plus(self, n: u64) -> LogIndex {
        LogIndex(self.0 + n)
    }
}

impl fmt::Display for LogIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A leader's reign: Raft's term, a view, ZAB's epoch. `Epoch(0)` precedes every
/// leader (the epoch of `LogIndex::ZERO`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Epoch(pub u64);

impl Epoch {
    pub const ZERO: Epoch = Epoch(0);

    pub fn next(self) -> Epoch {
        Epoch(self.0 + 1)
    }
}

impl fmt::Display for Epoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One log entry: a command and the epoch of the leader that created it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Entry<C> {
    pub epoch: Epoch,
    pub command: C,
}

/// One durable change to a log, as a protocol persists it (`ctx.persist`).
/// Applying the writes a log returned, in order, to a copy of that log as it
/// was reproduces it exactly.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogWrite<C> {
    /// Entries added after the last one.
    Append(Vec<Entry<C>>),
    /// The entry at this index and every later one dropped (a conflicting
    /// suffix, or a state transfer that replaces the log).
    TruncateFrom(LogIndex),
    /// Every entry up to and including `index` dropped; `epoch` is the epoch of
    /// that last dropped entry. If the log does not reach `index`, it is emptied
    /// and continues after `index` (installing a snapshot).
    CompactTo { index: LogIndex, epoch: Epoch },
}

/// An append was refused: the log holds no entry at `prev` with `prev`'s epoch
/// (Figure 2, AppendEntries rule 2). `last_index` tells the leader where this
/// log ends, so it can back off at once instead of one index per round trip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Mismatch {
    pub last_index: LogIndex,
}

/// An epoch-tagged log with a compacted prefix.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Log<C> {
    /// The last index dropped by compaction (`ZERO` when nothing was dropped).
    compacted: LogIndex,
    /// The epoch of that dropped entry, so `prev` at the compaction point matches.
    compacted_epoch: Epoch,
    /// The entries `compacted + 1 ..= last_index()`, in order.
    entries: Vec<Entry<C>>,
}

impl<C> Default for Log<C> {
    fn default() -> Self {
        Log {
            compacted: LogIndex::ZERO,
            compacted_epoch: Epoch::ZERO,
            entries: Vec::new(),
        }
    }
}

impl<C: Clone> Log<C> {
    pub fn new() -> Log<C> {
        Log::default()
    }

    /// The first index still held (one past the compacted prefix).
    pub fn first_index(&self) -> LogIndex {
        self.compacted.next()
    }

    /// The index of the last entry, held or compacted (`ZERO` for an empty log).
    pub fn last_index(&self) -> LogIndex {
        self.compacted.plus(self.entries.len() as u64)
    }

    /// The epoch of the last entry (`ZERO` for an empty log).
    pub fn last_epoch(&self) -> Epoch {
        self.entries
            .last()
            .map_or(self.compacted_epoch, |entry| entry.epoch)
    }

    /// The entry at `index`, if it is held (not compacted, not past the end).
    pub fn entry(&self, index: LogIndex) -> Option<&Entry<C>> {
        let position = index.0.checked_sub(self.first_index().0)?;
        self.entries.get(usize::try_from(position).ok()?)
    }

    /// The epoch of the entry at `index`: known for `ZERO`, for the compaction
    /// point and for held entries; `None` inside the compacted prefix or past
    /// the end.
    pub fn epoch_at(&self, index: LogIndex) -> Option<Epoch> {
        if index == self.compacted {
            return Some(self.compacted_epoch);
        }
        if index == LogIndex::ZERO {
            return Some(Epoch::ZERO);
        }
        self.entry(index).map(|entry| entry.epoch)
    }

    /// Whether this log holds an entry at `index` with `epoch` (Log Matching:
    /// then it agrees with the sender's log up to `index`). `ZERO` always
    /// matches. An index inside the compacted prefix never does: its epoch is
    /// forgotten, and a protocol answers such a message from its commit index
    /// instead (as etcd-io/raft does for `m.Index < committed`).
    pub fn matches(&self, index: LogIndex, epoch: Epoch) -> bool {
        index == LogIndex::ZERO || self.epoch_at(index) == Some(epoch)
    }

    /// Election restriction (§5.4.1): whether a candidate whose log ends at
    /// (`last_index`, `last_epoch`) is at least as up-to-date as this log — the
    /// later last epoch wins; with equal epochs, the longer log.
    pub fn candidate_up_to_date(&self, last_index: LogIndex, last_epoch: Epoch) -> bool {
        (last_epoch, last_index) >= (self.last_epoch(), self.last_index())
    }

    /// The held entries with their indices, in order.
    pub fn iter(&self) -> impl Iterator<Item = (LogIndex, &Entry<C>)> {
        let first = self.first_index();
        (0u64..)
            .zip(&self.entries)
            .map(move |(k, entry)| (first.plus(k), entry))
    }

    /// The entries from `from` to the end (empty past the end), or `None` when
    /// `from` is compacted away (the sender must send a snapshot instead).
    pub fn entries_from(&self, from: LogIndex) -> Option<&[Entry<C>]> {
        let position = from.0.checked_sub(self.first_index().0)?;
        let position = usize::try_from(position).unwrap_or(usize::MAX);
        Some(self.entries.get(position..).unwrap_or(&[]))
    }

    /// The first index after `prev` at which this log holds an entry whose epoch
    /// differs from the one `entries` has there: a real conflict. Indices past
    /// the end of this log, or compacted, are not conflicts.
    pub fn find_conflict(&self, prev: LogIndex, entries: &[Entry<C>]) -> Option<LogIndex> {
        (1u64..)
            .zip(entries)
            .map(|(k, entry)| (prev.plus(k), entry.epoch))
            .take_while(|&(index, _)| index <= self.last_index())
            .find(|&(index, epoch)| matches!(self.epoch_at(index), Some(held) if held != epoch))
            .map(|(index, _)| index)
    }

    /// A leader adds an entry at the end; the new entry's index is then
    /// `last_index()`.
    #[must_use = "persist the write (ctx.persist), or the disk falls behind"]
    pub fn append(&mut self, entry: Entry<C>) -> LogWrite<C> {
        self.write(LogWrite::Append(vec![entry]))
    }

    /// A follower takes `entries` that a leader placed right after (`prev`,
    /// `prev_epoch`). Returns the writes to persist, in order (none for a
    /// duplicate), or a [`Mismatch`] if `prev` is not in this log or lies before
    /// the compaction point. On success the last new entry is at
    /// `prev + entries.len()` (the bound of rule 5).
    pub fn append_after(
        &mut self,
        prev: LogIndex,
        prev_epoch: Epoch,
        entries: Vec<Entry<C>>,
    ) -> Result<Vec<LogWrite<C>>, Mismatch> {
        // Figure 2, AppendEntries rule 2: refuse unless the log holds prev.
        // Entries inside the compacted prefix cannot be compared either (even
        // after prev = ZERO): they are committed, and a protocol answers such an
        // append from its commit index before it gets here.
        if prev < self.compacted || !self.matches(prev, prev_epoch) {
            return Err(Mismatch {
                last_index: self.last_index(),
            });
        }
        let mut writes = Vec::new();
        // Rule 3: an existing entry that conflicts with a new one (same index,
        // different epoch) is deleted with all that follow it. Only then.
        if let Some(conflict) = self.find_conflict(prev, &entries)
            && let Some(write) = self.truncate_from(conflict)
        {
            writes.push(write);
        }
        // Rule 4: append any new entries not already in the log. Those up to
        // last_index() are held with matching epochs (else rule 3 cut them).
        let held = self.last_index().0.saturating_sub(prev.0);
        let held = usize::try_from(held).unwrap_or(usize::MAX);
        let new: Vec<Entry<C>> = entries.into_iter().skip(held).collect();
        if !new.is_empty() {
            writes.push(self.write(LogWrite::Append(new)));
        }
        Ok(writes)
    }

    /// Drops the entry at `index` and every later one. `None` when there is
    /// nothing to drop.
    #[must_use = "persist the write (ctx.persist), or the disk falls behind"]
    pub fn truncate_from(&mut self, index: LogIndex) -> Option<LogWrite<C>> {
        if index > self.last_index() || self.entries.is_empty() {
            return None;
        }
        Some(self.write(LogWrite::TruncateFrom(index)))
    }

    /// Drops the prefix up to and including `index` (clamped to the last index),
    /// keeping its last epoch. Compact only what is committed and applied (or
    /// saved in a snapshot). `None` when that prefix is already gone.
    #[must_use = "persist the write (ctx.persist), or the disk falls behind"]
    pub fn compact_to(&mut self, index: LogIndex) -> Option<LogWrite<C>> {
        let index = index.min(self.last_index());
        if index <= self.compacted {
            return None;
        }
        let epoch = self.epoch_at(index)?;
        Some(self.write(LogWrite::CompactTo { index, epoch }))
    }

    /// The snapshot base: the index and epoch of the last entry compaction
    /// dropped (`(ZERO, ZERO)` when nothing was). A snapshot of the state
    /// machine at this index replaces the entries up to it.
    pub fn snapshot_base(&self) -> (LogIndex, Epoch) {
        (self.compacted, self.compacted_epoch)
    }

    /// Takes a snapshot that covers everything up to (`index`, `epoch`) and
    /// was made by another replica (Raft's InstallSnapshot, Figure 13):
    /// - rule 6: if this log holds an entry at `index` with `epoch`, the
    ///   entries after it are kept (the log matches the snapshot up to there);
    /// - rule 7: otherwise the whole log is discarded.
    ///
    /// Either way the log then continues right after `index`. Nothing is
    /// written when the snapshot is not past the current base. Returns the
    /// writes to persist, in order.
    #[must_use = "persist the writes (ctx.persist), or the disk falls behind"]
    pub fn install_snapshot(&mut self, index: LogIndex, epoch: Epoch) -> Vec<LogWrite<C>> {
        if index <= self.compacted {
            return Vec::new();
        }
        let mut writes = Vec::new();
        if self.entry(index).map(|e| e.epoch) != Some(epoch)
            && let Some(write) = self.truncate_from(self.first_index())
        {
            writes.push(write);
        }
        writes.push(self.write(LogWrite::CompactTo { index, epoch }));
        writes
    }

    /// Replays one durable write (recovery, or a protocol's `DurableState`).
    pub fn apply(&mut self, write: &LogWrite<C>) {
        match write {
            LogWrite::Append(entries) => self.entries.extend(entries.iter().cloned()),
            LogWrite::TruncateFrom(index) => {
                let keep = index.0.saturating_sub(self.first_index().0);
                self.entries
                    .truncate(usize::try_from(keep).unwrap_or(usize::MAX));
            }
            LogWrite::CompactTo { index, epoch } => {
                if *index <= self.compacted {
                    return;
                }
                let drop = index.0 - self.compacted.0;
                let drop =
                    usize::try_from(drop).map_or(self.entries.len(), |d| d.min(self.entries.len()));
                self.entries.drain(..drop);
                self.compacted = *index;
                self.compacted_epoch = *epoch;
            }
        }
    }

    /// Applies `write` here and hands it back for persisting.
    fn write(&mut self, write: LogWrite<C>) -> LogWrite<C> {
        self.apply(&write);
        write
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(epoch: u64, command: &'static str) -> Entry<&'static str> {
        Entry {
            epoch: Epoch(epoch),
            command,
        }
    }

    /// A log holding `epochs[k]`-tagged entries named "a", "b", ... at k + 1.
    fn log_of(epochs: &[u64]) -> Log<&'static str> {
        const NAMES: [&str; 8] = ["a", "b", "c", "d", "e", "f", "g", "h"];
        let mut log = Log::new();
        for (k, &e) in epochs.iter().enumerate() {
            let _ = log.append(entry(e, NAMES[k]));
        }
        log
    }

    fn epochs(log: &Log<&'static str>) -> Vec<u64> {
        log.iter().map(|(_, e)| e.epoch.0).collect()
    }

    /// `change` on a log, and the same writes replayed on a copy taken before.
    fn replays_on_copy(
        mut log: Log<&'static str>,
        change: impl FnOnce(&mut Log<&'static str>) -> Vec<LogWrite<&'static str>>,
    ) -> Log<&'static str> {
        let mut copy = log.clone();
        let writes = change(&mut log);
        for w in &writes {
            copy.apply(w);
        }
        assert_eq!(copy, log, "replaying {writes:?} reproduces the log");
        log
    }

    #[test]
    fn empty_log_starts_before_index_one() {
        let log: Log<&str> = Log::new();
        assert_eq!(log.first_index(), LogIndex(1));
        assert_eq!(log.last_index(), LogIndex::ZERO);
        assert_eq!(log.last_epoch(), Epoch::ZERO);
        assert!(log.matches(LogIndex::ZERO, Epoch::ZERO));
        assert!(!log.matches(LogIndex(1), Epoch(1)));
        assert_eq!(log.entry(LogIndex::ZERO), None);
    }

    #[test]
    fn append_numbers_from_one() {
        let log = replays_on_copy(log_of(&[1]), |log| vec![log.append(entry(2, "x"))]);
        assert_eq!(log.last_index(), LogIndex(2));
        assert_eq!(log.last_epoch(), Epoch(2));
        assert_eq!(log.entry(LogIndex(1)), Some(&entry(1, "a")));
        assert_eq!(log.entry(LogIndex(2)), Some(&entry(2, "x")));
        assert_eq!(log.entry(LogIndex(3)), None);
    }

    #[test]
    fn index_zero_always_matches() {
        let log = log_of(&[1, 1, 2]);
        assert!(log.matches(LogIndex::ZERO, Epoch::ZERO));
        assert!(log.matches(LogIndex::ZERO, Epoch(7)));
        assert!(log.matches(LogIndex(3), Epoch(2)));
        assert!(!log.matches(LogIndex(3), Epoch(1)));
        assert!(!log.matches(LogIndex(4), Epoch(2)));
    }

    #[test]
    fn prev_not_held_is_a_mismatch_and_changes_nothing() {
        // Figure 2, AppendEntries rule 2.
        let mut log = log_of(&[1, 1]);
        let before = log.clone();
        let gap = log.append_after(LogIndex(3), Epoch(1), vec![entry(1, "x")]);
        assert_eq!(
            gap,
            Err(Mismatch {
                last_index: LogIndex(2)
            })
        );
        let wrong_epoch = log.append_after(LogIndex(2), Epoch(2), vec![entry(2, "x")]);
        assert!(wrong_epoch.is_err());
        assert_eq!(log, before);
    }

    #[test]
    fn duplicate_append_writes_nothing() {
        // The same message twice: the second finds every entry held.
        let mut log = log_of(&[1]);
        let msg = vec![entry(1, "b"), entry(2, "c")];
        let first = log.append_after(LogIndex(1), Epoch(1), msg.clone());
        assert_eq!(first.map(|w| w.len()), Ok(1));
        let again = log.append_after(LogIndex(1), Epoch(1), msg);
        assert_eq!(again, Ok(vec![]));
        assert_eq!(epochs(&log), vec![1, 1, 2]);
    }

    #[test]
    fn stale_append_does_not_truncate() {
        // A delayed message carrying a prefix of what the log already holds
        // (Figure 2, rule 3 truncates only on a conflict): nothing is lost.
        let mut log = log_of(&[1, 1, 2, 2]);
        let stale = log.append_after(LogIndex(1), Epoch(1), vec![entry(1, "b")]);
        assert_eq!(stale, Ok(vec![]));
        assert_eq!(epochs(&log), vec![1, 1, 2, 2]);
        let empty_heartbeat = log.append_after(LogIndex(2), Epoch(1), vec![]);
        assert_eq!(empty_heartbeat, Ok(vec![]));
        assert_eq!(log.last_index(), LogIndex(4));
    }

    #[test]
    fn conflicting_suffix_is_truncated_then_replaced() {
        // Figure 2, rules 3 and 4: the entry at #3 has epoch 2 here and 3 at the
        // leader: #3 and #4 go, the leader's entries follow.
        let log = replays_on_copy(log_of(&[1, 1, 2, 2]), |log| {
            let writes = log
                .append_after(
                    LogIndex(1),
                    Epoch(1),
                    vec![entry(1, "b"), entry(3, "x"), entry(3, "y")],
                )
                .expect("prev matches");
            assert_eq!(
                writes[0],
                LogWrite::TruncateFrom(LogIndex(3)),
                "cut at the first conflict, not at prev"
            );
            writes
        });
        assert_eq!(epochs(&log), vec![1, 1, 3, 3]);
        assert_eq!(log.entry(LogIndex(4)).map(|e| e.command), Some("y"));
    }

    #[test]
    fn entries_past_the_end_are_appended_without_truncation() {
        let log = replays_on_copy(log_of(&[1, 1]), |log| {
            log.append_after(LogIndex(1), Epoch(1), vec![entry(1, "b"), entry(2, "c")])
                .expect("prev matches")
        });
        assert_eq!(epochs(&log), vec![1, 1, 2]);
    }

    #[test]
    fn find_conflict_ignores_entries_past_the_end() {
        let log = log_of(&[1, 2]);
        let same = [entry(1, "a"), entry(2, "b"), entry(3, "c")];
        assert_eq!(log.find_conflict(LogIndex::ZERO, &same), None);
        let other = [entry(1, "a"), entry(3, "b")];
        assert_eq!(log.find_conflict(LogIndex::ZERO, &other), Some(LogIndex(2)));
    }

    #[test]
    fn up_to_date_compares_last_epoch_then_length() {
        // §5.4.1.
        let log = log_of(&[1, 2, 2]);
        assert!(log.candidate_up_to_date(LogIndex(3), Epoch(2)));
        assert!(log.candidate_up_to_date(LogIndex(1), Epoch(3)));
        assert!(!log.candidate_up_to_date(LogIndex(2), Epoch(2)));
        assert!(!log.candidate_up_to_date(LogIndex(9), Epoch(1)));
    }

    #[test]
    fn compaction_keeps_the_epoch_of_the_last_dropped_entry() {
        let log = replays_on_copy(log_of(&[1, 2, 2, 3]), |log| {
            log.compact_to(LogIndex(2)).into_iter().collect()
        });
        assert_eq!(log.first_index(), LogIndex(3));
        assert_eq!(log.last_index(), LogIndex(4));
        assert_eq!(log.entry(LogIndex(2)), None);
        assert_eq!(log.entry(LogIndex(3)).map(|e| e.command), Some("c"));
        // prev at the compaction point still matches; inside the prefix, unknown.
        assert!(log.matches(LogIndex(2), Epoch(2)));
        assert!(!log.matches(LogIndex(1), Epoch(1)));
        assert_eq!(log.entries_from(LogIndex(2)), None);
        assert_eq!(log.entries_from(LogIndex(4)).map(<[_]>::len), Some(1));
        assert_eq!(log.entries_from(LogIndex(9)).map(<[_]>::len), Some(0));
    }

    #[test]
    fn compacting_everything_keeps_last_index_and_epoch() {
        let mut log = replays_on_copy(log_of(&[1, 2]), |log| {
            log.compact_to(LogIndex(5)).into_iter().collect()
        });
        assert_eq!(log.last_index(), LogIndex(2));
        assert_eq!(log.last_epoch(), Epoch(2));
        assert_eq!(log.compact_to(LogIndex(2)), None, "already gone");
        let _ = log.append(entry(3, "c"));
        assert_eq!(log.iter().next().map(|(i, _)| i), Some(LogIndex(3)));
        let appended = log.append_after(LogIndex(2), Epoch(2), vec![entry(3, "c")]);
        assert_eq!(appended, Ok(vec![]));
    }

    #[test]
    fn an_append_reaching_into_the_compacted_prefix_is_refused() {
        let mut log = log_of(&[1, 1, 2]);
        let _ = log.compact_to(LogIndex(2));
        let from_start = log.append_after(LogIndex::ZERO, Epoch::ZERO, vec![entry(1, "a")]);
        assert_eq!(
            from_start,
            Err(Mismatch {
                last_index: LogIndex(3)
            })
        );
        assert_eq!(log.append_after(LogIndex(2), Epoch(1), vec![]), Ok(vec![]));
    }

    #[test]
    fn installing_a_snapshot_past_the_end_empties_the_log() {
        let mut log = log_of(&[1]);
        log.apply(&LogWrite::CompactTo {
            index: LogIndex(10),
            epoch: Epoch(4),
        });
        assert_eq!(log.first_index(), LogIndex(11));
        assert_eq!(log.last_index(), LogIndex(10));
        assert!(log.matches(LogIndex(10), Epoch(4)));
    }

    #[test]
    fn a_snapshot_matching_a_held_entry_keeps_the_suffix() {
        // Figure 13, rule 6: the log holds #2 of epoch 1, so #3-4 stay.
        let log = replays_on_copy(log_of(&[1, 1, 2, 2]), |log| {
            log.install_snapshot(LogIndex(2), Epoch(1))
        });
        assert_eq!(log.snapshot_base(), (LogIndex(2), Epoch(1)));
        assert_eq!(log.first_index(), LogIndex(3));
        assert_eq!(epochs(&log), vec![2, 2]);
        assert_eq!(log.last_index(), LogIndex(4));
    }

    #[test]
    fn a_snapshot_conflicting_with_the_log_discards_it() {
        // Figure 13, rule 7: #2 is held with another epoch: everything goes,
        // the suffix past the snapshot too.
        let log = replays_on_copy(log_of(&[1, 2, 2, 2]), |log| {
            log.install_snapshot(LogIndex(2), Epoch(3))
        });
        assert_eq!(log.snapshot_base(), (LogIndex(2), Epoch(3)));
        assert_eq!(log.last_index(), LogIndex(2));
        assert_eq!(log.last_epoch(), Epoch(3));
        assert!(epochs(&log).is_empty());
        // A log shorter than the snapshot is discarded too.
        let log = replays_on_copy(log_of(&[1]), |log| {
            log.install_snapshot(LogIndex(5), Epoch(2))
        });
        assert_eq!(log.snapshot_base(), (LogIndex(5), Epoch(2)));
        assert_eq!(log.first_index(), LogIndex(6));
        // A snapshot not past the base changes nothing.
        let mut again = log.clone();
        assert!(again.install_snapshot(LogIndex(4), Epoch(2)).is_empty());
        assert_eq!(again, log);
    }

    #[test]
    fn truncate_from_the_start_empties_the_log() {
        let log = replays_on_copy(log_of(&[1, 1, 2]), |log| {
            log.truncate_from(LogIndex(1)).into_iter().collect()
        });
        assert_eq!(log.last_index(), LogIndex::ZERO);
        let mut log = log_of(&[1]);
        assert_eq!(log.truncate_from(LogIndex(2)), None, "nothing to drop");
    }

    #[test]
    fn random_appends_replay_on_a_copy() {
        // Random leaders send random slices of their logs to one follower.
        // Checked after every message: the writes replayed on a copy reproduce
        // the follower; an accepted append leaves the sent entries in place; and
        // without a conflict nothing the follower held is lost.
        use crate::rng::DetRng;
        let mut rng = DetRng::new(7, 11);
        let (mut accepted, mut truncated) = (0, 0);
        for _ in 0..500 {
            let mut follower: Log<&'static str> = Log::new();
            let mut disk = follower.clone();
            for _ in 0..12 {
                let mut epoch = 0;
                let leader_epochs: Vec<u64> = (0..rng.between(0, 8))
                    .map(|_| {
                        epoch += rng.below(2);
                        epoch + 1
                    })
                    .collect();
                let leader = log_of(&leader_epochs);
                let prev = LogIndex(rng.below(leader.last_index().0 + 1));
                let upto = rng.between(prev.0, leader.last_index().0);
                let sent = leader.entries_from(prev.next()).unwrap_or(&[])
                    [..(upto - prev.0) as usize]
                    .to_vec();
                let prev_epoch = leader.epoch_at(prev).expect("held");
                let before = follower.clone();
                let Ok(writes) = follower.append_after(prev, prev_epoch, sent.clone()) else {
                    assert_eq!(follower, before, "a refused append changes nothing");
                    if rng.chance(300_000)
                        && let Some(w) = follower.compact_to(LogIndex(rng.below(4)))
                    {
                        disk.apply(&w);
                    }
                    continue;
                };
                accepted += 1;
                for w in &writes {
                    disk.apply(w);
                }
                assert_eq!(disk, follower);
                for (k, e) in (1..).zip(&sent) {
                    assert_eq!(follower.entry(prev.plus(k)), Some(e));
                }
                if before.find_conflict(prev, &sent).is_none() {
                    assert!(follower.last_index() >= before.last_index());
                    for (i, e) in before.iter() {
                        assert_eq!(follower.entry(i), Some(e), "kept {i}");
                    }
                } else {
                    truncated += 1;
                }
            }
        }
        assert!(accepted > 1000 && truncated > 100, "{accepted} {truncated}");
    }
}
