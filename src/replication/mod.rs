//! The replication toolkit: small parts a replicating protocol composes.
//!
//! There is no base protocol here and no trait to implement. Raft, Multi-Paxos,
//! ZAB and primary-backup differ in how they elect, number and recover; they
//! agree on a handful of mechanisms, and each mechanism is one part, readable top
//! to bottom and tested on its own (as etcd-io/raft's `raft.go` composes
//! `raftLog`, `tracker` and `quorum/`):
//!
//! - [`quorum`]: majority rules over a voter list: the result of an election
//!   from yes/no votes, and the *median rule* that turns each voter's
//!   acknowledged index into the largest index a majority holds.
//! - [`log`]: an epoch-tagged log ([`LogIndex`], [`Epoch`], [`Entry`]) with the
//!   Log Matching checks and the AppendEntries rules of Raft's Figure 2
//!   (truncate only on a real conflict), a compaction offset for snapshots, and
//!   its durable writes as data ([`LogWrite`]) so a protocol persists exactly
//!   what changed.
//! - [`slots`]: a log with holes for Multi-Paxos: per slot the highest-ballot
//!   acceptance and the chosen mark, the first unchosen slot, slot-order ranges.
//! - [`apply`]: the commands a replicated log carries ([`Command`]: a client's
//!   request or a no-op) and the [`Applier`] that applies the committed prefix
//!   to a [`Store`](crate::store::Store), in order, exactly once.
//! - [`sessions`]: client sessions, the deduplication of retried requests as
//!   part of the replicated state (so every replica decides alike, across leader
//!   changes), and the leader's [`Waiters`] that answer clients once their entry
//!   applies or the leader steps down.
//!
//! How they fit in a leader-based protocol: the leader appends a
//! [`Command`] to its [`Log`], persists the returned [`LogWrite`] and registers a
//! waiter; followers run [`Log::append_after`] and persist its writes; the leader
//! feeds acknowledged indices to [`Quorum::committed_index`]; everyone runs
//! [`Applier::apply_log`] up to the commit index; the leader hands the result to
//! [`Waiters::release_applied`] and sends the replies. The log-safety check over
//! the resulting facts lives in [`crate::check::log_safety`].
//!
//! Everything is deterministic: ordered maps and vectors only, no hashing order
//! ever reaches an output.

pub mod apply;
pub mod log;
pub mod quorum;
pub mod sessions;
pub mod slots;
pub mod snapshot;

pub use apply::{Applied, Applier, ClientCommand, Command};
pub use log::{Entry, Epoch, Log, LogIndex, LogWrite, Mismatch};
pub use quorum::{Quorum, VoteResult};
pub use sessions::{SessionOutcome, Sessions, Waiter, Waiters};
pub use slots::{Accepted, SlotView, SlotWrite, Slots};
pub use snapshot::Snapshot;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::DurableState;
    use serde::Serialize;

    /// How a protocol's disk embeds the log: its own write enum wraps
    /// `LogWrite`, and `apply` hands those to the log.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
    struct Disk {
        epoch: Epoch,
        log: Log<Command>,
    }

    #[derive(Clone, Debug, Serialize)]
    enum DiskWrite {
        Epoch(Epoch),
        Log(LogWrite<Command>),
    }

    impl DurableState for Disk {
        type Write = DiskWrite;
        fn apply(&mut self, write: &DiskWrite) {
            match write {
                DiskWrite::Epoch(epoch) => self.epoch = *epoch,
                DiskWrite::Log(w) => self.log.apply(w),
            }
        }
    }

    #[test]
    fn a_durable_state_embeds_the_log_and_persists_exactly_its_writes() {
        let mut volatile: Log<Command> = Log::new();
        let mut disk = Disk::default();
        let mut persisted = vec![DiskWrite::Epoch(Epoch(2))];
        persisted.push(DiskWrite::Log(volatile.append(Entry {
            epoch: Epoch(2),
            command: Command::Nop,
        })));
        let from_leader = vec![Entry {
            epoch: Epoch(3),
            command: Command::Nop,
        }];
        let writes = volatile
            .append_after(LogIndex::ZERO, Epoch::ZERO, from_leader)
            .expect("prev ZERO matches");
        persisted.extend(writes.into_iter().map(DiskWrite::Log));
        for w in &persisted {
            disk.apply(w);
        }
        assert_eq!(disk.log, volatile);
        assert_eq!(disk.epoch, Epoch(2));
        assert_eq!(disk.log.last_epoch(), Epoch(3));
    }
}
