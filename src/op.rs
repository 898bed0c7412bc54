//! Operations clients ask a replicated service to perform, and their answers.

use crate::ids::{ClientId, NodeId, RequestId};
use crate::value::Value;
use serde::{Deserialize, Serialize};

/// What a client asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Ask a consensus protocol to choose `value` (Basic Paxos: a proposer's input).
    Propose(Value),
}

/// A request as it reaches a node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientRequest {
    pub id: RequestId,
    pub client: ClientId,
    pub op: Op,
}

/// A node's answer to a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    /// Consensus reached on this value (it may differ from the one proposed).
    Chosen(Value),
    /// Definitely not applied; the client may try another node (`redirect`).
    Fail {
        reason: String,
        redirect: Option<NodeId>,
    },
}
