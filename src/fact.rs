//! Protocol facts: what a node did that a checker, a diagram or a narration needs.
//!
//! A protocol states a fact through `Ctx::note` at the moment it happens; the engine
//! writes it into the trace. Checkers are functions over these facts, so they work
//! the same on a live run, a replayed trace and a trace read from a file.

use crate::ballot::Ballot;
use crate::bank::{Account, TxName};
use crate::ids::{NodeId, RequestId};
use crate::time::Time;
use crate::value::Value;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fact", rename_all = "snake_case")]
pub enum Fact {
    /// An acceptor promised not to answer prepares ≤ `ballot` nor accept < `ballot`.
    Promised { ballot: Ballot },
    /// An acceptor accepted `value` in proposal `ballot`.
    Accepted { ballot: Ballot, value: Value },
    /// A proposer sent accept(`ballot`, `value`) (phase 2a): the value it proposes,
    /// its own or the highest-numbered one reported to it.
    Proposed {
        ballot: Ballot,
        value: Value,
        adopted: bool,
    },
    /// A learner (or a proposer that counted a majority of accepts) learned `value`.
    Learned { value: Value },
    /// A node started leading `epoch` (a view, term, ballot or epoch number).
    Leading { epoch: u64 },
    /// A client's update was stored by this node in `epoch`. The first such fact
    /// for a request is when the write was first stored by any node.
    Stored { request: RequestId, epoch: u64 },
    /// A client's read was served by this node under `epoch`.
    Served { request: RequestId, epoch: u64 },
    /// This node learned that log `index` (a slot; Basic Paxos has only slot 0)
    /// is committed with `command`, an entry of `epoch`.
    Committed {
        index: u64,
        epoch: u64,
        command: String,
    },
    /// This node applied log `index` (`command`, of `epoch`) to its store;
    /// `request` when it was a client's update taking effect (not a no-op, not
    /// a deduplicated retry): the epoch of the copy that took effect.
    Applied {
        index: u64,
        epoch: u64,
        command: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request: Option<RequestId>,
    },
    /// This node's log now holds entries of `epochs` from `index` on, right
    /// after an entry of `prev_epoch` at `index - 1` (0 at the start of the
    /// log); whatever it held from `index` on before is gone. A restarted node
    /// states the log it read from disk this way.
    Appended {
        index: u64,
        prev_epoch: u64,
        epochs: Vec<u64>,
    },
    /// This node installed a snapshot covering its log up to `index` (an entry
    /// of `epoch`): what it held up to there is replaced by the snapshot; the
    /// entries after it are kept only if it held `index` with `epoch`.
    SnapshotInstalled { index: u64, epoch: u64 },
    /// A participant opened `account` with `balance` (first boot).
    Opened { account: Account, balance: i64 },
    /// A coordinator began transaction `tx` among `participants`.
    TxBegun {
        tx: TxName,
        participants: Vec<NodeId>,
    },
    /// A participant voted on `tx`: Yes (prepared, redo/undo on disk, accounts
    /// locked; `delta` is the sum of its changes) or No (with the reason).
    Voted {
        tx: TxName,
        yes: bool,
        delta: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// The outcome of `tx` was decided (logged by a coordinator, or learned
    /// from a Paxos group): commit or abort.
    Decided { tx: TxName, commit: bool },
    /// A participant committed `tx`: its balances changed by `delta` in sum.
    TxCommitted { tx: TxName, delta: i64 },
    /// A participant rolled `tx` back (or aborted it before voting).
    TxAborted { tx: TxName },
    /// A prepared participant waited for the outcome of `tx` past its timeout
    /// and cannot decide on its own: it holds its locks and asks.
    Blocked { tx: TxName },
    /// The coordinator answered the client of `tx`.
    Answered { tx: TxName, commit: bool },
}

impl Fact {
    pub fn name(&self) -> &'static str {
        match self {
            Fact::Promised { .. } => "promised",
            Fact::Accepted { .. } => "accepted",
            Fact::Proposed { .. } => "proposed",
            Fact::Learned { .. } => "learned",
            Fact::Leading { .. } => "leading",
            Fact::Stored { .. } => "stored",
            Fact::Served { .. } => "served",
            Fact::Committed { .. } => "committed",
            Fact::Applied { .. } => "applied",
            Fact::Appended { .. } => "appended",
            Fact::SnapshotInstalled { .. } => "snapshot_installed",
            Fact::Opened { .. } => "opened",
            Fact::TxBegun { .. } => "tx_begun",
            Fact::Voted { .. } => "voted",
            Fact::Decided { .. } => "decided",
            Fact::TxCommitted { .. } => "tx_committed",
            Fact::TxAborted { .. } => "tx_aborted",
            Fact::Blocked { .. } => "blocked",
            Fact::Answered { .. } => "answered",
        }
    }
}

/// A fact as recorded during a run: when, by which node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FactRecord {
    pub t: Time,
    pub node: NodeId,
    pub fact: Fact,
}
