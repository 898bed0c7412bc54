//! The command language, parsed into [`Command`]s: one line, one command.
//!
//! The words are shared with step mode, so they are a table ([`CommandWord`])
//! with a one-line description each: a help screen and an error message read
//! the same rows the parser does.

use crate::history::ModelKind;
use crate::named::{NameRow, Named};
use crate::scenario::{NodeNames, NodeSpec, TransferSpec};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CommandWord {
    Boot,
    Request,
    Transaction,
    Deliver,
    Drop,
    Duplicate,
    Stabilize,
    Fire,
    Crash,
    Restart,
    View,
    Disk,
    Pending,
}

impl Named for CommandWord {
    const TABLE: &'static [NameRow<CommandWord>] = &[
        NameRow {
            value: CommandWord::Boot,
            name: "boot",
            about: "boot protocol=NAME nodes=N1[:role+role],... [variant=V] [seed=S] \
                    [model=M] [PARAM=VALUE ...]: start a fresh cluster from empty disks",
        },
        NameRow {
            value: CommandWord::Request,
            name: "request",
            about: "request NODE propose VALUE | request NODE F KEY [ARGS]: a client request",
        },
        NameRow {
            value: CommandWord::Transaction,
            name: "transaction",
            about: "transaction NODE TX AMOUNT from ACCOUNT to ACCOUNT[,ACCOUNT...]: a client \
                    asks the coordinator NODE to run a bank transfer as transaction TX",
        },
        NameRow {
            value: CommandWord::Deliver,
            name: "deliver",
            about: "deliver [FROM→TO] [KIND] [mID]: hand the matching messages in flight \
                    to their destinations, oldest first",
        },
        NameRow {
            value: CommandWord::Drop,
            name: "drop",
            about: "drop [FROM→TO] [KIND] [mID]: lose the matching messages in flight",
        },
        NameRow {
            value: CommandWord::Duplicate,
            name: "duplicate",
            about: "duplicate [FROM→TO] [KIND] [mID]: the network copies the matching \
                    messages; each copy travels right behind its original",
        },
        NameRow {
            value: CommandWord::Stabilize,
            name: "stabilize",
            about: "stabilize: deliver messages, new ones too, until none is in flight",
        },
        NameRow {
            value: CommandWord::Fire,
            name: "fire",
            about: "fire NODE TIMER: fire an armed timer (the clock moves to its time)",
        },
        NameRow {
            value: CommandWord::Crash,
            name: "crash",
            about: "crash NODE: the node stops; volatile state and timers are lost",
        },
        NameRow {
            value: CommandWord::Restart,
            name: "restart",
            about: "restart NODE: a crashed node recovers from its disk",
        },
        NameRow {
            value: CommandWord::View,
            name: "view",
            about: "view [NODE]: the node's structured view (every node's without NODE)",
        },
        NameRow {
            value: CommandWord::Disk,
            name: "disk",
            about: "disk NODE: what the node's disk holds (it survives a crash)",
        },
        NameRow {
            value: CommandWord::Pending,
            name: "pending",
            about: "pending: the messages in flight and the armed timers",
        },
    ];
}

/// One parsed command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Boot(BootSpec),
    Request {
        node: String,
        op: RequestOp,
    },
    /// A transfer, as a scenario's `requests` entry writes it.
    Transaction {
        node: String,
        transfer: TransferSpec,
    },
    Deliver(MessageFilter),
    Drop(MessageFilter),
    Duplicate(MessageFilter),
    Stabilize,
    Fire {
        node: String,
        timer: String,
    },
    Crash {
        node: String,
    },
    Restart {
        node: String,
    },
    View {
        node: Option<String>,
    },
    Disk {
        node: String,
    },
    Pending,
}

/// What `boot` starts: a scenario header in one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootSpec {
    pub protocol: String,
    /// `None`: the protocol's default variant.
    pub variant: Option<String>,
    pub nodes: Vec<NodeSpec>,
    /// Seeds each node's own random stream, as in a run with this seed.
    pub seed: u64,
    /// How data requests read (`read x` is a register's, a log's or a set's).
    pub model: ModelKind,
    /// The protocol's `params`.
    pub params: serde_json::Map<String, serde_json::Value>,
}

/// The operation of a client request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestOp {
    /// Propose a value (consensus protocols).
    Propose(String),
    /// A data operation in the boot's model: function, key, and its arguments
    /// (`write x 3`, `cas x 1 2`, `put k some text`).
    Data {
        f: String,
        key: String,
        args: Vec<String>,
    },
}

/// Which messages in flight a command applies to; every part that is given
/// must match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessageFilter {
    /// Sender; `None` (or `*` in the file) is any.
    pub from: Option<String>,
    /// Destination; `None` (or `*`) is any.
    pub to: Option<String>,
    /// A message kind, as the protocol names it ("promise").
    pub kind: Option<String>,
    /// One message, by the id the log shows (`m3`).
    pub id: Option<u64>,
}

/// A line that is not a command, with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Keys of `boot` that are not protocol params.
const BOOT_KEYS: [&str; 5] = ["protocol", "variant", "nodes", "seed", "model"];

impl Command {
    pub fn parse(line: &str) -> Result<Command, ParseError> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some((&first, args)) = words.split_first() else {
            return Err(ParseError("an empty line is not a command".into()));
        };
        let word = CommandWord::from_name(first).ok_or_else(|| {
            ParseError(format!(
                "unknown command {first:?}; expected one of: {}",
                CommandWord::expected()
            ))
        })?;
        let usage = || ParseError(format!("usage: {}", word.about()));
        let one_node = |args: &[&str]| match args {
            [node] => Ok(node.to_string()),
            _ => Err(usage()),
        };
        Ok(match word {
            CommandWord::Boot => Command::Boot(parse_boot(args)?),
            CommandWord::Request => match args {
                [node, "propose", value @ ..] if !value.is_empty() => Command::Request {
                    node: node.to_string(),
                    op: RequestOp::Propose(value.join(" ")),
                },
                [node, f, key, rest @ ..] => Command::Request {
                    node: node.to_string(),
                    op: RequestOp::Data {
                        f: f.to_string(),
                        key: key.to_string(),
                        args: rest.iter().map(|s| s.to_string()).collect(),
                    },
                },
                _ => return Err(usage()),
            },
            CommandWord::Transaction => match args {
                [node, tx, amount, "from", from, "to", to @ ..] if !to.is_empty() => {
                    Command::Transaction {
                        node: node.to_string(),
                        transfer: TransferSpec {
                            tx: tx.to_string(),
                            from: from.to_string(),
                            to: parse_accounts(to),
                            amount: amount.parse().map_err(|_| {
                                ParseError(format!(
                                    "transaction amount {amount:?}: expected a whole number"
                                ))
                            })?,
                        },
                    }
                }
                _ => return Err(usage()),
            },
            CommandWord::Deliver => Command::Deliver(parse_filter(args)?),
            CommandWord::Drop => Command::Drop(parse_filter(args)?),
            CommandWord::Duplicate => Command::Duplicate(parse_filter(args)?),
            CommandWord::Stabilize | CommandWord::Pending if !args.is_empty() => {
                return Err(usage());
            }
            CommandWord::Stabilize => Command::Stabilize,
            CommandWord::Pending => Command::Pending,
            CommandWord::Fire => match args {
                [node, timer] => Command::Fire {
                    node: node.to_string(),
                    timer: timer.to_string(),
                },
                _ => return Err(usage()),
            },
            CommandWord::Crash => Command::Crash {
                node: one_node(args)?,
            },
            CommandWord::Restart => Command::Restart {
                node: one_node(args)?,
            },
            CommandWord::Disk => Command::Disk {
                node: one_node(args)?,
            },
            CommandWord::View => match args {
                [] => Command::View { node: None },
                [node] => Command::View {
                    node: Some(node.to_string()),
                },
                _ => return Err(usage()),
            },
        })
    }
}

fn parse_boot(args: &[&str]) -> Result<BootSpec, ParseError> {
    let mut spec = BootSpec {
        protocol: String::new(),
        variant: None,
        nodes: Vec::new(),
        seed: 0,
        model: ModelKind::Register,
        params: serde_json::Map::new(),
    };
    for arg in args {
        let Some((key, value)) = arg.split_once('=') else {
            return Err(ParseError(format!(
                "boot takes KEY=VALUE arguments, found {arg:?}"
            )));
        };
        match key {
            "protocol" => spec.protocol = value.to_string(),
            "variant" => spec.variant = Some(value.to_string()),
            "nodes" => spec.nodes = parse_nodes(value)?,
            "seed" => {
                spec.seed = value
                    .parse()
                    .map_err(|_| ParseError(format!("seed={value}: expected a number")))?
            }
            "model" => {
                spec.model = ModelKind::from_name(value).ok_or_else(|| {
                    ParseError(format!(
                        "model={value}: expected register, kv, append or set"
                    ))
                })?
            }
            param => {
                // A number or a boolean is one; anything else is text.
                let value = serde_json::from_str(value)
                    .unwrap_or_else(|_| serde_json::Value::String(value.to_string()));
                spec.params.insert(param.to_string(), value);
            }
        }
    }
    if spec.protocol.is_empty() || spec.nodes.is_empty() {
        return Err(ParseError(format!(
            "boot needs protocol= and nodes= (its own keys are {}; any other \
             KEY=VALUE is a protocol param)",
            BOOT_KEYS.join(", ")
        )));
    }
    Ok(spec)
}

/// `P1:proposer,A1:acceptor,N1` — a node without roles plays the defaults.
fn parse_nodes(value: &str) -> Result<Vec<NodeSpec>, ParseError> {
    value
        .split(',')
        .map(|node| {
            let (name, roles) = match node.split_once(':') {
                Some((name, roles)) => (name, roles.split('+').map(str::to_string).collect()),
                None => (node, Vec::new()),
            };
            if name.is_empty() {
                return Err(ParseError(format!("nodes={value}: a node without a name")));
            }
            Ok(NodeSpec {
                name: name.to_string(),
                roles,
            })
        })
        .collect()
}

/// `B` or `B,C` (or `B, C`): one account or several.
fn parse_accounts(words: &[&str]) -> NodeNames {
    let mut names: Vec<String> = words
        .iter()
        .flat_map(|w| w.split(','))
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect();
    if names.len() == 1 {
        NodeNames::One(names.remove(0))
    } else {
        NodeNames::Many(names)
    }
}

fn parse_filter(args: &[&str]) -> Result<MessageFilter, ParseError> {
    let mut filter = MessageFilter::default();
    let any = |s: &str| (s != "*").then(|| s.to_string());
    for &arg in args {
        if let Some((from, to)) = arg.split_once('→').or_else(|| arg.split_once("->")) {
            if filter.from.is_some() || filter.to.is_some() {
                return Err(ParseError(format!("two routes: {arg:?}")));
            }
            filter.from = any(from);
            filter.to = any(to);
        } else if let Some(id) = arg.strip_prefix('m').and_then(|n| n.parse().ok()) {
            filter.id = Some(id);
        } else if filter.kind.is_none() {
            filter.kind = Some(arg.to_string());
        } else {
            return Err(ParseError(format!(
                "{arg:?}: a filter is at most one FROM→TO, one KIND and one mID"
            )));
        }
    }
    Ok(filter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_words_table_is_sound() {
        crate::named::assert_table_sound::<CommandWord>();
    }

    #[test]
    fn lines_parse_into_commands() {
        let boot = Command::parse(
            "boot protocol=basic-paxos variant=backoff nodes=P1:proposer,N2:proposer+acceptor,N3 \
             retry_delay=0 seed=7",
        )
        .unwrap();
        let Command::Boot(spec) = boot else {
            panic!("{boot:?}")
        };
        assert_eq!(spec.protocol, "basic-paxos");
        assert_eq!(spec.variant.as_deref(), Some("backoff"));
        assert_eq!(spec.seed, 7);
        assert_eq!(spec.nodes[1].roles, ["proposer", "acceptor"]);
        assert!(spec.nodes[2].roles.is_empty());
        assert_eq!(spec.params["retry_delay"], serde_json::json!(0));

        assert_eq!(
            Command::parse("deliver P1→* promise").unwrap(),
            Command::Deliver(MessageFilter {
                from: Some("P1".into()),
                to: None,
                kind: Some("promise".into()),
                id: None,
            })
        );
        assert_eq!(
            Command::parse("drop m12").unwrap(),
            Command::Drop(MessageFilter {
                id: Some(12),
                ..MessageFilter::default()
            })
        );
        assert_eq!(
            Command::parse("request P1 propose $1 bribe").unwrap(),
            Command::Request {
                node: "P1".into(),
                op: RequestOp::Propose("$1 bribe".into())
            }
        );
        assert_eq!(
            Command::parse("request N1 cas x 1 2").unwrap(),
            Command::Request {
                node: "N1".into(),
                op: RequestOp::Data {
                    f: "cas".into(),
                    key: "x".into(),
                    args: vec!["1".into(), "2".into()]
                }
            }
        );
    }

    #[test]
    fn a_transaction_reads_like_the_log_line() {
        let Command::Transaction { node, transfer } =
            Command::parse("transaction C1 t1 30 from A to B, C").unwrap()
        else {
            panic!("not a transaction")
        };
        assert_eq!(node, "C1");
        assert_eq!(transfer.tx, "t1");
        assert_eq!(transfer.amount, 30);
        assert_eq!(transfer.from, "A");
        assert!(matches!(&transfer.to, NodeNames::Many(to) if to == &["B", "C"]));
        let Command::Transaction { transfer, .. } =
            Command::parse("transaction C1 t2 5 from B to A").unwrap()
        else {
            panic!("not a transaction")
        };
        assert!(matches!(&transfer.to, NodeNames::One(to) if to == "A"));
        let err = |line: &str| Command::parse(line).unwrap_err().0;
        assert!(err("transaction C1 t1 lots from A to B").contains("expected a whole number"));
        assert!(err("transaction C1 t1 30 A B").starts_with("usage: transaction NODE TX"));
        assert!(err("transaction C1 t1 30 from A to").starts_with("usage: transaction"));
    }

    #[test]
    fn bad_lines_say_what_was_expected() {
        let err = |line: &str| Command::parse(line).unwrap_err().0;
        assert!(err("teleport A1").starts_with("unknown command \"teleport\""));
        assert!(err("fire P1").starts_with("usage: fire NODE TIMER"));
        assert!(err("boot protocol=basic-paxos").contains("needs protocol= and nodes="));
        assert!(err("deliver promise accept").contains("at most one"));
    }
}
