//! Operation histories in the Jepsen/Porcupine sense.
//!
//! A history is what the clients saw: for each operation, when it was invoked,
//! what it asked for, and how (and when) it completed. A completion is
//! - `ok`, with the result the client received;
//! - `fail`: the operation definitely did not take effect;
//! - `info`: indeterminate (a timeout). It may take effect at any time after its
//!   invocation, or never. An operation still open when the history ends is
//!   `info` too, without a time at which the client gave up.
//!
//! Four kinds of operation exist, one per model the checkers know (see
//! [`ModelKind`]); a history holds operations of one kind. Every operation carries
//! an id (the simulator uses the client's request id) so that facts from a trace
//! can be joined to it.
//!
//! Histories are built with [`HistoryBuilder`], which rejects impossible event
//! sequences; the file formats (`jsonl`, `etcd`, `edn_kv`) all go through it.

pub mod builder;
pub mod edn_kv;
pub mod etcd;
pub mod format;
pub mod jsonl;

pub use builder::{HistoryBuilder, HistoryError, OpHandle};
pub use format::{Format, read_history, read_history_file, text_of};

use crate::ids::{ClientId, RequestId};
use crate::time::Time;
use std::fmt;

/// The kind of data an operation works on, which is also the name of the model
/// that checks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ModelKind {
    /// Integer registers on named keys: read, write, compare-and-set.
    Register,
    /// String values on named keys: get, put, append (string concatenation).
    Kv,
    /// Append-only logs on named keys: append a unique element; read the list.
    Append,
    /// Grow-only sets on named keys: add a unique element; read the set.
    Set,
}

impl ModelKind {
    pub const ALL: [ModelKind; 4] = [
        ModelKind::Register,
        ModelKind::Kv,
        ModelKind::Append,
        ModelKind::Set,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Register => "register",
            ModelKind::Kv => "kv",
            ModelKind::Append => "append",
            ModelKind::Set => "set",
        }
    }

    pub fn from_name(name: &str) -> Option<ModelKind> {
        ModelKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The key an operation reads or writes. Shared, not copied: every log entry,
/// message and history record that names a key clones it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key(pub std::sync::Arc<str>);

impl Key {
    pub fn new(s: &str) -> Key {
        Key(s.into())
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A register operation. Values are integers; a register that was never written
/// reads as `nil` (`None`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RegisterOp {
    Read,
    Write(i64),
    /// Set the register to `to` if it holds `from`.
    Cas {
        from: i64,
        to: i64,
    },
}

/// A string key/value operation. A key never written holds the empty string.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KvOp {
    Get,
    Put(String),
    /// Concatenate to the current value.
    Append(String),
}

/// An append-log operation. Elements are unique per history.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AppendOp {
    Append(u64),
    /// Read the whole log, oldest element first.
    Read,
}

/// A grow-only set operation. Elements are unique per history.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SetOp {
    Add(u64),
    Read,
}

/// What an operation asks for, on which key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Input {
    pub key: Key,
    pub action: Action,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Register(RegisterOp),
    Kv(KvOp),
    Append(AppendOp),
    Set(SetOp),
}

impl Action {
    pub fn kind(&self) -> ModelKind {
        match self {
            Action::Register(_) => ModelKind::Register,
            Action::Kv(_) => ModelKind::Kv,
            Action::Append(_) => ModelKind::Append,
            Action::Set(_) => ModelKind::Set,
        }
    }

    /// True for operations whose `ok` carries a value read from the store.
    pub fn is_read(&self) -> bool {
        matches!(
            self,
            Action::Register(RegisterOp::Read)
                | Action::Kv(KvOp::Get)
                | Action::Append(AppendOp::Read)
                | Action::Set(SetOp::Read)
        )
    }

    /// The function name used in files and messages ("read", "cas", "put", ...).
    pub fn function(&self) -> &'static str {
        match self {
            Action::Register(RegisterOp::Read) => "read",
            Action::Register(RegisterOp::Write(_)) => "write",
            Action::Register(RegisterOp::Cas { .. }) => "cas",
            Action::Kv(KvOp::Get) => "get",
            Action::Kv(KvOp::Put(_)) => "put",
            Action::Kv(KvOp::Append(_)) => "append",
            Action::Append(AppendOp::Append(_)) => "append",
            Action::Append(AppendOp::Read) => "read",
            Action::Set(SetOp::Add(_)) => "add",
            Action::Set(SetOp::Read) => "read",
        }
    }
}

impl Input {
    pub fn new(key: &str, action: Action) -> Input {
        Input {
            key: Key::new(key),
            action,
        }
    }
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = &self.key;
        match &self.action {
            Action::Register(RegisterOp::Read)
            | Action::Kv(KvOp::Get)
            | Action::Append(AppendOp::Read)
            | Action::Set(SetOp::Read) => write!(f, "{}({k})", self.action.function()),
            Action::Register(RegisterOp::Write(v)) => write!(f, "write({k}, {v})"),
            Action::Register(RegisterOp::Cas { from, to }) => write!(f, "cas({k}, {from}->{to})"),
            Action::Kv(KvOp::Put(s)) => write!(f, "put({k}, {s:?})"),
            Action::Kv(KvOp::Append(s)) => write!(f, "append({k}, {s:?})"),
            Action::Append(AppendOp::Append(e)) => write!(f, "append({k}, {e})"),
            Action::Set(SetOp::Add(e)) => write!(f, "add({k}, {e})"),
        }
    }
}

/// What an `ok` completion reported.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Output {
    /// A write, put, append or add was acknowledged.
    Done,
    /// A register read: the value, or `None` for nil (never written).
    Register(Option<i64>),
    /// A compare-and-set answered: `applied == false` means the compare failed
    /// (so the register did not hold `from` at that point).
    Cas { applied: bool },
    /// A kv get: the whole string value.
    Text(String),
    /// An append-log read: the elements in log order.
    List(Vec<u64>),
    /// A set read: the elements, sorted ascending (an element a faulty system
    /// listed twice stays listed twice).
    Elements(Vec<u64>),
}

impl Output {
    /// The bytes this output holds on the heap (its list, elements or text).
    pub fn heap_bytes(&self) -> u64 {
        match self {
            Output::Done | Output::Register(_) | Output::Cas { .. } => 0,
            Output::Text(t) => t.len() as u64,
            Output::List(l) | Output::Elements(l) => 8 * l.len() as u64,
        }
    }
}

impl Output {
    /// Whether this output is a possible answer to `action` (the right shape,
    /// not necessarily the right value).
    pub fn fits(&self, action: &Action) -> bool {
        matches!(
            (action, self),
            (Action::Register(RegisterOp::Read), Output::Register(_))
                | (Action::Register(RegisterOp::Write(_)), Output::Done)
                | (Action::Register(RegisterOp::Cas { .. }), Output::Cas { .. })
                | (Action::Kv(KvOp::Get), Output::Text(_))
                | (Action::Kv(KvOp::Put(_) | KvOp::Append(_)), Output::Done)
                | (Action::Append(AppendOp::Append(_)), Output::Done)
                | (Action::Append(AppendOp::Read), Output::List(_))
                | (Action::Set(SetOp::Add(_)), Output::Done)
                | (Action::Set(SetOp::Read), Output::Elements(_))
        )
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Output::Done => f.write_str("ok"),
            Output::Register(None) => f.write_str("nil"),
            Output::Register(Some(v)) => write!(f, "{v}"),
            Output::Cas { applied: true } => f.write_str("applied"),
            Output::Cas { applied: false } => f.write_str("compare failed"),
            Output::Text(s) => write!(f, "{s:?}"),
            Output::List(xs) | Output::Elements(xs) => write!(f, "{xs:?}"),
        }
    }
}

/// How an operation ended, as the builder is told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok(Output),
    Fail,
    Info,
}

/// How an operation ended, as recorded in a history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Completion {
    Ok {
        at: Time,
        output: Output,
    },
    /// Definitely not applied.
    Fail {
        at: Time,
    },
    /// Indeterminate. `at` is when the client gave up; `None` when the operation
    /// was still open at the end of the history.
    Info {
        at: Option<Time>,
    },
}

impl Completion {
    /// When the client stopped waiting, if it did.
    pub fn time(&self) -> Option<Time> {
        match self {
            Completion::Ok { at, .. } | Completion::Fail { at } => Some(*at),
            Completion::Info { at } => *at,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Completion::Ok { .. } => "ok",
            Completion::Fail { .. } => "fail",
            Completion::Info { .. } => "info",
        }
    }
}

/// One operation: its invocation and its completion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    pub id: RequestId,
    pub client: ClientId,
    pub input: Input,
    pub invoked: Time,
    pub completion: Completion,
}

impl Operation {
    pub fn is_indeterminate(&self) -> bool {
        matches!(self.completion, Completion::Info { .. })
    }

    /// The output if the operation completed `ok`.
    pub fn output(&self) -> Option<&Output> {
        match &self.completion {
            Completion::Ok { output, .. } => Some(output),
            Completion::Fail { .. } | Completion::Info { .. } => None,
        }
    }
}

impl fmt::Display for Operation {
    /// `r7 c2 write(x, 3) [10, 15] ok`, `r8 c1 read(x) [12, 14] -> 3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} [{}, ",
            self.id, self.client, self.input, self.invoked
        )?;
        match self.completion.time() {
            Some(t) => write!(f, "{t}]")?,
            None => f.write_str("open]")?,
        }
        match &self.completion {
            Completion::Ok { output, .. } if self.input.action.is_read() => {
                write!(f, " -> {output}")
            }
            Completion::Ok { output, .. } => write!(f, " {output}"),
            Completion::Fail { .. } => f.write_str(" fail"),
            Completion::Info { .. } => f.write_str(" info"),
        }
    }
}

/// One event of a history, in the order it was recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventRef {
    Invoke(usize),
    Complete(usize),
}

/// A complete history: operations in invocation order, plus the order in which
/// events were recorded (times may tie; this order breaks the ties for output).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History {
    pub kind: ModelKind,
    pub ops: Vec<Operation>,
    pub events: Vec<EventRef>,
}

impl History {
    /// Number of events (invocations and completions) recorded; an operation
    /// still open at the end counts one.
    pub fn event_count(&self) -> usize {
        self.events.len()
    }
}
