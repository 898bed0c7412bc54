//! A snapshot of the replicated state machine, for log compaction (Raft §7,
//! Figure 12): the store and the client sessions as they are after applying
//! the log up to one index, with the epoch of the entry at that index. Once a
//! replica holds it durably, the log up to that index can go
//! ([`Log::compact_to`]); a replica too far behind receives it instead of the
//! entries ([`Log::install_snapshot`], Figure 13).
//!
//! The sessions travel with the store: they are part of the replicated state
//! (a retried request must be recognised after a snapshot as before it).

use crate::replication::apply::{Applier, Command};
use crate::replication::log::{Epoch, Log, LogIndex};
use serde::Serialize;

/// The state machine as of `index` (an entry of `epoch`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Snapshot {
    /// The last index the snapshot covers ("last included index").
    pub index: LogIndex,
    /// The epoch of the entry at `index` ("last included term").
    pub epoch: Epoch,
    /// The store and sessions after applying `index`.
    pub state: Applier,
}

impl Snapshot {
    /// The applier's state at its applied index, whose epoch `log` must still
    /// know (held, or its snapshot base). `None` when nothing is applied.
    pub fn take(applier: &Applier, log: &Log<Command>) -> Option<Snapshot> {
        let index = applier.applied();
        if index == LogIndex::ZERO {
            return None;
        }
        Some(Snapshot {
            index,
            epoch: log.epoch_at(index)?,
            state: applier.clone(),
        })
    }

    /// Whether a replica that compacts every `interval` applied entries (0:
    /// never) is due to snapshot, having applied up to `applied` with its log
    /// compacted up to `base`.
    pub fn due(interval: u64, applied: LogIndex, base: LogIndex) -> bool {
        interval > 0 && applied.0.saturating_sub(base.0) >= interval
    }

    /// The state machine to continue from (a restart, or an install).
    pub fn restore(&self) -> Applier {
        self.state.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Action, Input, RegisterOp};
    use crate::ids::{ClientId, RequestId};
    use crate::replication::apply::ClientCommand;
    use crate::replication::log::Entry;
    use crate::replication::sessions::SessionOutcome;

    fn write(request: u64, value: i64) -> Command {
        Command::Client(ClientCommand {
            client: ClientId(1),
            request: RequestId(request),
            input: Input::new("x", Action::Register(RegisterOp::Write(value))),
        })
    }

    #[test]
    fn a_restored_snapshot_continues_the_applied_sequence_and_the_sessions() {
        let mut log = Log::new();
        for (k, c) in [write(1, 5), Command::Nop, write(2, 6)].iter().enumerate() {
            let _ = log.append(Entry {
                epoch: Epoch(1 + k as u64 / 2),
                command: c.clone(),
            });
        }
        let mut applier = Applier::new();
        assert_eq!(Snapshot::take(&applier, &log), None, "nothing applied yet");
        let _ = applier.apply_log(&log, LogIndex(2));
        assert!(Snapshot::due(2, applier.applied(), LogIndex::ZERO));
        assert!(!Snapshot::due(3, applier.applied(), LogIndex::ZERO));
        assert!(
            !Snapshot::due(0, applier.applied(), LogIndex::ZERO),
            "0 is off"
        );
        let snapshot = Snapshot::take(&applier, &log).expect("applied #2");
        assert_eq!((snapshot.index, snapshot.epoch), (LogIndex(2), Epoch(1)));
        let _ = log.compact_to(snapshot.index);
        // A restart: the state machine from the snapshot, the suffix from the log.
        let mut restarted = snapshot.restore();
        let done = restarted.apply_log(&log, LogIndex(3));
        assert_eq!(done.len(), 1);
        assert_eq!(restarted.applied(), LogIndex(3));
        // The sessions travel with the state: #3's request retried at #4 is
        // answered from the session, not applied again.
        let mut retry = snapshot.restore();
        let _ = log.append(Entry {
            epoch: Epoch(2),
            command: write(2, 6),
        });
        let done = retry.apply_log(&log, LogIndex(4));
        let crate::replication::Applied::Client { outcome, .. } = &done[1] else {
            panic!("a client entry")
        };
        assert!(
            matches!(outcome, SessionOutcome::Repeated(_)),
            "{outcome:?}"
        );
    }
}
