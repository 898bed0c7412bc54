//! Identifiers of the things a run talks about: nodes, clients, requests, messages.
//!
//! All are small integers so that the hot path copies words, never strings; the
//! names a person reads ("A1", "c3") live in the scenario and are looked up when
//! a trace line or a log line is written.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A node (a replica / process running a protocol), by its index in the scenario's
/// node list. Node 0 is the first node listed.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct NodeId(pub u32);

impl NodeId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}

/// A simulated client of the replicated service.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct ClientId(pub u32);

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "c{}", self.0)
    }
}

/// A client request. Retries of one logical operation carry the same id, so a
/// protocol can deduplicate them (seed 002 §7: "Client 赋予每个 Command 唯一标识").
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct RequestId(pub u64);

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "r{}", self.0)
    }
}

/// One message put on the virtual network. A duplicate gets an id of its own, and
/// the trace links it to the original.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct MessageId(pub u64);

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "m{}", self.0)
    }
}

/// A set of nodes as a bit mask (at most 128 nodes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NodeSet(pub u128);

impl NodeSet {
    pub const EMPTY: NodeSet = NodeSet(0);

    pub fn all(n: usize) -> NodeSet {
        if n >= 128 {
            NodeSet(u128::MAX)
        } else {
            NodeSet((1u128 << n) - 1)
        }
    }

    pub fn single(node: NodeId) -> NodeSet {
        NodeSet(1u128 << node.0)
    }

    pub fn contains(self, node: NodeId) -> bool {
        self.0 >> node.0 & 1 == 1
    }

    pub fn insert(&mut self, node: NodeId) {
        self.0 |= 1u128 << node.0;
    }

    pub fn iter(self) -> impl Iterator<Item = NodeId> {
        (0..128u32)
            .filter(move |i| self.0 >> i & 1 == 1)
            .map(NodeId)
    }
}
