//! Operations clients ask a replicated service to perform, and their answers.
//!
//! Data operations are the history's own [`Input`] and [`Output`], so what a
//! client asked and saw goes into its history unchanged. In traces they are
//! written with the field names of the history format (docs/history-format.md):
//! `{"f":"append","key":"x","value":3}`.

use crate::bank::Transfer;
use crate::history::{Action, AppendOp, Input, KvOp, Output, RegisterOp, SetOp};
use crate::ids::{ClientId, NodeId, RequestId};
use crate::time::Time;
use crate::value::Value;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// What a client asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Ask a consensus protocol to choose `value` (Basic Paxos: a proposer's input).
    Propose(Value),
    /// Read or update the replicated store.
    Data(Input),
    /// Run a bank transfer as one distributed transaction (commit protocols).
    Transfer(Transfer),
}

/// A request as it reaches a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientRequest {
    pub id: RequestId,
    pub client: ClientId,
    pub op: Op,
}

/// A node's answer to a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// Consensus reached on this value (it may differ from the one proposed).
    Chosen(Value),
    /// The operation took effect (or was read) with this result.
    Ok(Output),
    /// Definitely not applied; the client may try `redirect` instead.
    Fail {
        reason: String,
        redirect: Option<NodeId>,
    },
    /// The transaction's outcome: committed everywhere, or rolled back.
    Decided { commit: bool },
}

impl Serialize for Op {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Op::Propose(v) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("propose", v)?;
                m.end()
            }
            Op::Data(input) => input.serialize(s),
            Op::Transfer(t) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("transfer", t)?;
                m.end()
            }
        }
    }
}

impl Serialize for Input {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("f", self.action.function())?;
        m.serialize_entry("key", &self.key.0)?;
        match &self.action {
            Action::Register(RegisterOp::Write(v)) => m.serialize_entry("value", v)?,
            Action::Register(RegisterOp::Cas { from, to }) => {
                m.serialize_entry("from", from)?;
                m.serialize_entry("to", to)?;
            }
            Action::Kv(KvOp::Put(v) | KvOp::Append(v)) => m.serialize_entry("value", v)?,
            Action::Append(AppendOp::Append(e)) | Action::Set(SetOp::Add(e)) => {
                m.serialize_entry("value", e)?
            }
            Action::Register(RegisterOp::Read)
            | Action::Kv(KvOp::Get)
            | Action::Append(AppendOp::Read)
            | Action::Set(SetOp::Read) => {}
        }
        m.end()
    }
}

/// An output as the value a client saw: `null`/3 for a register read, a list for
/// an append or set read, a string for a kv get, `{"applied":b}` for a CAS, and
/// `"ok"` for an acknowledged update.
impl Serialize for Output {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Output::Done => s.serialize_str("ok"),
            Output::Register(v) => v.serialize(s),
            Output::Cas { applied } => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("applied", applied)?;
                m.end()
            }
            Output::Text(t) => s.serialize_str(t),
            Output::List(xs) | Output::Elements(xs) => xs.serialize(s),
        }
    }
}

impl Serialize for Reply {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        match self {
            Reply::Chosen(v) => m.serialize_entry("chosen", v)?,
            Reply::Decided { commit } => {
                m.serialize_entry("decision", if *commit { "commit" } else { "abort" })?
            }
            Reply::Ok(output) => m.serialize_entry("ok", output)?,
            Reply::Fail { reason, redirect } => {
                m.serialize_entry("fail", reason)?;
                if let Some(node) = redirect {
                    m.serialize_entry("redirect", node)?;
                }
            }
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Key;

    fn json<T: Serialize>(x: &T) -> String {
        serde_json::to_string(x).unwrap()
    }

    #[test]
    fn operations_use_the_history_field_names() {
        let append = Input {
            key: Key::new("x"),
            action: Action::Append(AppendOp::Append(3)),
        };
        assert_eq!(
            json(&Op::Data(append)),
            r#"{"f":"append","key":"x","value":3}"#
        );
        let cas = Input {
            key: Key::new("r"),
            action: Action::Register(RegisterOp::Cas { from: 1, to: 2 }),
        };
        assert_eq!(json(&cas), r#"{"f":"cas","key":"r","from":1,"to":2}"#);
        assert_eq!(json(&Op::Propose(Value::new("X"))), r#"{"propose":"X"}"#);
    }

    #[test]
    fn replies_say_what_the_client_saw() {
        assert_eq!(
            json(&Reply::Ok(Output::List(vec![1, 2]))),
            r#"{"ok":[1,2]}"#
        );
        assert_eq!(json(&Reply::Ok(Output::Register(None))), r#"{"ok":null}"#);
        assert_eq!(json(&Reply::Ok(Output::Done)), r#"{"ok":"ok"}"#);
        assert_eq!(
            json(&Reply::Fail {
                reason: "not primary".into(),
                redirect: Some(NodeId(1))
            }),
            r#"{"fail":"not primary","redirect":1}"#
        );
    }
}

/// A scripted client request from a scenario's `requests` list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptedRequest {
    /// Position in the file's `requests` list (for error paths).
    pub index: usize,
    pub at: Time,
    pub node: NodeId,
    pub op: Op,
}
