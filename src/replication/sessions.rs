//! Client sessions: exactly-once application of retried requests, and the
//! leader's list of clients waiting for their entries.
//!
//! A client that times out retries with the same request id, possibly at
//! another node, so one request can reach the log more than once — twice in one
//! leader's log, or once under an old leader and again under a new one (seed 002
//! §7). Deduplicating at the leader that receives the retry is not enough: that
//! leader may not know the first copy exists. So deduplication is done where
//! every replica decides alike: while applying committed entries, from state
//! that is itself replicated. [`Sessions`] is that state.
//!
//! Memory stays bounded by the number of clients. A client has at most one
//! request outstanding and its request ids grow (the engine's clients issue a
//! new request only after the previous one completed, from one increasing
//! counter), so per client it is enough to remember the latest applied request
//! and its result:
//! - the same request again is a retry: answer with the remembered result,
//!   leave the store alone;
//! - an older request is a copy of one the client has finished with (it was
//!   answered, or the client gave up): it is not applied, and no one waits
//!   for an answer.
//!
//! [`Waiters`] is volatile leader state: which requests wait for their entry to
//! apply. They are answered when it applies, or told to go elsewhere when the
//! leader steps down.

use crate::history::Output;
use crate::ids::{ClientId, RequestId};
use crate::op::Reply;
use crate::replication::apply::{Applied, ClientCommand};
use crate::replication::log::LogIndex;
use crate::store::Store;
use serde::Serialize;
use std::collections::BTreeMap;

/// What applying a client's command did.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionOutcome {
    /// First application: the store changed (or was read) with this result.
    Applied(Output),
    /// A retry of the client's latest applied request: its remembered result.
    /// The store was not touched.
    Repeated(Output),
    /// Older than the client's latest applied request: the client has finished
    /// with it, so it is not applied and nobody waits for it.
    Superseded { latest: RequestId },
}

impl SessionOutcome {
    /// The answer for a waiting client, if one can be waiting.
    pub fn reply(&self) -> Option<Reply> {
        match self {
            SessionOutcome::Applied(output) | SessionOutcome::Repeated(output) => {
                Some(Reply::Ok(output.clone()))
            }
            SessionOutcome::Superseded { .. } => None,
        }
    }
}

/// A client's latest applied request and its result.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
struct Latest {
    request: RequestId,
    output: Output,
}

/// Per-client deduplication state, part of the replicated state machine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Sessions {
    latest: BTreeMap<ClientId, Latest>,
}

impl Sessions {
    pub fn new() -> Sessions {
        Sessions::default()
    }

    /// Applies a committed client command to `store` unless its session says it
    /// was applied already (seed 002 §7).
    pub fn apply(&mut self, store: &mut Store, command: &ClientCommand) -> SessionOutcome {
        if let Some(latest) = self.latest.get(&command.client) {
            if command.request == latest.request {
                return SessionOutcome::Repeated(latest.output.clone());
            }
            if command.request < latest.request {
                return SessionOutcome::Superseded {
                    latest: latest.request,
                };
            }
        }
        let output = store.apply(&command.input);
        let latest = Latest {
            request: command.request,
            output: output.clone(),
        };
        self.latest.insert(command.client, latest);
        SessionOutcome::Applied(output)
    }

    /// The result of `request` if it is `client`'s latest applied one: a leader
    /// answers such a retry at once instead of appending it again.
    pub fn result_of(&self, client: ClientId, request: RequestId) -> Option<&Output> {
        self.latest
            .get(&client)
            .filter(|latest| latest.request == request)
            .map(|latest| &latest.output)
    }

    /// The latest request of `client` that was applied.
    pub fn latest_request(&self, client: ClientId) -> Option<RequestId> {
        self.latest.get(&client).map(|latest| latest.request)
    }
}

/// A client waiting at the leader for its request's entry to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Waiter {
    pub client: ClientId,
    /// Where the leader put the request in its log.
    pub index: LogIndex,
}

/// The leader's waiting clients, by request (volatile: a crash forgets them and
/// the clients time out and retry).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Waiters {
    waiting: BTreeMap<RequestId, Waiter>,
}

impl Waiters {
    pub fn new() -> Waiters {
        Waiters::default()
    }

    /// `client` waits for `request`, stored at `index`. A retry that reaches the
    /// leader while the first copy is in flight re-registers, it is not
    /// appended again.
    pub fn wait(&mut self, request: RequestId, client: ClientId, index: LogIndex) {
        self.waiting.insert(request, Waiter { client, index });
    }

    pub fn get(&self, request: RequestId) -> Option<&Waiter> {
        self.waiting.get(&request)
    }

    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    pub fn len(&self) -> usize {
        self.waiting.len()
    }

    /// Answers the requests whose entries just applied, in index order: the
    /// replies to send (`ctx.reply`). A superseded request's waiter is dropped
    /// without an answer: its client has moved on.
    pub fn release_applied(&mut self, applied: &[Applied]) -> Vec<(RequestId, Reply)> {
        let mut replies = Vec::new();
        for a in applied {
            match a {
                Applied::Nop { .. } => {}
                Applied::Client {
                    request, outcome, ..
                } => {
                    if self.waiting.remove(request).is_some()
                        && let Some(reply) = outcome.reply()
                    {
                        replies.push((*request, reply));
                    }
                }
            }
        }
        replies
    }

    /// The node is no longer the leader: it forgets its waiters and returns
    /// their requests, in request order, answering none of them.
    ///
    /// Neither answer would be true. Their entries are in this node's log and
    /// may still commit under the next leader, so "failed" — which a client
    /// and the linearizability check read as "definitely not applied" — can
    /// be a lie (primary-backup answered so until fuzz seed 4010 of the sync
    /// variant showed a failed write that the new primary applied: not
    /// linearizable); and "ok" is not known yet. The clients time out and
    /// retry with the same request id (the sessions apply it once), or record
    /// the outcome as unknown (`info`).
    pub fn step_down(&mut self) -> Vec<RequestId> {
        std::mem::take(&mut self.waiting).into_keys().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Action, Input, KvOp};
    use crate::replication::apply::{Applier, Command};
    use crate::replication::log::{Entry, Epoch, Log};

    fn append(client: u32, request: u64, text: &str) -> ClientCommand {
        ClientCommand {
            client: ClientId(client),
            request: RequestId(request),
            input: Input::new("k", Action::Kv(KvOp::Append(text.into()))),
        }
    }

    fn get(client: u32, request: u64) -> ClientCommand {
        ClientCommand {
            client: ClientId(client),
            request: RequestId(request),
            input: Input::new("k", Action::Kv(KvOp::Get)),
        }
    }

    fn text(store: &Store) -> Output {
        store.read(&Input::new("k", Action::Kv(KvOp::Get)))
    }

    #[test]
    fn a_retry_returns_the_remembered_result_without_touching_the_store() {
        let mut sessions = Sessions::new();
        let mut store = Store::default();
        let first = sessions.apply(&mut store, &get(1, 1));
        sessions.apply(&mut store, &append(2, 2, "a"));
        let retry = sessions.apply(&mut store, &get(1, 1));
        // The retry answers what the first copy read, not the store of now.
        assert_eq!(first, SessionOutcome::Applied(Output::Text(String::new())));
        assert_eq!(retry, SessionOutcome::Repeated(Output::Text(String::new())));
        let again = sessions.apply(&mut store, &append(2, 2, "a"));
        assert_eq!(again, SessionOutcome::Repeated(Output::Done));
        assert_eq!(text(&store), Output::Text("a".into()));
    }

    #[test]
    fn an_older_request_is_superseded_and_memory_is_one_entry_per_client() {
        let mut sessions = Sessions::new();
        let mut store = Store::default();
        for request in 1..=100 {
            sessions.apply(&mut store, &append(1, request, "x"));
        }
        assert_eq!(sessions.latest.len(), 1);
        assert_eq!(sessions.latest_request(ClientId(1)), Some(RequestId(100)));
        let late_copy = sessions.apply(&mut store, &append(1, 40, "x"));
        assert_eq!(
            late_copy,
            SessionOutcome::Superseded {
                latest: RequestId(100)
            }
        );
        assert_eq!(late_copy.reply(), None);
        assert_eq!(text(&store), Output::Text("x".repeat(100)));
        assert_eq!(
            sessions.result_of(ClientId(1), RequestId(100)),
            Some(&Output::Done)
        );
        assert_eq!(sessions.result_of(ClientId(1), RequestId(40)), None);
    }

    /// Replica logs in a leader change: the old leader (epoch 1) stored the
    /// request at #1 and crashed before answering; the client retried at the new
    /// leader (epoch 2), which holds #1 too and appends the retry at #2.
    #[test]
    fn a_retry_across_a_leader_change_is_applied_once_on_every_replica() {
        let request = append(3, 9, "z");
        let mut log = Log::new();
        let _ = log.append(Entry {
            epoch: Epoch(1),
            command: Command::Client(request.clone()),
        });
        let _ = log.append(Entry {
            epoch: Epoch(2),
            command: Command::Nop,
        });
        let _ = log.append(Entry {
            epoch: Epoch(2),
            command: Command::Client(request),
        });
        let mut new_leader = Applier::new();
        let mut waiters = Waiters::new();
        waiters.wait(RequestId(9), ClientId(3), LogIndex(3));
        let applied = new_leader.apply_log(&log, LogIndex(3));
        let replies = waiters.release_applied(&applied);
        assert_eq!(replies, vec![(RequestId(9), Reply::Ok(Output::Done))]);
        assert!(waiters.is_empty());
        assert_eq!(text(new_leader.store()), Output::Text("z".into()));
        // A follower applying the same committed log decides the same.
        let mut follower = Applier::new();
        follower.apply_log(&log, LogIndex(3));
        assert_eq!(follower, new_leader);
    }

    #[test]
    fn waiters_are_forgotten_unanswered_on_step_down() {
        let mut waiters = Waiters::new();
        waiters.wait(RequestId(5), ClientId(2), LogIndex(4));
        waiters.wait(RequestId(3), ClientId(1), LogIndex(3));
        assert_eq!(waiters.step_down(), vec![RequestId(3), RequestId(5)]);
        assert!(waiters.is_empty());
        assert_eq!(waiters.step_down(), vec![]);
    }

    #[test]
    fn only_waiting_requests_are_answered() {
        let mut applier = Applier::new();
        let mut waiters = Waiters::new();
        waiters.wait(RequestId(2), ClientId(1), LogIndex(2));
        let log_commands = [
            Command::Client(append(1, 1, "a")),
            Command::Client(append(1, 2, "b")),
            Command::Client(append(1, 1, "a")),
        ];
        let mut log = Log::new();
        for command in log_commands {
            let _ = log.append(Entry {
                epoch: Epoch(1),
                command,
            });
        }
        let applied = applier.apply_log(&log, LogIndex(3));
        assert_eq!(
            waiters.release_applied(&applied),
            vec![(RequestId(2), Reply::Ok(Output::Done))]
        );
        assert_eq!(text(applier.store()), Output::Text("ab".into()));
    }
}
