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

use crate::fact::Fact;
use crate::ids::{NodeId, RequestId};
use crate::op::{ClientRequest, Reply};
use crate::rng::DetRng;
use crate::scenario::{InputError, Scenario};
use crate::time::Time;
use serde::Serialize;
use std::fmt::Debug;

/// A protocol message.
pub trait Message: Clone + Debug + std::fmt::Display + Serialize {
    /// Short kind name ("prepare", "promise"), used by scenario message filters,
    /// diagrams and logs.
    fn kind(&self) -> &'static str;
}

/// What a node keeps on disk, and how one write changes it.
pub trait DurableState: Clone + Debug + Default + Serialize {
    /// One durable write, as the protocol issues it through `ctx.persist`.
    type Write: Clone + Debug + Serialize;
    fn apply(&mut self, write: &Self::Write);
}

pub trait Protocol: Clone + Debug + Sized {
    /// The protocol's name in scenario files and traces ("basic-paxos").
    const NAME: &'static str;
    type Msg: Message;
    /// A protocol's timers. Setting a timer that is already pending re-arms it.
    type Timer: Clone + Copy + Debug + Eq + Serialize;
    type Durable: DurableState;
    /// Everything a node needs to know about its cluster and variant, built once
    /// from the scenario and shared by all nodes.
    type Config: Debug;

    /// Checks the scenario's protocol-specific parts (variant, roles, params).
    fn configure(scenario: &Scenario) -> Result<Self::Config, InputError>;

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

    /// A snapshot of the node for step mode, the HTML viewer and logs.
    fn describe(&self) -> NodeView;
}

/// A protocol-neutral picture of a node's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeView {
    /// The roles the node plays right now ("proposer+acceptor", "leader").
    pub role: String,
    /// Named fields a person wants to see, in display order.
    pub fields: Vec<(String, String)>,
}

/// One effect of a handler, applied by the engine after the handler returns.
#[derive(Clone, Debug)]
pub enum Effect<P: Protocol> {
    Send { to: NodeId, msg: P::Msg },
    SetTimer { timer: P::Timer, after: u64 },
    CancelTimer { timer: P::Timer },
    Persist(<P::Durable as DurableState>::Write),
    Reply { request: RequestId, reply: Reply },
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

    pub fn reply(&mut self, request: RequestId, reply: Reply) {
        self.effects.push(Effect::Reply { request, reply });
    }

    /// States a protocol fact for the trace and the checkers.
    pub fn note(&mut self, fact: Fact) {
        self.effects.push(Effect::Note(fact));
    }
}
