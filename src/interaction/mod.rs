//! Interaction: a small cluster of one protocol's nodes, driven by hand, one
//! command at a time — the node-level tests of `tests/interactions/` and the
//! words step mode will share.
//!
//! A run (`crate::engine`) shows what a protocol does under a network and a
//! seed; a story here shows *why*, one rule at a time: deliver this prepare
//! and no other, crash that acceptor now, fire this timer. There is no network
//! and no randomness but each node's own seeded stream (the one it has in a
//! run of the same seed), so a story is exact. Nodes are configured through
//! the registry from a one-line scenario header, so every protocol parliament
//! has — and every one added later — can be driven without changes here.
//!
//! Every command prints what happened in the words of `parliament run`'s log
//! ([`crate::render::log`]), without the time column. A few things the log
//! has no line for get one of their own: a timer armed (`P1   sets timer
//! Retry to fire at 200`) or cancelled, and time passing when a timer fires.
//!
//! # Commands
//!
//! - `boot protocol=NAME nodes=N1[:role+role],N2,... [variant=V] [seed=S]
//!   [model=M] [PARAM=VALUE ...]` — a fresh cluster on empty disks, validated
//!   as a scenario file with those fields is. A node without `:roles` plays
//!   the protocol's default roles; any other `KEY=VALUE` is one of the
//!   protocol's `params` (a number or boolean when it reads as one). `model`
//!   (register, kv, append, set; default register) says how data requests
//!   read. Prints what the nodes did on starting, or `ok`.
//! - `request NODE propose VALUE` — a client asks NODE to propose VALUE (the
//!   rest of the line). `request NODE F KEY [ARGS]` — a data operation in the
//!   boot's model, with the scenario format's function names: `write x 3`,
//!   `cas x 1 2`, `read x`, `append x 7`, `add s 7`, `put k some text`,
//!   `get k`. Requests are numbered r1, r2, ... in the order made.
//! - `transaction NODE TX AMOUNT from ACCOUNT to ACCOUNT[,ACCOUNT...]` — a
//!   client asks the coordinator NODE to run a bank transfer as transaction
//!   TX (commit protocols), as a scenario's `{"transfer": ...}` request
//!   would: the boot's scenario grows by the request and is configured again
//!   (so the bank plans it, and a bad account is refused in a scenario's
//!   words), the running nodes adopt the new configuration, and NODE gets the
//!   request, numbered like any other.
//! - `deliver [FROM→TO] [KIND] [mID]` — hands every message in flight that
//!   matches to its destination, oldest first; a node that is down drops it.
//!   Messages sent meanwhile stay in flight for a later command. `*` is any
//!   node; `->` may stand for `→`; KIND is the protocol's message kind
//!   (`prepare`); `m7` is one message by the id the log shows.
//! - `drop [FILTER]` — the matching messages are lost.
//! - `duplicate [FILTER]` — the network copies each matching message; the
//!   copy travels right behind its original.
//! - `stabilize` — delivers messages, new ones included, until none is in
//!   flight (timers do not fire).
//! - `fire NODE TIMER` — fires an armed timer, named as the log prints it
//!   (`Retry`, any case), or by its kind alone when it is the only one of
//!   that kind armed (`outcome` for `Outcome(0)`). The clock moves to
//!   the timer's time if that is later: the only way time passes.
//! - `crash NODE` — the node stops; its volatile state and timers are gone,
//!   its disk stays. `restart NODE` — it recovers from its disk
//!   (`on_recover`), as a fresh node recovers from an empty one.
//! - `view [NODE]` — the node's structured view ([`crate::node_view`]), or
//!   every node's. `disk NODE` — what its disk holds, as JSON.
//! - `pending` — the messages in flight and the armed timers.
//!
//! A command that cannot run prints `error: ...` instead, so a story can show
//! a refusal too. Story files are read by [`script`].

pub mod command;
pub mod error;
pub mod harness;
pub mod script;
pub mod session;

pub use command::{Command, CommandWord, MessageFilter, RequestOp};
pub use error::CommandError;
pub use harness::{Drive, Harness};
pub use script::Script;
pub use session::Session;
