//! What a node shows of itself: a protocol-neutral, structured picture of its
//! state, returned by [`crate::protocol::Protocol::describe`].
//!
//! Step mode, the interaction tests (`view NODE`), a narration and the HTML
//! viewer all read the same picture, so it is data rather than text:
//!
//! - every field has a **stable id** (`"promised"`, `"log"`): a narration
//!   translates it ("promised" → "承诺") and a viewer places it by id, so an id
//!   is never renamed once a protocol ships it;
//! - every value is **typed** ([`FieldValue`]): a ballot, a node, a value, a log
//!   with its commit point. A viewer can draw a log as boxes and a ballot as a
//!   number, and the text renderer ([`crate::render::view`]) says "none" for
//!   ballot 0 without each protocol spelling it out;
//! - roles and phases are **words** from a fixed set, translatable like ids.
//!
//! Nodes appear as [`NodeId`]s: names live in the scenario, and the renderer
//! looks them up.

use crate::ballot::Ballot;
use crate::ids::NodeId;
use crate::value::Value;
use serde::Serialize;

/// A snapshot of one node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeView {
    /// The roles the node plays right now, as stable words
    /// (`["proposer", "acceptor"]`, `["primary"]`).
    pub roles: Vec<&'static str>,
    /// Fields in display order.
    pub fields: Vec<Field>,
}

impl NodeView {
    pub fn new(roles: Vec<&'static str>) -> NodeView {
        NodeView {
            roles,
            fields: Vec::new(),
        }
    }

    /// Adds a field at the end.
    pub fn field(&mut self, id: &'static str, value: FieldValue) {
        self.fields.push(Field { id, value });
    }

    /// The field with id `id`, if the node shows one.
    pub fn get(&self, id: &str) -> Option<&FieldValue> {
        self.fields.iter().find(|f| f.id == id).map(|f| &f.value)
    }
}

/// One named piece of a node's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Field {
    /// Stable, snake_case, unique within the view: what translations and
    /// viewers key on. The English label is the id with spaces for underscores.
    pub id: &'static str,
    pub value: FieldValue,
}

/// A typed field value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum FieldValue {
    /// A state name from a fixed set ("idle", "preparing"): translatable.
    Word(&'static str),
    /// Free text, shown as it is.
    Text(String),
    Number(u64),
    /// A proposal number; ballot 0 is "none".
    Ballot(Ballot),
    Node(NodeId),
    /// A set of nodes, in the order the protocol keeps them.
    Nodes(Vec<NodeId>),
    /// A number for each of some nodes (a leader's next and match index per
    /// follower), in node order.
    PerNode(Vec<(NodeId, u64)>),
    /// A consensus value, or nothing yet.
    Value(Option<Value>),
    /// An accepted proposal (ballot, value), or none.
    Proposal(Option<(Ballot, Value)>),
    /// A replicated log and how much of it is committed.
    Log {
        entries: Vec<LogEntryView>,
        /// The index of the last committed entry; `None` when nothing is.
        commit: Option<u64>,
    },
}

/// One log entry as a viewer draws it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogEntryView {
    /// The entry's index, numbered as the protocol numbers it in its messages.
    pub index: u64,
    /// The epoch (term, view, ballot) of the leader that created it.
    pub epoch: u64,
    /// The command, as the run log writes it.
    pub command: String,
}
