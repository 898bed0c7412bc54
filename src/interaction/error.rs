//! Why a command could not run. A session prints these as `error: ...` lines,
//! so a story can show a refusal as well as an effect.

use crate::error::InputError;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandError {
    /// The line is not a command.
    Parse(String),
    /// The boot header was refused by scenario validation or the protocol.
    Boot(InputError),
    /// A command before the first `boot`.
    NotBooted,
    /// `boot` given to a running harness (a session handles it by booting anew).
    BootInside,
    UnknownNode {
        name: String,
        known: Vec<String>,
    },
    UnknownKind {
        kind: String,
        known: Vec<&'static str>,
    },
    NodeDown(String),
    /// `restart` of a node that is running.
    NodeUp(String),
    NoTimer {
        node: String,
        timer: String,
        armed: Vec<String>,
    },
    BadOperation(String),
    /// A `transaction` refused by the scenario's rules or the protocol's (no
    /// such account, not a coordinator, a protocol that runs no transfers).
    Transaction(InputError),
    /// `stabilize` delivered this many messages and more kept coming.
    Restless(usize),
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::Parse(why) => f.write_str(why),
            CommandError::Boot(e) => write!(f, "cannot boot: {e}"),
            CommandError::NotBooted => f.write_str("no cluster yet: start with boot"),
            CommandError::BootInside => f.write_str("boot starts a session; it is not a step"),
            CommandError::UnknownNode { name, known } => {
                write!(f, "no node {name:?}; nodes are {}", known.join(", "))
            }
            CommandError::UnknownKind { kind, known } => {
                write!(
                    f,
                    "no message kind {kind:?}; kinds are {}",
                    known.join(", ")
                )
            }
            CommandError::NodeDown(node) => write!(f, "{node} is down"),
            CommandError::NodeUp(node) => {
                write!(f, "{node} is up: only a crashed node can restart")
            }
            CommandError::NoTimer { node, timer, armed } if armed.is_empty() => {
                write!(f, "{node} has no timer {timer:?} armed (none is)")
            }
            CommandError::NoTimer { node, timer, armed } => write!(
                f,
                "{node} has no timer {timer:?} armed; armed: {}",
                armed.join(", ")
            ),
            CommandError::BadOperation(why) => write!(f, "bad operation: {why}"),
            CommandError::Transaction(e) => write!(f, "cannot run the transaction: {e}"),
            CommandError::Restless(n) => write!(
                f,
                "still not quiet after {n} deliveries (messages keep causing messages)"
            ),
        }
    }
}

impl std::error::Error for CommandError {}
