//! The interface every protocol implements: a sans-IO state machine.
//!
//! A node never touches the clock source, the event queue, the network or the
//! fault randomness. The engine calls a handler with one input (a message, a timer,
//! a client request, a recovery); the handler reads `ctx.now()` and writes effects
//! (`send`, `set_timer`, `persist`, `reply`, `note`) into its context. The engine
//! applies them, in the order written, after the handler returns.
//!
//! State is split in two. *Durable* state lives on the node's virtual disk and
//! changes only through `ctx.persist`; it survives a crash. Everything in the node
//! value itself is *volatile*: a crash drops the value, and `on_recover` rebuilds a
//! node from its disk alone. A fresh node is a node recovering from an empty disk.

use crate::check::CheckKind;
use crate::cluster::Cluster;
use crate::error::InputError;
use crate::fact::Fact;
use crate::ids::{NodeId, RequestId};
use crate::named::{NameRow, Named};
pub use crate::node_view::{Field, FieldValue, LogEntryView, NodeView};
use crate::op::{ClientRequest, Reply, ScriptedRequest};
use crate::rng::DetRng;
use crate::time::Time;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Debug;

/// A protocol message.
pub trait Message: Clone + Debug + std::fmt::Display + Serialize {
    /// The protocol's message kinds ("prepare", "promise"): scenario message
    /// filters, diagrams and logs name messages by these.
    type Kind: Named;
    fn kind(&self) -> Self::Kind;
    /// What a message of `kind` means, as narration says it when one is
    /// delivered, in every language narration speaks. Placeholders: `{sender}`,
    /// `{receiver}`, `{msg}` (the label) and the message's own field names.
    fn meaning(kind: Self::Kind) -> Meaning;
}

/// One sentence in each language narration speaks (`--lang`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meaning {
    pub en: &'static str,
    pub zh: &'static str,
}

/// What a node keeps on disk, and how one write changes it.
pub trait DurableState: Clone + Debug + Default + Serialize {
    /// One durable write, as the protocol issues it through `ctx.persist`.
    type Write: Clone + Debug + Serialize;
    fn apply(&mut self, write: &Self::Write);
}

/// One row of a protocol's role table: how scenario files write the role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoleRow<R: 'static> {
    pub role: R,
    /// In a node's `roles` list ("acceptor").
    pub name: &'static str,
    /// As a count in `nodes` ("acceptors": 3).
    pub plural: &'static str,
    /// Counted nodes are named prefix1, prefix2, ... ("A1").
    pub prefix: &'static str,
}

/// Words a scenario's `expect` may use besides the generic `violation` and
/// `holds`; each protocol says which of them its outcomes can be judged by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutcomeWord {
    /// `"chosen": V` — exactly V is chosen (single-value consensus).
    Chosen,
    /// `"livelock": true` — nothing is chosen although proposers kept trying.
    Livelock,
    /// `"decision": {"t1": "commit"}` — how each named transaction ended.
    Decision,
    /// `"blocked": true` — some prepared participant was blocked (or none was).
    Blocked,
}

impl Named for OutcomeWord {
    const TABLE: &'static [NameRow<OutcomeWord>] = &[
        NameRow {
            value: OutcomeWord::Chosen,
            name: "chosen",
            about: "exactly this value is chosen and every check holds",
        },
        NameRow {
            value: OutcomeWord::Livelock,
            name: "livelock",
            about: "nothing is chosen although proposers kept trying until the limit",
        },
        NameRow {
            value: OutcomeWord::Decision,
            name: "decision",
            about: "how each named transaction ended: commit, abort, diverged (some \
                    participants committed, others aborted) or undecided",
        },
        NameRow {
            value: OutcomeWord::Blocked,
            name: "blocked",
            about: "whether a prepared participant timed out uncertain and had to wait, \
                    holding its locks",
        },
    ];
}

/// What clients may ask a protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Serves {
    /// Scripted `requests` that propose a value (single-value consensus).
    Proposals,
    /// A data `workload` of simulated clients (a replicated store).
    Data,
    /// Scripted `requests` that transfer money as distributed transactions
    /// (atomic commit).
    Transactions,
}

/// What a protocol sees of a scenario when it is configured: its cluster, its
/// variant, its own parameters and the scripted requests — not the faults,
/// the network or the checks.
pub struct Setup<'a, P: Protocol> {
    /// The scenario's file, for errors.
    pub source: &'a str,
    pub variant: P::Variant,
    pub params: P::Params,
    pub cluster: &'a Cluster,
    pub requests: &'a [ScriptedRequest],
}

impl<P: Protocol> Setup<'_, P> {
    /// An error about the scenario at JSON path `path`.
    pub fn error(&self, path: impl Into<String>, message: impl Into<String>) -> InputError {
        InputError::new(self.source, message).at(path)
    }

    /// The nodes that play `role`, in node order.
    pub fn with_role(&self, role: P::Role) -> Vec<NodeId> {
        match P::ROLES.iter().position(|r| r.role == role) {
            Some(row) => self.cluster.with_role(row),
            None => Vec::new(),
        }
    }

    pub fn has_role(&self, node: NodeId, role: P::Role) -> bool {
        P::ROLES
            .iter()
            .position(|r| r.role == role)
            .is_some_and(|row| self.cluster.nodes[node.index()].roles.contains(row))
    }
}

/// Values a fuzz sweep may draw for one numeric field of a protocol's
/// `params` (see [`Protocol::PARAM_RANGES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamRange {
    /// The field as scenario files write it under `params`.
    pub name: &'static str,
    /// The values to pick from; the protocol must accept each of them.
    pub values: &'static [u64],
}

/// One option of a protocol's `params`, as `parliament protocols` lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionRow {
    /// The field as scenario files write it under `params`.
    pub name: &'static str,
    /// What it does, its values and its default.
    pub about: &'static str,
}

pub trait Protocol: Clone + Debug + Sized + 'static {
    /// The protocol's variants; the first row of the table is the default.
    type Variant: Named;
    /// Roles a node can play, with their table.
    type Role: Copy + Eq + Debug + 'static;
    const ROLES: &'static [RoleRow<Self::Role>];
    /// The roles of a node listed without any, and of counted `replicas`.
    const DEFAULT_ROLES: &'static [Self::Role];
    /// The scenario's `params`, parsed (unknown fields are errors).
    type Params: DeserializeOwned + Debug;
    /// The checks this protocol can be judged by, in report order.
    const CHECKS: &'static [CheckKind];
    /// The `expect` words beyond `violation` and `holds` that apply.
    const OUTCOMES: &'static [OutcomeWord];
    /// What clients may ask of it.
    const SERVES: Serves;
    /// Numeric `params` a fuzz sweep may vary, each drawn from its values or
    /// left at its default. Only parameters that must not matter to safety
    /// (timeouts, periods): a sweep of a correct variant must stay clean. None
    /// unless a protocol lists some.
    const PARAM_RANGES: &'static [ParamRange] = &[];
    /// The `params` options `parliament protocols` lists (none unless a
    /// protocol lists some).
    const OPTIONS: &'static [OptionRow] = &[];

    type Msg: Message;
    /// A protocol's timers. Setting a timer that is already pending re-arms it.
    type Timer: Clone + Copy + Debug + Eq + Serialize;
    type Durable: DurableState;
    /// Everything a node needs to know about its cluster and variant, built once
    /// from the setup and shared by all nodes.
    type Config: Clone + Debug;

    /// Checks the protocol-specific parts of a setup (roles, params, requests).
    fn configure(setup: &Setup<'_, Self>) -> Result<Self::Config, InputError>;

    /// How many acceptances in one ballot make a value chosen, for protocols
    /// judged by `agreement` and `validity`.
    fn chosen_quorum(config: &Self::Config) -> Option<usize>;

    /// The durable state a scenario's `durable` section gives a node to boot
    /// from, in the protocol's own form; `Err((path below the entry,
    /// message))` when it is malformed or not a state the protocol could
    /// have reached. By default a protocol takes none.
    fn preload(
        config: &Self::Config,
        value: &serde_json::Value,
    ) -> Result<Self::Durable, (String, String)> {
        let _ = (config, value);
        Err((
            String::new(),
            "this protocol takes no preloaded durable state".to_string(),
        ))
    }

    /// Boots a node from what its disk holds (empty on first start).
    fn on_recover(
        config: &Self::Config,
        me: NodeId,
        disk: &Self::Durable,
        ctx: &mut Ctx<Self>,
    ) -> Self;
    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Self::Msg);
    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Self::Timer);
    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: ClientRequest);

    /// The interaction harness scripted a request after boot (its
    /// `transaction` command): the scenario grew by that request and was
    /// configured again, and every running node is handed the new shared
    /// configuration. A protocol whose configuration plans the requests (the
    /// commit protocols' [`Bank`](crate::bank::Bank)) takes it; requests only
    /// append, so what was planned before keeps its place. A run never calls
    /// this: its requests are all known when it is configured.
    fn adopt_config(&mut self, config: &Self::Config) {
        let _ = config;
    }

    /// A structured snapshot of the node (stable field ids, typed values) for
    /// step mode, interaction tests, narration and the HTML viewer.
    fn describe(&self) -> NodeView;
}

/// One effect of a handler, applied by the engine after the handler returns.
#[derive(Clone, Debug)]
pub enum Effect<P: Protocol> {
    Send {
        to: NodeId,
        msg: P::Msg,
    },
    SetTimer {
        timer: P::Timer,
        after: u64,
    },
    CancelTimer {
        timer: P::Timer,
    },
    Persist(<P::Durable as DurableState>::Write),
    /// Wait for every write issued so far to be on disk (fsync): what follows
    /// is held until then. Nothing to wait for on an instant disk.
    Flush,
    Reply {
        request: RequestId,
        reply: Reply,
    },
    Note(Fact),
}

/// The handler's window on the world: the time, the node's own random stream, and
/// a buffer for effects.
pub struct Ctx<'a, P: Protocol> {
    now: Time,
    me: NodeId,
    rng: &'a mut DetRng,
    effects: &'a mut Vec<Effect<P>>,
}

impl<'a, P: Protocol> Ctx<'a, P> {
    pub fn new(
        now: Time,
        me: NodeId,
        rng: &'a mut DetRng,
        effects: &'a mut Vec<Effect<P>>,
    ) -> Self {
        Ctx {
            now,
            me,
            rng,
            effects,
        }
    }

    pub fn now(&self) -> Time {
        self.now
    }

    pub fn me(&self) -> NodeId {
        self.me
    }

    /// The node's own random stream (election timeouts, backoff).
    pub fn rng(&mut self) -> &mut DetRng {
        self.rng
    }

    pub fn send(&mut self, to: NodeId, msg: P::Msg) {
        self.effects.push(Effect::Send { to, msg });
    }

    /// Sends `msg` to each of `to`, in order.
    pub fn send_all(&mut self, to: &[NodeId], msg: &P::Msg) {
        for &node in to {
            self.effects.push(Effect::Send {
                to: node,
                msg: msg.clone(),
            });
        }
    }

    /// Arms `timer` to fire `after` ticks from now, replacing a pending one.
    pub fn set_timer(&mut self, timer: P::Timer, after: u64) {
        self.effects.push(Effect::SetTimer { timer, after });
    }

    pub fn cancel_timer(&mut self, timer: P::Timer) {
        self.effects.push(Effect::CancelTimer { timer });
    }

    /// Writes to the node's disk. Applied before any later effect of this handler,
    /// so "persist, then answer" is what the engine does too.
    pub fn persist(&mut self, write: <P::Durable as DurableState>::Write) {
        self.effects.push(Effect::Persist(write));
    }

    /// What the handler does after this waits until every write the node has
    /// issued (in this handler or earlier ones) is on disk — as an
    /// acknowledgement must, after fsync.
    pub fn flush(&mut self) {
        self.effects.push(Effect::Flush);
    }

    pub fn reply(&mut self, request: RequestId, reply: Reply) {
        self.effects.push(Effect::Reply { request, reply });
    }

    /// States a protocol fact for the trace and the checkers.
    pub fn note(&mut self, fact: Fact) {
        self.effects.push(Effect::Note(fact));
    }
}
