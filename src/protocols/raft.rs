//! Raft (Ongaro & Ousterhout, "In Search of an Understandable Consensus
//! Algorithm", 2014), rule for rule from the paper's Figure 2; seed 002
//! compares it with Multi-Paxos.
//!
//! Every node is a server: a follower, a (pre-)candidate or the leader of its
//! current term. The parts are the replication toolkit's: the epoch-tagged
//! [`Log`] (the term is the epoch) with Figure 2's AppendEntries rules 2–4, the
//! [`Quorum`] for votes and for the median of the followers' match indices, the
//! [`Applier`] with client sessions (a retried request is applied once), and
//! the leader's [`Waiters`].
//!
//! - **Elections** (§5.2): a follower that hears no leader for a randomised
//!   election timeout (drawn from the node's own stream in
//!   `params.election_timeout`) becomes a candidate for the next term, votes
//!   for itself and asks everyone. A server grants at most one vote per term,
//!   only to a candidate whose log is at least as up-to-date as its own (§5.4.1),
//!   and writes its term and vote to disk (flushed) before answering.
//! - **Log replication** (§5.3): the leader sends AppendEntries with the
//!   (index, term) of the entry before the new ones; a follower that lacks it
//!   refuses and says the term of its conflicting entry and the first index it
//!   holds of that term (the "fast backup" of §5.3's closing paragraph), so a
//!   divergent log is repaired in one round per conflicting term, not per entry.
//! - **Commitment** (§5.4.2, Figure 8): the leader commits index N once a
//!   majority holds it *and* its entry at N is of the current term. On election
//!   it appends a no-op so that earlier entries commit with it.
//! - **Reads** go through the log: a read is an entry like a write and is
//!   answered when it applies, so a deposed leader cannot answer one (it cannot
//!   commit). With `params.read_index` (thesis §6.4) a leader instead records
//!   its commit index, confirms it still leads with a round of read
//!   heartbeats, waits to apply that far and answers from its store.
//!   `stale-read` is the bug of answering from the local store at once.
//! - **PreVote** (`params.prevote`, thesis §9.6): a node first asks whether it
//!   could win, without raising its term; servers that heard from a leader
//!   within the minimum election timeout say no. A partitioned node's term so
//!   stops climbing, and it cannot depose a healthy leader when it returns.
//! - **CheckQuorum** (`params.check_quorum`): a leader that has not heard from
//!   a majority within an election timeout steps down; and a server that hears
//!   from a leader ignores RequestVote for a minimum election timeout after.
//! - **Log compaction** (`params.snapshot_interval`, §7, Figures 12–13): every
//!   N applied entries a server writes a [`Snapshot`] of its store and client
//!   sessions to disk and drops its log up to there; it restarts from the
//!   snapshot and the log after it. A leader whose log no longer holds the
//!   entries a follower needs sends InstallSnapshot instead.
//!
//! A leader that steps down does not answer its waiting clients: their entries
//! may still commit under the next leader, so "failed" could be a lie. They
//! time out and retry; the sessions apply each request once.

use crate::check::CheckKind;
use crate::error::InputError;
use crate::fact::{CommandText, Fact};
use crate::ids::{ClientId, NodeId, RequestId};
use crate::named::{NameRow, Named};
use crate::op::{ClientRequest, Op, Reply};
use crate::protocol::{
    Ctx, DurableState, FieldValue, LogEntryView, Meaning, Message, NodeView, OptionRow,
    OutcomeWord, ParamRange, Protocol, RoleRow, Serves, Setup,
};
use crate::replication::{
    Applied, Applier, ClientCommand, Command, Entry, Epoch, Log, LogIndex, LogWrite, Quorum,
    SessionOutcome, Snapshot, VoteResult, Waiters,
};
use crate::time::Time;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    Default,
    CommitOldTerm,
    StaleRead,
    VoteAnyLog,
    ForgetVote,
    KeepConflict,
    AckBeforePersist,
}

impl Named for Variant {
    const TABLE: &'static [NameRow<Variant>] = &[
        NameRow {
            value: Variant::Default,
            name: "default",
            about: "Raft as Figure 2 states it",
        },
        NameRow {
            value: Variant::CommitOldTerm,
            name: "commit-old-term",
            about: "BUG: commits an entry of an earlier term by counting replicas (Figure 8)",
        },
        NameRow {
            value: Variant::StaleRead,
            name: "stale-read",
            about: "BUG: a leader answers reads from its store without confirming it still leads",
        },
        NameRow {
            value: Variant::VoteAnyLog,
            name: "vote-any-log",
            about: "BUG: votes without the up-to-date-log check (§5.4.1)",
        },
        NameRow {
            value: Variant::ForgetVote,
            name: "forget-vote",
            about: "BUG: votedFor is volatile: a restarted node votes twice in one term",
        },
        NameRow {
            value: Variant::KeepConflict,
            name: "keep-conflict",
            about: "BUG: a follower appends without deleting a conflicting suffix",
        },
        NameRow {
            value: Variant::AckBeforePersist,
            name: "ack-before-persist",
            about: "BUG: acknowledges entries before its log write is on disk (etcd #14370)",
        },
    ];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Server,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Ticks between a leader's heartbeats.
    #[serde(default = "default_heartbeat")]
    pub heartbeat: u64,
    /// The election timeout is drawn uniformly from this closed range.
    #[serde(default = "default_election_timeout")]
    pub election_timeout: [u64; 2],
    #[serde(default)]
    pub prevote: bool,
    #[serde(default)]
    pub check_quorum: bool,
    /// A follower's refusal carries the conflicting term and its first index
    /// (default); without it the leader backs up one entry per round.
    #[serde(default = "default_true")]
    pub fast_backup: bool,
    /// At most this many entries in one AppendEntries.
    #[serde(default = "default_batch")]
    pub batch: u64,
    /// Per-node election timeout ranges, by node name, replacing
    /// `election_timeout` for those nodes (a story can say who times out first).
    #[serde(default)]
    pub election_timeouts: BTreeMap<String, [u64; 2]>,
    /// Log compaction: a server snapshots its state machine every this many
    /// applied entries and drops its log up to there (0, the default: never).
    #[serde(default)]
    pub snapshot_interval: u64,
    /// Reads by ReadIndex (thesis §6.4) instead of through the log.
    #[serde(default)]
    pub read_index: bool,
}

/// The largest `snapshot_interval` accepted.
pub const MAX_SNAPSHOT_INTERVAL: u64 = 1_000_000;

fn default_heartbeat() -> u64 {
    20
}

fn default_election_timeout() -> [u64; 2] {
    [150, 300]
}

fn default_true() -> bool {
    true
}

fn default_batch() -> u64 {
    64
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub variant: Variant,
    pub heartbeat: u64,
    /// The smallest election timeout of any node (the lease of PreVote and
    /// CheckQuorum).
    pub election_timeout: (u64, u64),
    /// Per node, by id: its election timeout range.
    pub timeouts: Vec<(u64, u64)>,
    pub prevote: bool,
    pub check_quorum: bool,
    pub fast_backup: bool,
    pub batch: usize,
    /// Snapshot every this many applied entries (0: never).
    pub snapshot_interval: u64,
    pub read_index: bool,
    pub quorum: Quorum,
}

// ---------------------------------------------------------------------------
// Messages: the two RPCs of Figure 2 (and PreVote), with their replies.

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Msg {
    /// Thesis §9.6: "would you vote for me in `term`?" — nobody changes term.
    PreVote {
        term: Epoch,
        last_index: LogIndex,
        last_term: Epoch,
    },
    PreVoteReply {
        term: Epoch,
        granted: bool,
    },
    RequestVote {
        term: Epoch,
        last_index: LogIndex,
        last_term: Epoch,
    },
    VoteReply {
        term: Epoch,
        granted: bool,
    },
    /// Entries placed right after (`prev`, `prev_term`); empty: a heartbeat.
    AppendEntries {
        term: Epoch,
        prev: LogIndex,
        prev_term: Epoch,
        entries: Vec<Entry<Command>>,
        commit: LogIndex,
    },
    /// `Ok(matched)`: the follower's log matches the leader's up to `matched`.
    /// `Err(refusal)`: it does not hold `prev`. Also the answer to
    /// InstallSnapshot (matched: the snapshot's last index).
    AppendReply {
        term: Epoch,
        result: Result<LogIndex, Refusal>,
    },
    /// Figure 13: the leader's snapshot (last included index and term, and
    /// the state), sent whole in one message (no offset/done chunks).
    InstallSnapshot {
        term: Epoch,
        snapshot: Snapshot,
    },
    /// ReadIndex (thesis §6.4): a heartbeat of round `round`, sent after a
    /// read arrived; a follower's answer confirms the sender still leads.
    ReadHeartbeat {
        term: Epoch,
        round: u64,
    },
    ReadHeartbeatReply {
        term: Epoch,
        round: u64,
    },
}

/// Why a follower refused an append, and where the leader should resume.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Refusal {
    /// The `prev` that was sent.
    pub prev: LogIndex,
    /// The term of the follower's entry at `prev` (`None`: its log is shorter).
    pub conflict_term: Option<Epoch>,
    /// The first index the follower holds of `conflict_term`, or one past its
    /// last entry when its log is shorter.
    pub first_index: LogIndex,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MsgKind {
    PreVote,
    PreVoteReply,
    RequestVote,
    VoteReply,
    AppendEntries,
    Heartbeat,
    AppendReply,
    InstallSnapshot,
    ReadHeartbeat,
    ReadHeartbeatReply,
}

impl Named for MsgKind {
    fn index(self) -> usize {
        self as usize
    }

    const TABLE: &'static [NameRow<MsgKind>] = &[
        NameRow {
            value: MsgKind::PreVote,
            name: "pre_vote",
            about: "could I win the next term? (no term changes)",
        },
        NameRow {
            value: MsgKind::PreVoteReply,
            name: "pre_vote_reply",
            about: "yes or no to a pre-vote",
        },
        NameRow {
            value: MsgKind::RequestVote,
            name: "request_vote",
            about: "a candidate asks for a vote in its term",
        },
        NameRow {
            value: MsgKind::VoteReply,
            name: "vote_reply",
            about: "a vote granted or refused",
        },
        NameRow {
            value: MsgKind::AppendEntries,
            name: "append_entries",
            about: "log entries from the leader, with its commit index",
        },
        NameRow {
            value: MsgKind::Heartbeat,
            name: "heartbeat",
            about: "AppendEntries with no entries",
        },
        NameRow {
            value: MsgKind::AppendReply,
            name: "append_reply",
            about: "a follower's match index, or where its log conflicts",
        },
        NameRow {
            value: MsgKind::InstallSnapshot,
            name: "install_snapshot",
            about: "the leader's snapshot, for a follower behind its first log index",
        },
        NameRow {
            value: MsgKind::ReadHeartbeat,
            name: "read_heartbeat",
            about: "ReadIndex: does the leader still lead, after a read arrived?",
        },
        NameRow {
            value: MsgKind::ReadHeartbeatReply,
            name: "read_heartbeat_reply",
            about: "a follower still follows the leader of that term",
        },
    ];
}

impl Message for Msg {
    type Kind = MsgKind;
    fn kind(&self) -> MsgKind {
        match self {
            Msg::PreVote { .. } => MsgKind::PreVote,
            Msg::PreVoteReply { .. } => MsgKind::PreVoteReply,
            Msg::RequestVote { .. } => MsgKind::RequestVote,
            Msg::VoteReply { .. } => MsgKind::VoteReply,
            Msg::AppendEntries { entries, .. } if entries.is_empty() => MsgKind::Heartbeat,
            Msg::AppendEntries { .. } => MsgKind::AppendEntries,
            Msg::AppendReply { .. } => MsgKind::AppendReply,
            Msg::InstallSnapshot { .. } => MsgKind::InstallSnapshot,
            Msg::ReadHeartbeat { .. } => MsgKind::ReadHeartbeat,
            Msg::ReadHeartbeatReply { .. } => MsgKind::ReadHeartbeatReply,
        }
    }

    fn meaning(kind: MsgKind) -> Meaning {
        match kind {
            MsgKind::PreVote => Meaning {
                en: "{receiver} is asked by {sender} whether it would vote for it in term {term} \
                     (PreVote: nobody's term changes); its log ends at #{last_index}, term {last_term}",
                zh: "{sender} 询问 {receiver} 是否愿意在任期 {term} 投票给它（预投票：谁的任期都不变）；\
                     它的日志结束于 #{last_index}，任期 {last_term}",
            },
            MsgKind::PreVoteReply => Meaning {
                en: "{receiver} hears {sender}'s answer to its pre-vote for term {term}: {granted}",
                zh: "{receiver} 收到 {sender} 对任期 {term} 预投票的回答：{granted}",
            },
            MsgKind::RequestVote => Meaning {
                en: "{receiver} is asked by {sender} for its vote in term {term}; it grants it only \
                     if it has not voted for another in that term and {sender}'s log (ending at \
                     #{last_index}, term {last_term}) is at least as up to date as its own",
                zh: "{sender} 请求 {receiver} 在任期 {term} 投票给它；只有在该任期还没投给别人、\
                     且 {sender} 的日志（结束于 #{last_index}，任期 {last_term}）至少和自己一样新时才会同意",
            },
            MsgKind::VoteReply => Meaning {
                en: "{receiver} hears {sender}'s vote for term {term}: {granted}",
                zh: "{receiver} 收到 {sender} 在任期 {term} 的投票结果：{granted}",
            },
            MsgKind::AppendEntries => Meaning {
                en: "{receiver} receives entries from {sender}, leader of term {term}, to place \
                     after #{prev} (term {prev_term}) if its log holds that entry; the leader has \
                     committed up to #{commit}",
                zh: "{receiver} 收到任期 {term} 的领导者 {sender} 发来的日志条目，\
                     若自己的日志有 #{prev}（任期 {prev_term}）就接在其后；领导者已提交到 #{commit}",
            },
            MsgKind::Heartbeat => Meaning {
                en: "{receiver} hears a heartbeat from {sender}, leader of term {term}, which has \
                     committed up to #{commit}",
                zh: "{receiver} 收到任期 {term} 的领导者 {sender} 的心跳，领导者已提交到 #{commit}",
            },
            MsgKind::AppendReply => Meaning {
                en: "{receiver} hears from {sender} (term {term}) whether its log now matches: {result}",
                zh: "{receiver} 收到 {sender}（任期 {term}）的回复，说明日志是否已匹配：{result}",
            },
            MsgKind::InstallSnapshot => Meaning {
                en: "{receiver} receives the snapshot of {sender}, leader of term {term}: its \
                     state machine after applying the log up to the snapshot's last entry, which \
                     replaces the follower's log up to there",
                zh: "{receiver} 收到任期 {term} 的领导者 {sender} 的快照：应用日志到快照最后一条后的状态机，\
                     它取代跟随者到该处为止的日志",
            },
            MsgKind::ReadHeartbeat => Meaning {
                en: "{receiver} hears from {sender}, leader of term {term}, a heartbeat of read \
                     round {round}: answering it confirms that {sender} still leads",
                zh: "{receiver} 收到任期 {term} 的领导者 {sender} 第 {round} 轮读心跳：回答即确认 {sender} 仍是领导者",
            },
            MsgKind::ReadHeartbeatReply => Meaning {
                en: "{receiver} hears that {sender} still follows it in term {term} (read round \
                     {round})",
                zh: "{receiver} 得知 {sender} 在任期 {term} 仍跟随它（读轮次 {round}）",
            },
        }
    }
}

impl Msg {
    fn term(&self) -> Epoch {
        match self {
            Msg::PreVote { term, .. }
            | Msg::PreVoteReply { term, .. }
            | Msg::RequestVote { term, .. }
            | Msg::VoteReply { term, .. }
            | Msg::AppendEntries { term, .. }
            | Msg::AppendReply { term, .. }
            | Msg::InstallSnapshot { term, .. }
            | Msg::ReadHeartbeat { term, .. }
            | Msg::ReadHeartbeatReply { term, .. } => *term,
        }
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let answer = |granted: &bool| if *granted { "yes" } else { "no" };
        match self {
            Msg::PreVote {
                term,
                last_index,
                last_term,
            } => write!(
                f,
                "pre_vote(term {term}, last #{} term {last_term})",
                last_index.0
            ),
            Msg::PreVoteReply { term, granted } => {
                write!(f, "pre_vote_reply(term {term}, {})", answer(granted))
            }
            Msg::RequestVote {
                term,
                last_index,
                last_term,
            } => write!(
                f,
                "request_vote(term {term}, last #{} term {last_term})",
                last_index.0
            ),
            Msg::VoteReply { term, granted } => {
                write!(f, "vote_reply(term {term}, {})", answer(granted))
            }
            Msg::AppendEntries {
                term,
                prev,
                prev_term,
                entries,
                commit,
            } if entries.is_empty() => write!(
                f,
                "heartbeat(term {term}, prev #{} term {prev_term}, commit #{})",
                prev.0, commit.0
            ),
            Msg::AppendEntries {
                term,
                prev,
                prev_term,
                entries,
                commit,
            } => {
                let shown: Vec<String> = entries
                    .iter()
                    .map(|e| format!("{}:{}", e.epoch, e.command))
                    .collect();
                write!(
                    f,
                    "append_entries(term {term}, prev #{} term {prev_term}: {}; commit #{})",
                    prev.0,
                    shown.join(", "),
                    commit.0
                )
            }
            Msg::AppendReply {
                term,
                result: Ok(matched),
            } => write!(f, "append_reply(term {term}, ok up to #{})", matched.0),
            Msg::AppendReply {
                term,
                result: Err(r),
            } => match r.conflict_term {
                Some(t) => write!(
                    f,
                    "append_reply(term {term}, no #{}: conflict term {t} from #{})",
                    r.prev.0, r.first_index.0
                ),
                None => write!(
                    f,
                    "append_reply(term {term}, no #{}: my log ends at #{})",
                    r.prev.0,
                    r.first_index.0.saturating_sub(1)
                ),
            },
            Msg::InstallSnapshot { term, snapshot } => write!(
                f,
                "install_snapshot(term {term}, up to #{} term {})",
                snapshot.index.0, snapshot.epoch
            ),
            Msg::ReadHeartbeat { term, round } => {
                write!(f, "read_heartbeat(term {term}, round {round})")
            }
            Msg::ReadHeartbeatReply { term, round } => {
                write!(f, "read_heartbeat_reply(term {term}, round {round})")
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timer {
    /// Follower or candidate: no leader heard for an election timeout.
    Election,
    /// Leader: time to send heartbeats (and resend what is missing).
    Heartbeat,
    /// Leader with `check_quorum`: has a majority been heard since last time?
    CheckQuorum,
}

// ---------------------------------------------------------------------------
// Durable state (Figure 2, "Persistent state on all servers").

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Disk {
    pub term: Epoch,
    pub voted_for: Option<NodeId>,
    pub log: Log<Command>,
    /// The last snapshot (Figure 12): the log holds what follows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<Snapshot>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiskWrite {
    /// A new current term; the vote is cleared.
    Term(Epoch),
    /// The vote in the current term.
    Vote(NodeId),
    Log(LogWrite<Command>),
    /// A snapshot replaces the state machine and the log up to its index, in
    /// one write (a crash keeps both or neither): Figure 13 rules 6–7 on the
    /// log, the same as the node applied in memory.
    Snapshot(Snapshot),
}

impl DurableState for Disk {
    type Write = DiskWrite;
    fn apply(&mut self, write: &DiskWrite) {
        match write {
            DiskWrite::Term(term) => {
                self.term = *term;
                self.voted_for = None;
            }
            DiskWrite::Vote(node) => self.voted_for = Some(*node),
            DiskWrite::Log(w) => self.log.apply(w),
            DiskWrite::Snapshot(snapshot) => {
                let _ = self.log.install_snapshot(snapshot.index, snapshot.epoch);
                self.snapshot = Some(snapshot.clone());
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Node state.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Raft {
    me: NodeId,
    config: Config,
    // Persistent state on all servers (mirrored from the disk).
    term: Epoch,
    voted_for: Option<NodeId>,
    log: Log<Command>,
    // Volatile state on all servers.
    commit: LogIndex,
    applier: Applier,
    role: RoleState,
    /// When this node last heard from a leader of its term (PreVote and
    /// CheckQuorum's lease).
    last_heard_leader: Option<Time>,
    /// The last snapshot taken or installed: what the log no longer holds.
    snapshot: Option<Snapshot>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum RoleState {
    Follower { leader: Option<NodeId> },
    PreCandidate { votes: BTreeMap<NodeId, bool> },
    Candidate { votes: BTreeMap<NodeId, bool> },
    Leader(Box<Leading>),
}

/// Volatile state on leaders (Figure 2), plus its waiting clients.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Leading {
    /// The index of the term's no-op.
    start: LogIndex,
    next: BTreeMap<NodeId, LogIndex>,
    matched: BTreeMap<NodeId, LogIndex>,
    /// Followers being probed after a refusal: the index the leader resent
    /// from. A refusal of something sent before (prev at or above it) is
    /// stale; an acknowledgement reaching it ends the probe.
    probing: BTreeMap<NodeId, LogIndex>,
    waiters: Waiters,
    /// Followers heard from since the last CheckQuorum round.
    heard: BTreeSet<NodeId>,
    /// ReadIndex: the last read round started, each follower's highest
    /// round answered, and the reads waiting.
    read_round: u64,
    read_acks: BTreeMap<NodeId, u64>,
    reads: Vec<PendingRead>,
}

/// A read served by ReadIndex, waiting for its round's quorum and for the
/// state machine to reach its read index.
#[derive(Clone, Debug, PartialEq, Eq)]
struct PendingRead {
    request: RequestId,
    input: crate::history::Input,
    read_index: LogIndex,
    round: u64,
}

impl Protocol for Raft {
    type Variant = Variant;
    type Role = Role;
    const ROLES: &'static [RoleRow<Role>] = &[RoleRow {
        role: Role::Server,
        name: "server",
        plural: "servers",
        prefix: "S",
    }];
    const DEFAULT_ROLES: &'static [Role] = &[Role::Server];
    type Params = Params;
    const CHECKS: &'static [CheckKind] = &[
        CheckKind::Linearizability,
        CheckKind::Ghost,
        CheckKind::LogSafety,
        CheckKind::ElectionSafety,
        CheckKind::LogMatching,
        CheckKind::LeaderCompleteness,
    ];
    const OUTCOMES: &'static [OutcomeWord] = &[];
    const SERVES: Serves = Serves::Data;
    /// A fuzz sweep varies how many entries one AppendEntries carries: with
    /// small batches a follower catching up acknowledges an earlier term's
    /// entries before the new term's no-op reaches it (Figure 8's window).
    const PARAM_RANGES: &'static [ParamRange] = &[ParamRange {
        name: "batch",
        values: &[1, 2, 64],
    }];
    const OPTIONS: &'static [OptionRow] = &[
        OptionRow {
            name: "heartbeat",
            about: "ticks between a leader's heartbeats (default 20)",
        },
        OptionRow {
            name: "election_timeout",
            about: "[lo, hi]: election timeouts are drawn from it (default [150, 300])",
        },
        OptionRow {
            name: "election_timeouts",
            about: "per node name, its own [lo, hi] (who times out first)",
        },
        OptionRow {
            name: "prevote",
            about: "true: ask first without raising the term (thesis §9.6; default false)",
        },
        OptionRow {
            name: "check_quorum",
            about: "true: a leader not hearing a majority for a timeout steps down (default false)",
        },
        OptionRow {
            name: "fast_backup",
            about: "false: back up one entry per refusal instead of one term (default true)",
        },
        OptionRow {
            name: "batch",
            about: "at most this many entries per AppendEntries (default 64)",
        },
        OptionRow {
            name: "read_index",
            about: "true: reads by ReadIndex (thesis §6.4) instead of through the log \
                    (default false)",
        },
        OptionRow {
            name: "snapshot_interval",
            about: "snapshot store and sessions every N applied entries, drop the log up to \
                    there, InstallSnapshot to followers behind (0 = off, the default; at most \
                    1000000)",
        },
    ];
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Disk;
    type Config = Config;

    fn configure(setup: &Setup<'_, Self>) -> Result<Config, InputError> {
        let n = setup.cluster.len() as u32;
        let p = &setup.params;
        if p.heartbeat == 0 {
            return Err(setup.error("params.heartbeat", "heartbeat must be > 0"));
        }
        let range = |path: String, [lo, hi]: [u64; 2]| {
            if lo == 0 || hi < lo {
                return Err(setup.error(
                    path,
                    format!("expected [lo, hi] with 0 < lo <= hi, found [{lo}, {hi}]"),
                ));
            }
            if p.heartbeat >= lo {
                return Err(setup.error(
                    path,
                    format!(
                        "the heartbeat ({}) must be shorter than the election timeout ({lo}), \
                         or followers time out between heartbeats",
                        p.heartbeat
                    ),
                ));
            }
            Ok((lo, hi))
        };
        let (lo, hi) = range("params.election_timeout".into(), p.election_timeout)?;
        let mut timeouts = vec![(lo, hi); setup.cluster.len()];
        for (name, r) in &p.election_timeouts {
            let path = format!("params.election_timeouts.{name}");
            let Some(node) = setup.cluster.id(name) else {
                return Err(setup.error(path, format!("no node named {name:?}")));
            };
            timeouts[node.index()] = range(path, *r)?;
        }
        let shortest = timeouts.iter().map(|t| t.0).min().unwrap_or(lo);
        if p.batch == 0 {
            return Err(setup.error("params.batch", "batch must be > 0"));
        }
        if p.snapshot_interval > MAX_SNAPSHOT_INTERVAL {
            return Err(setup.error(
                "params.snapshot_interval",
                format!(
                    "expected 0 (no snapshots) to {MAX_SNAPSHOT_INTERVAL} applied entries \
                     between snapshots, found {}",
                    p.snapshot_interval
                ),
            ));
        }
        Ok(Config {
            variant: setup.variant,
            heartbeat: p.heartbeat,
            election_timeout: (shortest, hi),
            timeouts,
            prevote: p.prevote,
            check_quorum: p.check_quorum,
            fast_backup: p.fast_backup,
            batch: usize::try_from(p.batch).unwrap_or(usize::MAX),
            snapshot_interval: p.snapshot_interval,
            read_index: p.read_index,
            quorum: Quorum::of_cluster(n),
        })
    }

    fn chosen_quorum(_: &Config) -> Option<usize> {
        None
    }

    /// `{"term": T, "log": [t1, t2, ...]}`: a server's current term and the
    /// terms of its log entries from index 1 (each a no-op), as the paper's
    /// figures draw logs. Terms in a log never decrease, and a server's term
    /// is at least its last entry's.
    fn preload(_: &Config, value: &serde_json::Value) -> Result<Disk, (String, String)> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Preload {
            term: u64,
            #[serde(default)]
            log: Vec<u64>,
        }
        let preload: Preload = serde_json::from_value(value.clone()).map_err(|e| {
            (
                String::new(),
                format!("expected {{\"term\": T, \"log\": [terms]}}: {e}"),
            )
        })?;
        let mut disk = Disk {
            term: Epoch(preload.term),
            voted_for: None,
            log: Log::new(),
            snapshot: None,
        };
        let mut last = 0;
        for (i, &term) in preload.log.iter().enumerate() {
            let at = format!(".log[{i}]");
            if term == 0 || term < last {
                return Err((
                    at,
                    format!("entry terms start at 1 and never decrease; found {term} after {last}"),
                ));
            }
            last = term;
            disk.log.apply(&LogWrite::Append(vec![Entry {
                epoch: Epoch(term),
                command: Command::Nop,
            }]));
        }
        if preload.term < last {
            return Err((
                ".term".to_string(),
                format!(
                    "a server's term ({}) is at least its last entry's ({last})",
                    preload.term
                ),
            ));
        }
        Ok(disk)
    }

    fn on_recover(config: &Config, me: NodeId, disk: &Disk, ctx: &mut Ctx<Self>) -> Self {
        // Figure 2: currentTerm, votedFor and log[] come back from the disk;
        // commitIndex and lastApplied start at 0 and are learned again —
        // or, with a snapshot (§7), at its last index, with its state machine.
        let (applier, commit) = match &disk.snapshot {
            Some(snapshot) => (snapshot.restore(), snapshot.index),
            None => (Applier::new(), LogIndex::ZERO),
        };
        let node = Raft {
            me,
            config: config.clone(),
            term: disk.term,
            voted_for: disk.voted_for,
            log: disk.log.clone(),
            commit,
            applier,
            role: RoleState::Follower { leader: None },
            last_heard_leader: None,
            snapshot: disk.snapshot.clone(),
        };
        if node.log.last_index() >= node.log.first_index() {
            node.note_log_from(ctx, node.log.first_index());
        }
        node.reset_election_timer(ctx);
        node
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: ClientRequest) {
        let Op::Data(input) = request.op else {
            ctx.reply(request.id, fail("raft takes data operations", None));
            return;
        };
        let RoleState::Leader(_) = &self.role else {
            // A server that knows the leader points there; one that does not
            // (an election is on) stays silent, and the client retries
            // elsewhere after its timeout rather than giving up.
            if let RoleState::Follower {
                leader: Some(leader),
            } = self.role
            {
                let reason = format!("not the leader of term {}", self.term);
                ctx.reply(request.id, fail(&reason, Some(leader)));
            }
            return;
        };
        if input.action.is_read() && self.config.variant == Variant::StaleRead {
            // BUG: answers from the local store, never asking whether a newer
            // leader has committed since.
            ctx.note(Fact::Served {
                request: request.id,
                epoch: self.term.0,
            });
            let output = self.applier.store().read(&input);
            ctx.reply(request.id, Reply::Ok(output));
            return;
        }
        // ReadIndex (thesis §6.4), once this leader has committed an entry of
        // its term (its no-op; before that, the read goes through the log).
        if input.action.is_read()
            && self.config.read_index
            && self.log.epoch_at(self.commit) == Some(self.term)
        {
            self.start_read_index(ctx, request.id, input);
            return;
        }
        // Seed 002 §7: a retry of an applied request is answered from the
        // session; one still in the log waits for its entry.
        if let Some(output) = self
            .applier
            .sessions()
            .result_of(request.client, request.id)
        {
            // The session may hold a result applied in memory whose log write
            // is still on its way to the disk (a lone leader counts itself at
            // once): the answer waits for the disk, as the first one did.
            ctx.flush();
            ctx.reply(request.id, Reply::Ok(output.clone()));
            return;
        }
        let index = match self.uncommitted_index_of(request.client, request.id) {
            Some(index) => index,
            None => {
                // Rules for Servers, Leaders: "If command received from client:
                // append entry to local log, respond after entry applied to
                // state machine". Reads too: they are answered in log order.
                let is_read = input.action.is_read();
                let write = self.log.append(Entry {
                    epoch: self.term,
                    command: Command::Client(ClientCommand {
                        client: request.client,
                        request: request.id,
                        input,
                    }),
                });
                let index = self.log.last_index();
                self.note_log_from(ctx, index);
                self.leader_stores(ctx, write);
                if !is_read {
                    ctx.note(Fact::Stored {
                        request: request.id,
                        epoch: self.term.0,
                    });
                }
                index
            }
        };
        if let RoleState::Leader(leading) = &mut self.role {
            leading.waiters.wait(request.id, request.client, index);
        }
        self.advance_leader_commit(ctx);
        self.replicate(ctx);
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        // Rules for Servers, All Servers: "If RPC request or response contains
        // term T > currentTerm: set currentTerm = T, convert to follower".
        // PreVote asks about a term nobody is in yet, so it does not count; a
        // refusal carrying a higher term does. With CheckQuorum, a server
        // that hears from its leader ignores a RequestVote within the lease.
        let term = msg.term();
        let moves_term = match &msg {
            Msg::PreVote { .. } => false,
            Msg::PreVoteReply { granted, .. } => !granted,
            Msg::RequestVote { .. } => !self.in_lease(ctx.now()),
            _ => true,
        };
        if moves_term && term > self.term {
            let leader = match &msg {
                Msg::AppendEntries { .. }
                | Msg::InstallSnapshot { .. }
                | Msg::ReadHeartbeat { .. } => Some(from),
                _ => None,
            };
            self.become_follower(ctx, term, leader);
        }
        match msg {
            Msg::PreVote {
                term,
                last_index,
                last_term,
            } => self.on_pre_vote(ctx, from, term, last_index, last_term),
            Msg::PreVoteReply { term, granted } => self.on_pre_vote_reply(ctx, from, term, granted),
            Msg::RequestVote {
                term,
                last_index,
                last_term,
            } => self.on_request_vote(ctx, from, term, last_index, last_term),
            Msg::VoteReply { term, granted } => self.on_vote_reply(ctx, from, term, granted),
            Msg::AppendEntries {
                term,
                prev,
                prev_term,
                entries,
                commit,
            } => self.on_append_entries(ctx, from, term, prev, prev_term, entries, commit),
            Msg::AppendReply { term, result } => self.on_append_reply(ctx, from, term, result),
            Msg::InstallSnapshot { term, snapshot } => {
                self.on_install_snapshot(ctx, from, term, snapshot)
            }
            Msg::ReadHeartbeat { term, round } => self.on_read_heartbeat(ctx, from, term, round),
            Msg::ReadHeartbeatReply { term, round } => {
                self.on_read_heartbeat_reply(ctx, from, term, round)
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        match (timer, &self.role) {
            // Rules for Servers, Followers: "If election timeout elapses without
            // receiving AppendEntries from current leader or granting vote to
            // candidate: convert to candidate". Candidates: "If election timeout
            // elapses: start new election".
            (Timer::Election, RoleState::Leader(_)) => {}
            (Timer::Election, _) => {
                if self.config.prevote {
                    self.start_pre_vote(ctx);
                } else {
                    self.start_election(ctx);
                }
            }
            // Leaders: "repeat during idle periods to prevent election timeouts".
            (Timer::Heartbeat, RoleState::Leader(_)) => {
                self.broadcast_heartbeat(ctx);
                ctx.set_timer(Timer::Heartbeat, self.config.heartbeat);
            }
            (Timer::Heartbeat, _) => {}
            (Timer::CheckQuorum, RoleState::Leader(leading)) => {
                // CheckQuorum: step down unless a majority (this leader
                // included) was heard from within the last election timeout.
                let mut votes: BTreeMap<NodeId, bool> =
                    leading.heard.iter().map(|&n| (n, true)).collect();
                votes.insert(self.me, true);
                if self.config.quorum.vote_result(&votes) == VoteResult::Won {
                    if let RoleState::Leader(leading) = &mut self.role {
                        leading.heard.clear();
                    }
                    ctx.set_timer(Timer::CheckQuorum, self.config.election_timeout.0);
                } else {
                    let term = self.term;
                    self.become_follower(ctx, term, None);
                }
            }
            (Timer::CheckQuorum, _) => {}
        }
    }

    fn describe(&self) -> NodeView {
        let role = match &self.role {
            RoleState::Follower { .. } => "follower",
            RoleState::PreCandidate { .. } => "pre-candidate",
            RoleState::Candidate { .. } => "candidate",
            RoleState::Leader(_) => "leader",
        };
        let mut view = NodeView::new(vec![role]);
        view.field("term", FieldValue::Number(self.term.0));
        match self.voted_for {
            Some(node) => view.field("voted_for", FieldValue::Node(node)),
            None => view.field("voted_for", FieldValue::Word("none")),
        }
        let entries = self.log.iter().map(|(index, e)| LogEntryView {
            index: index.0,
            epoch: e.epoch.0,
            command: e.command.to_string(),
        });
        view.field(
            "log",
            FieldValue::Log {
                entries: entries.collect(),
                commit: (self.commit > LogIndex::ZERO).then_some(self.commit.0),
            },
        );
        view.field("applied", FieldValue::Number(self.applier.applied().0));
        let (base, _) = self.log.snapshot_base();
        if base > LogIndex::ZERO {
            view.field("snapshot", FieldValue::Number(base.0));
        }
        if let RoleState::Leader(leading) = &self.role {
            let per_node = |m: &std::collections::BTreeMap<NodeId, LogIndex>| {
                FieldValue::PerNode(m.iter().map(|(n, i)| (*n, i.0)).collect())
            };
            view.field("next_index", per_node(&leading.next));
            view.field("match_index", per_node(&leading.matched));
        }
        view
    }
}

fn fail(reason: &str, redirect: Option<NodeId>) -> Reply {
    Reply::Fail {
        reason: reason.to_string(),
        redirect,
    }
}

impl Raft {
    fn others(&self) -> Vec<NodeId> {
        let me = self.me;
        self.config
            .quorum
            .voters()
            .iter()
            .copied()
            .filter(|&n| n != me)
            .collect()
    }

    fn is_leader(&self) -> bool {
        matches!(self.role, RoleState::Leader(_))
    }

    /// CheckQuorum's lease: a leader was heard within the minimum election
    /// timeout, so a vote request is a disruption, not an election.
    fn in_lease(&self, now: Time) -> bool {
        self.config.check_quorum && self.heard_leader_recently(now)
    }

    fn heard_leader_recently(&self, now: Time) -> bool {
        self.is_leader()
            || self
                .last_heard_leader
                .is_some_and(|t| now.ticks() - t.ticks() < self.config.election_timeout.0)
    }

    fn reset_election_timer(&self, ctx: &mut Ctx<Self>) {
        let (lo, hi) = self.config.timeouts[self.me.index()];
        let after = ctx.rng().between(lo, hi);
        ctx.set_timer(Timer::Election, after);
    }

    /// Persists a new current term (the vote goes with it).
    fn set_term(&mut self, ctx: &mut Ctx<Self>, term: Epoch) {
        self.term = term;
        self.voted_for = None;
        ctx.persist(DiskWrite::Term(term));
    }

    /// Persists this term's vote, except in `forget-vote` (BUG).
    fn record_vote(&mut self, ctx: &mut Ctx<Self>, candidate: NodeId) {
        self.voted_for = Some(candidate);
        if self.config.variant != Variant::ForgetVote {
            ctx.persist(DiskWrite::Vote(candidate));
        }
    }

    /// Where `request` sits in the uncommitted part of the log, if it does.
    fn uncommitted_index_of(&self, client: ClientId, request: RequestId) -> Option<LogIndex> {
        let from = self.commit.next();
        let entries = self.log.entries_from(from)?;
        entries
            .iter()
            .enumerate()
            .find_map(|(k, e)| match &e.command {
                Command::Client(c) if c.client == client && c.request == request => {
                    Some(from.plus(k as u64))
                }
                _ => None,
            })
    }

    /// States what the log holds from `start` on (after a write there): the
    /// `appended` fact the log-matching and leader-completeness checks read.
    fn note_log_from(&self, ctx: &mut Ctx<Self>, start: LogIndex) {
        let epochs = self
            .log
            .entries_from(start)
            .unwrap_or_default()
            .iter()
            .map(|e| e.epoch.0)
            .collect();
        ctx.note(Fact::Appended {
            index: start.0,
            prev_epoch: self.log.epoch_at(start.prev()).unwrap_or_default().0,
            epochs,
        });
    }

    // --- Elections (§5.2, §5.4.1) ----------------------------------------------

    /// Rules for Servers: a server that learns of a higher term, or a leader
    /// or candidate that must give way, becomes a follower. A leader's waiting
    /// clients get no answer: their entries may still commit.
    fn become_follower(&mut self, ctx: &mut Ctx<Self>, term: Epoch, leader: Option<NodeId>) {
        if term > self.term {
            self.set_term(ctx, term);
        }
        if self.is_leader() {
            ctx.cancel_timer(Timer::Heartbeat);
            ctx.cancel_timer(Timer::CheckQuorum);
        }
        let was_following = matches!(self.role, RoleState::Follower { .. });
        self.role = RoleState::Follower { leader };
        if !was_following {
            self.reset_election_timer(ctx);
        }
    }

    /// PreVote: ask, at the current term, whether the next one could be won.
    fn start_pre_vote(&mut self, ctx: &mut Ctx<Self>) {
        let mut votes = BTreeMap::new();
        votes.insert(self.me, true);
        self.role = RoleState::PreCandidate { votes };
        self.reset_election_timer(ctx);
        if self.config.quorum.vote_result(&self.votes()) == VoteResult::Won {
            self.start_election(ctx);
            return;
        }
        let msg = Msg::PreVote {
            term: self.term.next(),
            last_index: self.log.last_index(),
            last_term: self.log.last_epoch(),
        };
        ctx.send_all(&self.others(), &msg);
    }

    fn votes(&self) -> BTreeMap<NodeId, bool> {
        match &self.role {
            RoleState::PreCandidate { votes } | RoleState::Candidate { votes } => votes.clone(),
            RoleState::Follower { .. } | RoleState::Leader(_) => BTreeMap::new(),
        }
    }

    /// Candidates (§5.2): "On conversion to candidate, start election:
    /// increment currentTerm, vote for self, reset election timer, send
    /// RequestVote RPCs to all other servers".
    fn start_election(&mut self, ctx: &mut Ctx<Self>) {
        let term = self.term.next();
        self.set_term(ctx, term);
        self.record_vote(ctx, self.me);
        let mut votes = BTreeMap::new();
        votes.insert(self.me, true);
        self.role = RoleState::Candidate { votes };
        self.reset_election_timer(ctx);
        if self.config.quorum.vote_result(&self.votes()) == VoteResult::Won {
            self.become_leader(ctx);
            return;
        }
        let msg = Msg::RequestVote {
            term,
            last_index: self.log.last_index(),
            last_term: self.log.last_epoch(),
        };
        // The term and the self-vote are on disk before anyone is asked.
        ctx.flush();
        ctx.send_all(&self.others(), &msg);
    }

    /// PreVote receiver: yes if `term` is ahead of ours, the candidate's log is
    /// up-to-date, and no leader was heard within the minimum election timeout.
    fn on_pre_vote(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        term: Epoch,
        last_index: LogIndex,
        last_term: Epoch,
    ) {
        let granted = term > self.term
            && !self.heard_leader_recently(ctx.now())
            && self.log_ok_for(last_index, last_term);
        let reply_term = if granted { term } else { self.term };
        ctx.send(
            from,
            Msg::PreVoteReply {
                term: reply_term,
                granted,
            },
        );
    }

    fn on_pre_vote_reply(&mut self, ctx: &mut Ctx<Self>, from: NodeId, term: Epoch, granted: bool) {
        let RoleState::PreCandidate { votes } = &mut self.role else {
            return;
        };
        if term != self.term.next() {
            return; // an answer to an older round
        }
        votes.insert(from, granted);
        match self.config.quorum.vote_result(&self.votes()) {
            VoteResult::Won => self.start_election(ctx),
            VoteResult::Lost | VoteResult::Pending => {}
        }
    }

    /// RequestVote RPC, receiver implementation: "1. Reply false if term <
    /// currentTerm. 2. If votedFor is null or candidateId, and candidate's log
    /// is at least as up-to-date as receiver's log, grant vote." The vote is on
    /// disk before the answer leaves (Figure 2: "Updated on stable storage
    /// before responding to RPCs").
    fn on_request_vote(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        term: Epoch,
        last_index: LogIndex,
        last_term: Epoch,
    ) {
        let granted = term == self.term
            && self.voted_for.is_none_or(|v| v == from)
            && self.log_ok_for(last_index, last_term);
        if granted {
            self.record_vote(ctx, from);
            self.reset_election_timer(ctx);
        }
        ctx.flush();
        ctx.send(
            from,
            Msg::VoteReply {
                term: self.term,
                granted,
            },
        );
    }

    /// §5.4.1, the election restriction (skipped by `vote-any-log`, BUG).
    fn log_ok_for(&self, last_index: LogIndex, last_term: Epoch) -> bool {
        self.config.variant == Variant::VoteAnyLog
            || self.log.candidate_up_to_date(last_index, last_term)
    }

    /// Candidates: "If votes received from majority of servers: become leader".
    fn on_vote_reply(&mut self, ctx: &mut Ctx<Self>, from: NodeId, term: Epoch, granted: bool) {
        let RoleState::Candidate { votes } = &mut self.role else {
            return;
        };
        if term != self.term {
            return;
        }
        votes.insert(from, granted);
        if self.config.quorum.vote_result(&self.votes()) == VoteResult::Won {
            self.become_leader(ctx);
        }
    }

    /// Leaders: "Upon election: send initial empty AppendEntries RPCs
    /// (heartbeat) to each server"; nextIndex starts after the leader's last
    /// entry, matchIndex at 0. Then the term's no-op (§8) is appended and
    /// sent: once it commits, so do the earlier terms' entries before it.
    fn become_leader(&mut self, ctx: &mut Ctx<Self>) {
        ctx.note(Fact::Leading { epoch: self.term.0 });
        ctx.cancel_timer(Timer::Election);
        let last = self.log.last_index();
        let others = self.others();
        self.role = RoleState::Leader(Box::new(Leading {
            start: last.next(),
            next: others.iter().map(|&n| (n, last.next())).collect(),
            matched: others.iter().map(|&n| (n, LogIndex::ZERO)).collect(),
            probing: BTreeMap::new(),
            waiters: Waiters::new(),
            heard: BTreeSet::new(),
            read_round: 0,
            read_acks: BTreeMap::new(),
            reads: Vec::new(),
        }));
        // The initial heartbeats claim the term at once; they also learn who
        // already matches the leader's log up to its end.
        self.broadcast_heartbeat(ctx);
        let write = self.log.append(Entry {
            epoch: self.term,
            command: Command::Nop,
        });
        self.note_log_from(ctx, self.log.last_index());
        self.leader_stores(ctx, write);
        self.advance_leader_commit(ctx);
        ctx.set_timer(Timer::Heartbeat, self.config.heartbeat);
        if self.config.check_quorum {
            ctx.set_timer(Timer::CheckQuorum, self.config.election_timeout.0);
        }
        self.replicate(ctx);
    }

    // --- Log replication (§5.3) ------------------------------------------------

    /// The leader's own write of a new entry. Its messages wait for the disk
    /// (the engine holds what a handler does after a write), so by the time a
    /// follower acknowledges, the leader holds the entry durably too — except
    /// in `ack-before-persist`, where a lone leader counts itself first.
    fn leader_stores(&mut self, ctx: &mut Ctx<Self>, write: LogWrite<Command>) {
        if self.config.variant == Variant::AckBeforePersist {
            // BUG: commits (alone, in a one-node cluster) before the write.
            self.advance_leader_commit(ctx);
        }
        ctx.persist(DiskWrite::Log(write));
    }

    /// Sends each follower that is not behind on the way the newest entries.
    fn replicate(&mut self, ctx: &mut Ctx<Self>) {
        let RoleState::Leader(leading) = &self.role else {
            return;
        };
        let last = self.log.last_index();
        let due: Vec<NodeId> = leading
            .next
            .iter()
            .filter(|&(_, &next)| next <= last)
            .map(|(&n, _)| n)
            .collect();
        for follower in due {
            self.send_append(ctx, follower);
        }
    }

    /// Leaders: "send initial empty AppendEntries RPCs (heartbeat) to each
    /// server; repeat during idle periods to prevent election timeouts". A
    /// heartbeat carries no entries, so it is heard even where entries are
    /// lost; to a follower being probed it re-asks the probe (prev is the
    /// index before the one the probe resent from), and the follower's yes
    /// brings the entries.
    fn broadcast_heartbeat(&mut self, ctx: &mut Ctx<Self>) {
        if !self.is_leader() {
            return;
        }
        self.own_log_durable(ctx);
        let RoleState::Leader(leading) = &mut self.role else {
            return;
        };
        for (&follower, &from) in &leading.probing {
            leading.next.insert(follower, from);
        }
        // Figure 13: a follower whose next entry is compacted away gets the
        // snapshot again (the last one may have been lost) instead.
        let first = self.log.first_index();
        let (behind, beats): (Vec<_>, Vec<_>) = leading
            .next
            .iter()
            .map(|(&n, &next)| (n, next))
            .partition(|&(_, next)| next < first);
        for (follower, _) in behind {
            self.send_snapshot(ctx, follower);
        }
        for (follower, next) in beats {
            let prev = next.prev();
            let prev_term = self.log.epoch_at(prev).unwrap_or_default();
            ctx.send(
                follower,
                Msg::AppendEntries {
                    term: self.term,
                    prev,
                    prev_term,
                    entries: Vec::new(),
                    commit: self.commit,
                },
            );
        }
    }

    /// A leader states its commit index (every AppendEntries carries it) only
    /// once its own disk holds what it counted for it: followers apply what it
    /// states, and a copy the leader counted but a crash could still lose
    /// would let a server without the entry win the next election (with a
    /// slow disk, fuzz seed 151 with snapshots every 2 entries: a follower
    /// applied and compacted #30 before the leader's own write of it was
    /// done). `ack-before-persist` states it at once.
    fn own_log_durable(&self, ctx: &mut Ctx<Self>) {
        if self.config.variant != Variant::AckBeforePersist {
            ctx.flush();
        }
    }

    /// AppendEntries to one follower: entries from nextIndex (at most
    /// `batch`), with prevLogIndex = nextIndex − 1 and its term. Sending moves
    /// nextIndex past them (a refusal moves it back).
    fn send_append(&mut self, ctx: &mut Ctx<Self>, follower: NodeId) {
        if !self.is_leader() {
            return;
        }
        self.own_log_durable(ctx);
        let RoleState::Leader(leading) = &mut self.role else {
            return;
        };
        let next = leading.next[&follower];
        if next < self.log.first_index() {
            self.send_snapshot(ctx, follower);
            return;
        }
        let prev = next.prev();
        let prev_term = self.log.epoch_at(prev).unwrap_or_default();
        let entries: Vec<Entry<Command>> = self
            .log
            .entries_from(next)
            .map(|e| e.iter().take(self.config.batch).cloned().collect())
            .unwrap_or_default();
        leading
            .next
            .insert(follower, next.plus(entries.len() as u64));
        ctx.send(
            follower,
            Msg::AppendEntries {
                term: self.term,
                prev,
                prev_term,
                entries,
                commit: self.commit,
            },
        );
    }

    /// Figure 13: "Invoked by leader to send chunks of a snapshot to a
    /// follower" — here the whole snapshot in one message, to a follower whose
    /// nextIndex the leader's log no longer holds. Sending moves nextIndex
    /// past the snapshot (a refusal of what follows moves it back).
    fn send_snapshot(&mut self, ctx: &mut Ctx<Self>, follower: NodeId) {
        let RoleState::Leader(leading) = &mut self.role else {
            return;
        };
        let Some(snapshot) = &self.snapshot else {
            return;
        };
        // Like a probe: the next heartbeat asks about the snapshot's last
        // entry, and a refusal (the snapshot was lost) brings it again.
        leading.next.insert(follower, snapshot.index.next());
        leading.probing.insert(follower, snapshot.index.next());
        ctx.send(
            follower,
            Msg::InstallSnapshot {
                term: self.term,
                snapshot: snapshot.clone(),
            },
        );
    }

    /// InstallSnapshot RPC, receiver implementation (Figure 13).
    fn on_install_snapshot(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        term: Epoch,
        snapshot: Snapshot,
    ) {
        // 1. Reply immediately if term < currentTerm; else, as for
        // AppendEntries, follow the leader.
        if !self.hear_leader(ctx, from, term, snapshot.index) {
            return;
        }
        // 2.–5. (create a file at offset, write chunks, wait for done) do not
        // apply: the snapshot comes whole. A snapshot this server's commit
        // index already covers tells it nothing new (a duplicate, or a
        // delayed one): its log matches the leader's up to there.
        let (index, epoch) = (snapshot.index, snapshot.epoch);
        if index > self.commit {
            // 6. If existing log entry has same index and term as snapshot's
            // last included entry, retain log entries following it; 7.
            // otherwise discard the entire log (Log::install_snapshot).
            let _ = self.log.install_snapshot(index, epoch);
            // 8. Reset state machine using snapshot contents. The log writes
            // and the state go to disk in one write.
            self.applier = snapshot.restore();
            self.commit = index;
            ctx.persist(DiskWrite::Snapshot(snapshot.clone()));
            self.snapshot = Some(snapshot);
            ctx.note(Fact::SnapshotInstalled {
                index: index.0,
                epoch: epoch.0,
            });
        }
        ctx.flush();
        ctx.send(
            from,
            Msg::AppendReply {
                term: self.term,
                result: Ok(index),
            },
        );
    }

    /// AppendEntries RPC, receiver implementation.
    #[allow(clippy::too_many_arguments)]
    fn on_append_entries(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        term: Epoch,
        prev: LogIndex,
        prev_term: Epoch,
        entries: Vec<Entry<Command>>,
        commit: LogIndex,
    ) {
        // 1. Reply false if term < currentTerm.
        if !self.hear_leader(ctx, from, term, prev) {
            return;
        }
        self.append_matching(ctx, from, prev, prev_term, entries, commit);
    }

    /// Rule 1 of the AppendEntries and InstallSnapshot receivers: a message
    /// of an older term is refused (at `at`, so the old leader learns the
    /// newer term); otherwise it comes from the current leader. Candidates:
    /// "If AppendEntries RPC received from new leader: convert to follower";
    /// and the election timer restarts. Whether to handle the message on.
    fn hear_leader(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        term: Epoch,
        at: LogIndex,
    ) -> bool {
        if term < self.term {
            let result = Err(self.refusal(at));
            ctx.send(
                from,
                Msg::AppendReply {
                    term: self.term,
                    result,
                },
            );
            return false;
        }
        self.become_follower(ctx, term, Some(from));
        self.last_heard_leader = Some(ctx.now());
        self.reset_election_timer(ctx);
        true
    }

    /// Rules 2–5 of the AppendEntries receiver.
    fn append_matching(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        prev: LogIndex,
        prev_term: Epoch,
        mut entries: Vec<Entry<Command>>,
        commit: LogIndex,
    ) {
        let sent = entries.len() as u64;
        let matched = prev.plus(sent);
        // Entries inside this server's snapshot are committed, and the
        // snapshot holds them (Figure 2 cannot compare them: their terms are
        // gone). Only the entries after the snapshot's last one are taken,
        // placed after it; an append that ends inside the snapshot matches.
        let (base, _) = self.log.snapshot_base();
        let (prev, prev_term) = if prev < base {
            let inside = usize::try_from(base.0 - prev.0).unwrap_or(usize::MAX);
            if entries.len() < inside {
                self.acknowledge(ctx, from, Vec::new(), matched);
                return;
            }
            let last_inside = entries[inside - 1].epoch;
            entries.drain(..inside);
            (base, last_inside)
        } else {
            (prev, prev_term)
        };
        let last_before = self.log.last_index();
        let writes = if self.config.variant == Variant::KeepConflict {
            self.append_keeping_conflicts(prev, prev_term, entries)
        } else {
            // 2. Reply false if log doesn't contain an entry at prevLogIndex
            // whose term matches prevLogTerm. 3. If an existing entry conflicts
            // with a new one, delete it and all that follow. 4. Append any new
            // entries not already in the log.
            self.log.append_after(prev, prev_term, entries).ok()
        };
        let Some(writes) = writes else {
            let result = Err(self.refusal(prev));
            ctx.send(
                from,
                Msg::AppendReply {
                    term: self.term,
                    result,
                },
            );
            return;
        };
        let changed_from = writes
            .iter()
            .map(|w| match w {
                LogWrite::TruncateFrom(index) => *index,
                LogWrite::Append(_) | LogWrite::CompactTo { .. } => last_before.next(),
            })
            .min();
        if let Some(start) = changed_from {
            self.note_log_from(ctx, start);
        }
        // 5. If leaderCommit > commitIndex, set commitIndex =
        // min(leaderCommit, index of last new entry).
        let writes: Vec<DiskWrite> = writes.into_iter().map(DiskWrite::Log).collect();
        if self.config.variant == Variant::AckBeforePersist {
            // BUG: the acknowledgement leaves before the disk has the entries.
            self.acknowledge(ctx, from, Vec::new(), matched);
            for w in writes {
                ctx.persist(w);
            }
        } else {
            self.acknowledge(ctx, from, writes, matched);
        }
        if commit > self.commit {
            self.advance_commit(ctx, commit.min(matched));
        }
    }

    /// Persists `writes`, waits for the disk (the entries may have come in an
    /// earlier message whose write is still on its way), then acknowledges.
    fn acknowledge(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        writes: Vec<DiskWrite>,
        matched: LogIndex,
    ) {
        for w in writes {
            ctx.persist(w);
        }
        if self.config.variant != Variant::AckBeforePersist {
            ctx.flush();
        }
        ctx.send(
            from,
            Msg::AppendReply {
                term: self.term,
                result: Ok(matched),
            },
        );
    }

    /// `keep-conflict` (BUG): rule 2 as usual, then only entries past the end
    /// are appended — a conflicting entry is neither deleted nor replaced.
    fn append_keeping_conflicts(
        &mut self,
        prev: LogIndex,
        prev_term: Epoch,
        entries: Vec<Entry<Command>>,
    ) -> Option<Vec<LogWrite<Command>>> {
        if prev < self.log.first_index().prev() || !self.log.matches(prev, prev_term) {
            return None;
        }
        let held = self.log.last_index().0.saturating_sub(prev.0) as usize;
        let new: Vec<Entry<Command>> = entries.into_iter().skip(held).collect();
        if new.is_empty() {
            return Some(Vec::new());
        }
        let mut writes = Vec::new();
        for entry in new {
            writes.push(self.log.append(entry));
        }
        Some(writes)
    }

    /// Where this log disagrees with a `prev` it was sent: the conflicting
    /// term and the first index this log holds of it, or its end (fast backup).
    fn refusal(&self, prev: LogIndex) -> Refusal {
        match self.log.epoch_at(prev) {
            Some(t) if prev > LogIndex::ZERO && prev <= self.log.last_index() => {
                let mut first = prev;
                while first > self.log.first_index() && self.log.epoch_at(first.prev()) == Some(t) {
                    first = first.prev();
                }
                Refusal {
                    prev,
                    conflict_term: Some(t),
                    first_index: first,
                }
            }
            _ => Refusal {
                prev,
                conflict_term: None,
                first_index: self.log.last_index().next(),
            },
        }
    }

    /// Leaders: "If successful: update nextIndex and matchIndex for follower.
    /// If AppendEntries fails because of log inconsistency: decrement nextIndex
    /// and retry" — by a whole term at a time with fast backup.
    fn on_append_reply(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        term: Epoch,
        result: Result<LogIndex, Refusal>,
    ) {
        if term != self.term {
            return;
        }
        let fast_backup = self.config.fast_backup;
        let last = self.log.last_index();
        let first = self.log.first_index();
        let resume_after_term = |t: Epoch| {
            // The leader's last entry of term t, if it holds any.
            (first.0..=last.0)
                .rev()
                .map(LogIndex)
                .find(|&i| self.log.epoch_at(i) == Some(t))
        };
        let back_to = match &result {
            Err(r) if fast_backup => Some(match r.conflict_term {
                Some(t) => match resume_after_term(t) {
                    Some(i) => i.next().min(r.prev),
                    None => r.first_index,
                },
                None => r.first_index,
            }),
            Err(r) => Some(r.prev),
            Ok(_) => None,
        };
        let RoleState::Leader(leading) = &mut self.role else {
            return;
        };
        leading.heard.insert(from);
        match result {
            Ok(matched) => {
                if leading
                    .probing
                    .get(&from)
                    .is_some_and(|&p| matched.next() >= p)
                {
                    leading.probing.remove(&from);
                }
                let known = leading.matched.entry(from).or_default();
                *known = (*known).max(matched);
                let known = *known;
                let next = leading.next.entry(from).or_default();
                *next = (*next).max(known.next());
                self.advance_leader_commit(ctx);
                // More to send (a batch limit, or new entries meanwhile).
                if let RoleState::Leader(leading) = &self.role
                    && leading.next[&from] <= self.log.last_index()
                    && leading.matched[&from] == matched
                {
                    self.send_append(ctx, from);
                }
            }
            Err(refusal) => {
                let known = leading.matched[&from];
                let back_to = back_to
                    .unwrap_or(refusal.prev)
                    .max(LogIndex::FIRST)
                    .max(known.next());
                // A refusal of something sent before the last back-off, or at
                // or below what the follower is known to match (a reordered
                // answer from before it caught up), is stale.
                let stale = leading
                    .probing
                    .get(&from)
                    .is_some_and(|&p| refusal.prev >= p)
                    || refusal.prev <= known;
                if !stale {
                    leading.next.insert(from, back_to);
                    leading.probing.insert(from, back_to);
                    self.send_append(ctx, from);
                }
            }
        }
    }

    /// Leaders: "If there exists an N such that N > commitIndex, a majority of
    /// matchIndex[i] ≥ N, and log[N].term == currentTerm: set commitIndex = N"
    /// (`commit-old-term`, BUG, leaves out the term condition).
    fn advance_leader_commit(&mut self, ctx: &mut Ctx<Self>) {
        let RoleState::Leader(leading) = &self.role else {
            return;
        };
        let me = self.me;
        let own = self.log.last_index();
        let n = self
            .config
            .quorum
            .committed_index(|v| if v == me { own } else { leading.matched[&v] });
        if n <= self.commit {
            return;
        }
        let current_term = self.log.epoch_at(n) == Some(self.term);
        if current_term || self.config.variant == Variant::CommitOldTerm {
            self.advance_commit(ctx, n);
        }
    }

    // --- Applying (Rules for Servers, All Servers) ----------------------------

    /// "If commitIndex > lastApplied: increment lastApplied, apply
    /// log[lastApplied] to state machine" — in index order, each once; the
    /// leader answers the clients waiting for what applied.
    fn advance_commit(&mut self, ctx: &mut Ctx<Self>, to: LogIndex) {
        let to = to.min(self.log.last_index());
        if to <= self.commit {
            return;
        }
        self.commit = to;
        // The leader counted its own copy of the entries it commits; it
        // applies them, and answers their clients, only once its disk holds
        // them (with a slow disk its write may still be on the way: a crash
        // would lose it, and the old leader's vote could then elect a server
        // without them). Thesis §10.2.1: the leader writes in parallel with
        // replicating, but counts itself once its write is durable.
        // `ack-before-persist` counts its own copy as it counts a follower's
        // early acknowledgement: before the disk holds it.
        if self.config.variant != Variant::AckBeforePersist {
            ctx.flush();
        }
        let applied = self.applier.apply_log(&self.log, self.commit);
        for a in &applied {
            let index = a.index();
            let Some(entry) = self.log.entry(index) else {
                continue;
            };
            let request = match a {
                Applied::Client {
                    request,
                    outcome: SessionOutcome::Applied(_),
                    ..
                } => Some(*request),
                Applied::Client { .. } | Applied::Nop { .. } => None,
            };
            let is_read = matches!(&entry.command, Command::Client(c) if c.input.action.is_read());
            ctx.note(Fact::Applied {
                index: index.0,
                epoch: entry.epoch.0,
                command: CommandText::of(&entry.command),
                request: request.filter(|_| !is_read),
            });
        }
        self.answer_applied(ctx, &applied);
        self.serve_confirmed_reads(ctx);
        self.compact_if_due(ctx);
    }

    /// The leader answers the clients waiting for what applied.
    fn answer_applied(&mut self, ctx: &mut Ctx<Self>, applied: &[Applied]) {
        let RoleState::Leader(leading) = &mut self.role else {
            return;
        };
        // A read through the log is served in the term of its entry: that
        // leader ordered it, and it sees exactly the entries before it (the
        // ghost check compares that term with the term a write was stored in).
        let served: Vec<(RequestId, Epoch)> = applied
            .iter()
            .filter_map(|a| match a {
                Applied::Client { index, request, .. }
                    if leading.waiters.get(*request).is_some() =>
                {
                    let entry = self.log.entry(*index)?;
                    matches!(&entry.command, Command::Client(c) if c.input.action.is_read())
                        .then_some((*request, entry.epoch))
                }
                _ => None,
            })
            .collect();
        let replies = leading.waiters.release_applied(applied);
        for (request, reply) in replies {
            if let Some(&(_, term)) = served.iter().find(|(r, _)| *r == request) {
                ctx.note(Fact::Served {
                    request,
                    epoch: term.0,
                });
            }
            ctx.reply(request, reply);
        }
    }

    /// Log compaction (§7): every `snapshot_interval` applied entries, the
    /// state machine as of lastApplied (store and sessions) goes to disk as a
    /// snapshot, which replaces the log up to that entry (Figure 12).
    fn compact_if_due(&mut self, ctx: &mut Ctx<Self>) {
        let (base, _) = self.log.snapshot_base();
        if !Snapshot::due(self.config.snapshot_interval, self.applier.applied(), base) {
            return;
        }
        let Some(snapshot) = Snapshot::take(&self.applier, &self.log) else {
            return;
        };
        // The log holds the snapshot's last entry: Figure 13 rule 6 keeps
        // what follows it.
        let _ = self.log.install_snapshot(snapshot.index, snapshot.epoch);
        ctx.persist(DiskWrite::Snapshot(snapshot.clone()));
        self.snapshot = Some(snapshot);
    }

    // --- ReadIndex (thesis §6.4) -----------------------------------------------

    /// "1. Save the current commit index in a local variable readIndex.
    /// 2. Send a new round of heartbeats, and wait for their acknowledgments
    /// from a majority of the cluster."
    fn start_read_index(
        &mut self,
        ctx: &mut Ctx<Self>,
        request: RequestId,
        input: crate::history::Input,
    ) {
        let others = self.others();
        let term = self.term;
        let read_index = self.commit;
        let RoleState::Leader(leading) = &mut self.role else {
            return;
        };
        leading.read_round += 1;
        let round = leading.read_round;
        leading.reads.push(PendingRead {
            request,
            input,
            read_index,
            round,
        });
        ctx.send_all(&others, &Msg::ReadHeartbeat { term, round });
        self.serve_confirmed_reads(ctx);
    }

    /// A follower answers a read heartbeat of its leader like a heartbeat:
    /// it follows the sender and resets its election timer.
    fn on_read_heartbeat(&mut self, ctx: &mut Ctx<Self>, from: NodeId, term: Epoch, round: u64) {
        if term >= self.term {
            self.become_follower(ctx, term, Some(from));
            self.last_heard_leader = Some(ctx.now());
            self.reset_election_timer(ctx);
        }
        ctx.send(
            from,
            Msg::ReadHeartbeatReply {
                term: self.term,
                round,
            },
        );
    }

    fn on_read_heartbeat_reply(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        term: Epoch,
        round: u64,
    ) {
        if term != self.term {
            return;
        }
        let RoleState::Leader(leading) = &mut self.role else {
            return;
        };
        leading.heard.insert(from);
        let acked = leading.read_acks.entry(from).or_default();
        *acked = (*acked).max(round);
        self.serve_confirmed_reads(ctx);
    }

    /// "3. Wait for its state machine to advance at least as far as the
    /// readIndex. 4. Process the query against its state machine" — for each
    /// read whose round a majority (this leader included) has answered.
    fn serve_confirmed_reads(&mut self, ctx: &mut Ctx<Self>) {
        let me = self.me;
        let applied = self.applier.applied();
        let RoleState::Leader(leading) = &mut self.role else {
            return;
        };
        if leading.reads.is_empty() {
            return;
        }
        let quorum = &self.config.quorum;
        let acks = &leading.read_acks;
        let confirmed = |round: u64| {
            let mut votes: BTreeMap<NodeId, bool> =
                acks.iter().map(|(&n, &r)| (n, r >= round)).collect();
            votes.insert(me, true);
            quorum.vote_result(&votes) == VoteResult::Won
        };
        let (ready, waiting): (Vec<PendingRead>, Vec<PendingRead>) =
            std::mem::take(&mut leading.reads)
                .into_iter()
                .partition(|r| applied >= r.read_index && confirmed(r.round));
        leading.reads = waiting;
        if !ready.is_empty() {
            // What a lone leader applied may still be on its way to the disk.
            ctx.flush();
        }
        for read in ready {
            ctx.note(Fact::Served {
                request: read.request,
                epoch: self.term.0,
            });
            let output = self.applier.store().read(&read.input);
            ctx.reply(read.request, Reply::Ok(output));
        }
    }
}
