//! Protocol facts: what a node did that a checker, a diagram or a narration needs.
//!
//! A protocol states a fact through `Ctx::note` at the moment it happens; the engine
//! writes it into the trace. Checkers are functions over these facts, so they work
//! the same on a live run, a replayed trace and a trace read from a file.

use crate::ballot::Ballot;
use crate::bank::{Account, TxName};
use crate::ids::{NodeId, RequestId};
use crate::named::{NameRow, Named};
use crate::replication::apply::Command;
use crate::time::Time;
use crate::value::Value;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

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
        command: CommandText,
    },
    /// This node applied log `index` (`command`, of `epoch`) to its store;
    /// `request` when it was a client's update taking effect (not a no-op, not
    /// a deduplicated retry): the epoch of the copy that took effect.
    Applied {
        index: u64,
        epoch: u64,
        command: CommandText,
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
        self.kind().name()
    }

    /// Which kind of fact this is.
    pub fn kind(&self) -> FactKind {
        match self {
            Fact::Promised { .. } => FactKind::Promised,
            Fact::Accepted { .. } => FactKind::Accepted,
            Fact::Proposed { .. } => FactKind::Proposed,
            Fact::Learned { .. } => FactKind::Learned,
            Fact::Leading { .. } => FactKind::Leading,
            Fact::Stored { .. } => FactKind::Stored,
            Fact::Served { .. } => FactKind::Served,
            Fact::Committed { .. } => FactKind::Committed,
            Fact::Applied { .. } => FactKind::Applied,
            Fact::Appended { .. } => FactKind::Appended,
            Fact::SnapshotInstalled { .. } => FactKind::SnapshotInstalled,
            Fact::Opened { .. } => FactKind::Opened,
            Fact::TxBegun { .. } => FactKind::TxBegun,
            Fact::Voted { .. } => FactKind::Voted,
            Fact::Decided { .. } => FactKind::Decided,
            Fact::TxCommitted { .. } => FactKind::TxCommitted,
            Fact::TxAborted { .. } => FactKind::TxAborted,
            Fact::Blocked { .. } => FactKind::Blocked,
            Fact::Answered { .. } => FactKind::Answered,
        }
    }
}

/// The kinds of fact: what a check declares it reads, so that a run keeps
/// only those (see [`FactKinds`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FactKind {
    Promised,
    Accepted,
    Proposed,
    Learned,
    Leading,
    Stored,
    Served,
    Committed,
    Applied,
    Appended,
    SnapshotInstalled,
    Opened,
    TxBegun,
    Voted,
    Decided,
    TxCommitted,
    TxAborted,
    Blocked,
    Answered,
}

impl Named for FactKind {
    const TABLE: &'static [NameRow<FactKind>] = &[
        NameRow {
            value: FactKind::Promised,
            name: "promised",
            about: "an acceptor promised a ballot",
        },
        NameRow {
            value: FactKind::Accepted,
            name: "accepted",
            about: "an acceptor accepted a value in a ballot",
        },
        NameRow {
            value: FactKind::Proposed,
            name: "proposed",
            about: "a proposer proposed a value (phase 2a)",
        },
        NameRow {
            value: FactKind::Learned,
            name: "learned",
            about: "a node learned the chosen value",
        },
        NameRow {
            value: FactKind::Leading,
            name: "leading",
            about: "a node started leading an epoch",
        },
        NameRow {
            value: FactKind::Stored,
            name: "stored",
            about: "a node stored a client's update in an epoch",
        },
        NameRow {
            value: FactKind::Served,
            name: "served",
            about: "a node served a client's read under an epoch",
        },
        NameRow {
            value: FactKind::Committed,
            name: "committed",
            about: "a node learned a log index committed",
        },
        NameRow {
            value: FactKind::Applied,
            name: "applied",
            about: "a node applied a log index to its store",
        },
        NameRow {
            value: FactKind::Appended,
            name: "appended",
            about: "a node's log now holds entries of these epochs from an index on",
        },
        NameRow {
            value: FactKind::SnapshotInstalled,
            name: "snapshot_installed",
            about: "a node installed a snapshot up to an index",
        },
        NameRow {
            value: FactKind::Opened,
            name: "opened",
            about: "a participant opened an account",
        },
        NameRow {
            value: FactKind::TxBegun,
            name: "tx_begun",
            about: "a coordinator began a transaction",
        },
        NameRow {
            value: FactKind::Voted,
            name: "voted",
            about: "a participant voted on a transaction",
        },
        NameRow {
            value: FactKind::Decided,
            name: "decided",
            about: "a transaction's outcome was decided",
        },
        NameRow {
            value: FactKind::TxCommitted,
            name: "tx_committed",
            about: "a participant committed a transaction",
        },
        NameRow {
            value: FactKind::TxAborted,
            name: "tx_aborted",
            about: "a participant rolled a transaction back",
        },
        NameRow {
            value: FactKind::Blocked,
            name: "blocked",
            about: "a prepared participant is blocked waiting for the outcome",
        },
        NameRow {
            value: FactKind::Answered,
            name: "answered",
            about: "the coordinator answered a transaction's client",
        },
    ];
}

/// A set of fact kinds: the facts a run keeps for its checks and outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FactKinds(u32);

impl FactKinds {
    /// No facts at all.
    pub const NONE: FactKinds = FactKinds(0);

    /// Every kind of fact.
    pub fn all() -> FactKinds {
        FactKinds::of(&FactKind::TABLE.iter().map(|r| r.value).collect::<Vec<_>>())
    }

    pub fn of(kinds: &[FactKind]) -> FactKinds {
        FactKinds(kinds.iter().fold(0, |bits, &k| bits | FactKinds::bit(k)))
    }

    pub fn union(self, other: FactKinds) -> FactKinds {
        FactKinds(self.0 | other.0)
    }

    pub fn contains(self, kind: FactKind) -> bool {
        self.0 & FactKinds::bit(kind) != 0
    }

    /// The kind's bit: its place in the table, which is its discriminant (the
    /// table test checks both), so no table is searched per fact.
    fn bit(kind: FactKind) -> u32 {
        1 << kind as u32
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// A fact as recorded during a run: when, by which node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FactRecord {
    pub t: Time,
    pub node: NodeId,
    pub fact: Fact,
}

/// The command of a log entry as a `committed` or `applied` fact states it:
/// the entry's command itself on a live run — words are made of it only when
/// a trace, a log or an evidence line is written, not for every entry a
/// replica applies — or its words as read back from a trace. In a trace it is
/// always the words (`c3 r7 append k2 41`, `nop`, `start-working(4)`).
///
/// Two are equal when their words are (two live commands compare as
/// commands, which is the same thing without writing them out).
#[derive(Clone, Debug)]
pub enum CommandText {
    /// A replicated command (a client's request, or a no-op).
    Command(Command),
    /// Multi-Paxos: a new leader's start-working entry of this epoch.
    StartWorking(u64),
    /// The words, as a trace holds them.
    Text(String),
}

impl CommandText {
    /// The command, without its words being written first.
    pub fn of(command: &Command) -> CommandText {
        CommandText::Command(command.clone())
    }
}

impl fmt::Display for CommandText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandText::Command(c) => fmt::Display::fmt(c, f),
            CommandText::StartWorking(epoch) => write!(f, "start-working({epoch})"),
            CommandText::Text(s) => f.write_str(s),
        }
    }
}

impl PartialEq for CommandText {
    fn eq(&self, other: &CommandText) -> bool {
        match (self, other) {
            (CommandText::Command(a), CommandText::Command(b)) => a == b,
            (CommandText::StartWorking(a), CommandText::StartWorking(b)) => a == b,
            (CommandText::Command(_), CommandText::StartWorking(_))
            | (CommandText::StartWorking(_), CommandText::Command(_)) => false,
            (CommandText::Text(a), CommandText::Text(b)) => a == b,
            (CommandText::Text(text), live) | (live, CommandText::Text(text)) => {
                *live == *text.as_str()
            }
        }
    }
}

impl Eq for CommandText {}

impl PartialEq<str> for CommandText {
    fn eq(&self, words: &str) -> bool {
        match self {
            CommandText::Text(text) => text == words,
            live => {
                use fmt::Write;
                let mut written = String::with_capacity(words.len());
                let _ = write!(written, "{live}");
                written == words
            }
        }
    }
}

impl From<&str> for CommandText {
    fn from(text: &str) -> CommandText {
        CommandText::Text(text.to_string())
    }
}

impl From<String> for CommandText {
    fn from(text: String) -> CommandText {
        CommandText::Text(text)
    }
}

impl Serialize for CommandText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            CommandText::Text(text) => s.serialize_str(text),
            live => s.collect_str(live),
        }
    }
}

impl<'de> Deserialize<'de> for CommandText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<CommandText, D::Error> {
        String::deserialize(d).map(CommandText::Text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Action, AppendOp, Input, Key};
    use crate::ids::ClientId;
    use crate::replication::apply::ClientCommand;

    fn append(request: u64, value: u64) -> Command {
        Command::Client(ClientCommand {
            client: ClientId(3),
            request: RequestId(request),
            input: Input {
                key: Key::new("k2"),
                action: Action::Append(AppendOp::Append(value)),
            },
        })
    }

    #[test]
    fn fact_kinds_name_the_facts_as_traces_do() {
        crate::named::assert_table_sound::<FactKind>();
        let fact = Fact::Leading { epoch: 3 };
        let json = serde_json::to_value(&fact).unwrap();
        assert_eq!(json["fact"], fact.kind().name());
        let kept = FactKinds::of(&[FactKind::Leading, FactKind::Accepted]);
        assert!(kept.contains(FactKind::Leading) && kept.contains(FactKind::Accepted));
        assert!(!kept.contains(FactKind::Promised));
        assert!(FactKinds::NONE.is_empty());
        assert!(
            FactKind::TABLE
                .iter()
                .all(|r| FactKinds::all().contains(r.value))
        );
        for row in FactKind::TABLE {
            assert_eq!(row.value as usize, row.value.index());
        }
    }

    #[test]
    fn live_commands_read_back_as_their_words() {
        for live in [
            CommandText::of(&append(7, 41)),
            CommandText::of(&Command::Nop),
            CommandText::StartWorking(4),
        ] {
            let json = serde_json::to_string(&live).unwrap();
            assert_eq!(json, serde_json::to_string(&live.to_string()).unwrap());
            let back: CommandText = serde_json::from_str(&json).unwrap();
            assert!(matches!(back, CommandText::Text(_)));
            assert_eq!(back, live);
            assert_eq!(live, back);
        }
    }

    #[test]
    fn different_commands_differ_live_and_read_back() {
        let (a, b) = (
            CommandText::of(&append(7, 41)),
            CommandText::of(&append(7, 42)),
        );
        assert_ne!(a, b);
        assert_ne!(a, CommandText::from(b.to_string()));
        assert_ne!(CommandText::StartWorking(4), CommandText::of(&Command::Nop));
        assert_ne!(
            CommandText::StartWorking(4),
            CommandText::from("start-working(5)")
        );
        assert_eq!(
            CommandText::StartWorking(4),
            CommandText::from("start-working(4)")
        );
    }
}
