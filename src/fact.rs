//! Protocol facts: what a node did that a checker, a diagram or a narration needs.
//!
//! A protocol states a fact through `Ctx::note` at the moment it happens; the engine
//! writes it into the trace. Checkers are functions over these facts, so they work
//! the same on a live run, a replayed trace and a trace read from a file.

use crate::ballot::Ballot;
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
