//! Applying the committed prefix of a log to the replicated store.
//!
//! A replicated log carries [`Command`]s: a client's request, or a no-op that a
//! new Raft leader appends to commit its predecessors' entries (§5.4.2) and a
//! new Multi-Paxos leader proposes to fill holes. The [`Applier`] is the
//! replicated state machine: the [`Store`], the client [`Sessions`] (so that
//! deduplication is replicated state too), and the index of the last entry
//! applied. It applies entries strictly in index order, each once, up to the
//! commit index it is given, and reports what each produced so the leader can
//! answer the client waiting for it ([`Waiters`](super::Waiters)).
//!
//! The applier is volatile: after a crash a node rebuilds it by applying its
//! log again from the start, or from its last [`Snapshot`](super::Snapshot).

use crate::history::Input;
use crate::ids::{ClientId, RequestId};
use crate::replication::log::{Log, LogIndex};
use crate::replication::sessions::{SessionOutcome, Sessions};
use crate::store::Store;
use serde::Serialize;
use std::fmt;

/// A client's request as a log carries it: who asked, under which request id
/// (the same for every retry), and the operation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ClientCommand {
    pub client: ClientId,
    pub request: RequestId,
    pub input: Input,
}

/// What a replicated log carries.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    Client(ClientCommand),
    /// Changes nothing: a new leader's first entry, or a filled hole.
    Nop,
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Client(c) => write!(f, "{} {} {}", c.client, c.request, c.input),
            Command::Nop => f.write_str("nop"),
        }
    }
}

/// What applying one entry did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Applied {
    Nop {
        index: LogIndex,
    },
    Client {
        index: LogIndex,
        client: ClientId,
        request: RequestId,
        outcome: SessionOutcome,
    },
}

impl Applied {
    pub fn index(&self) -> LogIndex {
        match self {
            Applied::Nop { index } | Applied::Client { index, .. } => *index,
        }
    }
}

/// The replicated state machine and how far the log has been applied to it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Applier {
    applied: LogIndex,
    store: Store,
    sessions: Sessions,
}

impl Applier {
    pub fn new() -> Applier {
        Applier::default()
    }

    /// The index of the last entry applied (`ZERO` before any).
    pub fn applied(&self) -> LogIndex {
        self.applied
    }

    /// The store, for reads a protocol serves without the log.
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn sessions(&self) -> &Sessions {
        &self.sessions
    }

    /// Applies `command` as the entry right after the last one applied.
    pub fn apply_next(&mut self, command: &Command) -> Applied {
        let index = self.applied.next();
        self.applied = index;
        match command {
            Command::Nop => Applied::Nop { index },
            Command::Client(c) => Applied::Client {
                index,
                client: c.client,
                request: c.request,
                // The session decides: apply, or answer a retry from memory.
                outcome: self.sessions.apply(&mut self.store, c),
            },
        }
    }

    /// Applies every entry after the last applied one up to `commit`, in index
    /// order, asking `command_at` for each. Stops early at an index
    /// `command_at` cannot give (not held yet, or a hole).
    pub fn apply_through<'a>(
        &mut self,
        commit: LogIndex,
        mut command_at: impl FnMut(LogIndex) -> Option<&'a Command>,
    ) -> Vec<Applied> {
        let mut done = Vec::new();
        while self.applied < commit {
            let Some(command) = command_at(self.applied.next()) else {
                break;
            };
            done.push(self.apply_next(command));
        }
        done
    }

    /// [`apply_through`](Self::apply_through) over an epoch-tagged log.
    pub fn apply_log(&mut self, log: &Log<Command>, commit: LogIndex) -> Vec<Applied> {
        self.apply_through(commit, |index| log.entry(index).map(|e| &e.command))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Action, AppendOp, Output, RegisterOp};
    use crate::replication::log::{Entry, Epoch};
    use crate::replication::slots::Slots;

    fn write(client: u32, request: u64, value: i64) -> Command {
        Command::Client(ClientCommand {
            client: ClientId(client),
            request: RequestId(request),
            input: Input::new("x", Action::Register(RegisterOp::Write(value))),
        })
    }

    fn read(client: u32, request: u64) -> Command {
        Command::Client(ClientCommand {
            client: ClientId(client),
            request: RequestId(request),
            input: Input::new("x", Action::Register(RegisterOp::Read)),
        })
    }

    fn log_of(commands: &[Command]) -> Log<Command> {
        let mut log = Log::new();
        for c in commands {
            let _ = log.append(Entry {
                epoch: Epoch(1),
                command: c.clone(),
            });
        }
        log
    }

    #[test]
    fn applies_in_order_up_to_the_commit_index() {
        let log = log_of(&[write(1, 1, 5), Command::Nop, read(2, 2), write(1, 3, 6)]);
        let mut applier = Applier::new();
        let first = applier.apply_log(&log, LogIndex(3));
        assert_eq!(applier.applied(), LogIndex(3));
        assert_eq!(
            first.iter().map(Applied::index).collect::<Vec<_>>(),
            vec![LogIndex(1), LogIndex(2), LogIndex(3)]
        );
        assert_eq!(
            first[2],
            Applied::Client {
                index: LogIndex(3),
                client: ClientId(2),
                request: RequestId(2),
                outcome: SessionOutcome::Applied(Output::Register(Some(5))),
            }
        );
        assert_eq!(applier.apply_log(&log, LogIndex(3)), vec![], "nothing new");
        assert_eq!(
            applier.apply_log(&log, LogIndex(9)).len(),
            1,
            "stops at the end"
        );
        assert_eq!(applier.applied(), LogIndex(4));
    }

    #[test]
    fn a_hole_stops_the_applier() {
        let mut slots = Slots::new();
        let _ = slots.choose(LogIndex(1), write(1, 1, 1));
        let _ = slots.choose(LogIndex(3), write(1, 3, 3));
        let mut applier = Applier::new();
        let done = applier.apply_through(LogIndex(3), |i| slots.chosen(i));
        assert_eq!(done.len(), 1);
        assert_eq!(applier.applied(), LogIndex(1));
        let _ = slots.choose(LogIndex(2), Command::Nop);
        let commit = slots.first_unchosen().prev();
        assert_eq!(applier.apply_through(commit, |i| slots.chosen(i)).len(), 2);
    }

    #[test]
    fn a_retry_committed_twice_is_applied_once() {
        // The same append, retried after a timeout, lands in the log twice.
        let append = Command::Client(ClientCommand {
            client: ClientId(1),
            request: RequestId(7),
            input: Input::new("l", Action::Append(AppendOp::Append(42))),
        });
        let read_log = Command::Client(ClientCommand {
            client: ClientId(2),
            request: RequestId(8),
            input: Input::new("l", Action::Append(AppendOp::Read)),
        });
        let log = log_of(&[append.clone(), append, read_log]);
        let mut applier = Applier::new();
        let done = applier.apply_log(&log, LogIndex(3));
        let Applied::Client { outcome, .. } = &done[1] else {
            panic!("a client entry")
        };
        assert_eq!(outcome, &SessionOutcome::Repeated(Output::Done));
        let Applied::Client { outcome, .. } = &done[2] else {
            panic!("a client entry")
        };
        assert_eq!(outcome, &SessionOutcome::Applied(Output::List(vec![42])));
    }
}
