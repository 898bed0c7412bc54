//! The world: virtual clock, one event queue, the network, and the nodes.
//!
//! One loop pops the earliest event and hands it to a node (a message, a timer, a
//! client request) or applies it to the world (a fault). Handlers write effects
//! into a buffer; the loop applies them in order. Nothing here reads a wall clock
//! or iterates a hash map, and every random draw comes from a seeded stream, so a
//! scenario and a seed fix the whole run.

mod clients;
mod queue;

use crate::fact::Fact;
use crate::ids::{ClientId, MessageId, NodeId, RequestId};
use crate::net::{DropReason, NetworkState};
use crate::op::{ClientRequest, Reply};
use crate::protocol::{Ctx, DurableState, Effect, Protocol};
use crate::rng::{DetRng, stream};
use crate::scenario::{FaultAction, Scenario};
use crate::time::Time;
use crate::trace::{EndReason, Event, TraceOutput};
pub use queue::EventQueue;
use serde::Serialize;

/// A fact as recorded during a run: what the checkers read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FactRecord {
    pub t: Time,
    pub node: NodeId,
    pub fact: Fact,
}

/// A node's answer to a request, as recorded during a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplyRecord {
    pub t: Time,
    pub node: NodeId,
    pub request: RequestId,
    pub reply: Reply,
}

/// Counters of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Events processed (deliveries, drops on arrival, timer firings, faults, requests).
    pub events: u64,
    pub messages_sent: u64,
    pub messages_delivered: u64,
    pub messages_dropped: u64,
    pub messages_duplicated: u64,
    pub timers_fired: u64,
}

/// What a finished run leaves for the checkers and the report.
#[derive(Clone, Debug)]
pub struct RunRecord {
    pub stats: Stats,
    pub end_time: Time,
    pub end_reason: EndReason,
    pub facts: Vec<FactRecord>,
    pub replies: Vec<ReplyRecord>,
    /// What the workload's clients saw, when the scenario has a workload.
    pub history: Option<crate::history::History>,
}

enum Pending<P: Protocol> {
    Deliver {
        mid: MessageId,
        from: NodeId,
        to: NodeId,
        msg: P::Msg,
    },
    Timer {
        node: NodeId,
        timer: P::Timer,
        generation: u64,
    },
    Fault(usize),
    Request(usize),
    /// A client request reaching a node, or an answer reaching a client (boxed:
    /// rare, and kept out of the size of every queue entry).
    Client(Box<clients::ClientMail>),
    ScriptDue {
        client: usize,
        index: usize,
    },
    ClientThink {
        client: usize,
    },
    ClientTimeout {
        client: usize,
        request: RequestId,
        attempt: u32,
    },
}

/// A node slot: the live node (None while crashed) and what outlives it.
struct Slot<P: Protocol> {
    node: Option<P>,
    disk: P::Durable,
    /// Armed timers and the generation that may fire them; re-arming or a crash
    /// makes older queue entries stale, so nothing is ever removed from the heap.
    timers: Vec<(P::Timer, u64)>,
    rng: DetRng,
}

pub struct World<'s, P: Protocol> {
    scenario: &'s Scenario,
    config: &'s P::Config,
    now: Time,
    queue: EventQueue<Pending<P>>,
    slots: Vec<Slot<P>>,
    net: NetworkState,
    next_mid: u64,
    next_generation: u64,
    effects: Vec<Effect<P>>,
    out: TraceOutput,
    tracing: bool,
    stats: Stats,
    facts: Vec<FactRecord>,
    replies: Vec<ReplyRecord>,
    clients: Option<clients::Clients>,
}

impl<'s, P: Protocol> World<'s, P> {
    /// Builds the world at time 0: every node boots from an empty disk, and the
    /// scenario's faults and requests are scheduled.
    pub fn new(scenario: &'s Scenario, config: &'s P::Config, out: TraceOutput) -> World<'s, P> {
        let seed = scenario.spec.seed;
        let slots = scenario
            .nodes
            .iter()
            .map(|n| Slot {
                node: None,
                disk: P::Durable::default(),
                timers: Vec::new(),
                rng: DetRng::new(seed, stream::NODE_BASE + n.id.0 as u64),
            })
            .collect();
        let net = NetworkState::new(
            scenario.network.clone(),
            scenario.filters.clone(),
            DetRng::new(seed, stream::NETWORK),
        );
        let mut queue = EventQueue::default();
        for (i, f) in scenario.faults.iter().enumerate() {
            queue.push(f.at, Pending::Fault(i));
        }
        for (i, r) in scenario.requests.iter().enumerate() {
            queue.push(r.at, Pending::Request(i));
        }
        let mut clients = scenario
            .workload
            .as_ref()
            .map(|w| clients::Clients::new(w, seed, scenario.requests.len() as u64 + 1));
        if let Some(c) = clients.as_mut() {
            for (at, event) in c.initial_events::<P>() {
                queue.push(at, event);
            }
        }
        let tracing = out.active();
        let mut world = World {
            scenario,
            config,
            now: Time::ZERO,
            queue,
            slots,
            net,
            next_mid: 0,
            next_generation: 0,
            effects: Vec::with_capacity(16),
            out,
            tracing,
            stats: Stats::default(),
            facts: Vec::new(),
            replies: Vec::new(),
            clients,
        };
        for i in 0..world.slots.len() {
            world.boot(NodeId(i as u32));
        }
        world
    }

    /// Runs until nothing is pending or a limit is reached.
    pub fn run(mut self) -> (RunRecord, TraceOutput) {
        let end_reason = self.run_loop();
        let events = self.stats.events;
        if self.tracing {
            self.out.event(
                self.now,
                &Ev::<'_, P>::End {
                    reason: end_reason,
                    events,
                },
            );
        }
        let record = RunRecord {
            stats: self.stats,
            end_time: self.now,
            end_reason,
            facts: self.facts,
            replies: self.replies,
            history: self.clients.map(|c| c.history.finish()),
        };
        (record, self.out)
    }

    fn run_loop(&mut self) -> EndReason {
        let time_limit = self.scenario.time_limit;
        let event_limit = self.scenario.event_limit;
        loop {
            if self.stats.events >= event_limit {
                return EndReason::EventLimit;
            }
            // A cancelled or superseded timer is not an event: it neither counts
            // nor moves the clock, nor keeps a finished run alive.
            while self.head_is_stale_timer() {
                self.queue.pop();
            }
            match self.queue.peek_time() {
                None => return EndReason::Quiescent,
                Some(t) if t > time_limit => {
                    self.now = time_limit;
                    return EndReason::TimeLimit;
                }
                Some(_) => {}
            }
            let (at, pending) = self.queue.pop().expect("peeked");
            self.now = at;
            self.step(pending);
        }
    }

    fn step(&mut self, pending: Pending<P>) {
        match pending {
            Pending::Deliver { mid, from, to, msg } => self.deliver(mid, from, to, msg),
            Pending::Timer {
                node,
                timer,
                generation,
            } => {
                let pos = self
                    .timer_armed(node, &timer, generation)
                    .expect("stale timers are skipped by the loop");
                self.slots[node.index()].timers.swap_remove(pos);
                self.stats.events += 1;
                self.stats.timers_fired += 1;
                if self.tracing {
                    let name = self.scenario.node_name(node);
                    self.out.event(
                        self.now,
                        &Ev::<'_, P>::Timer {
                            node: name,
                            timer: &timer,
                        },
                    );
                }
                self.with_node(node, |n, ctx| n.on_timer(ctx, timer));
            }
            Pending::Fault(i) => {
                self.stats.events += 1;
                self.fault(i);
            }
            Pending::Request(i) => {
                self.stats.events += 1;
                let r = &self.scenario.requests[i];
                let request = ClientRequest {
                    id: RequestId(i as u64 + 1),
                    client: ClientId(0),
                    op: r.op.clone(),
                };
                let down = self.slots[r.node.index()].node.is_none();
                if self.tracing {
                    self.out.event(
                        self.now,
                        &Ev::<'_, P>::Request {
                            node: self.scenario.node_name(r.node),
                            client: None,
                            request: request.id,
                            op: &request.op,
                            node_down: down,
                        },
                    );
                }
                self.with_node(r.node, |n, ctx| n.on_request(ctx, request));
            }
            Pending::Client(mail) => {
                self.stats.events += 1;
                self.client_mail(*mail);
            }
            Pending::ScriptDue { client, index } => {
                self.stats.events += 1;
                self.script_due(client, index);
            }
            Pending::ClientThink { client } => {
                self.stats.events += 1;
                self.client_think(client);
            }
            Pending::ClientTimeout {
                client,
                request,
                attempt,
            } => {
                self.stats.events += 1;
                self.client_timeout(client, request, attempt);
            }
        }
    }

    fn head_is_stale_timer(&self) -> bool {
        match self.queue.peek() {
            Some((
                _,
                Pending::Timer {
                    node,
                    timer,
                    generation,
                },
            )) => self.timer_armed(*node, timer, *generation).is_none(),
            _ => false,
        }
    }

    /// Where `timer` sits in its node's armed list if this firing is current.
    fn timer_armed(&self, node: NodeId, timer: &P::Timer, generation: u64) -> Option<usize> {
        self.slots[node.index()]
            .timers
            .iter()
            .position(|(t, g)| t == timer && *g == generation)
    }

    fn deliver(&mut self, mid: MessageId, from: NodeId, to: NodeId, msg: P::Msg) {
        self.stats.events += 1;
        let fate = if self.net.is_cut(from, to) {
            Err(DropReason::Partition)
        } else if self.slots[to.index()].node.is_none() {
            Err(DropReason::Crashed)
        } else {
            Ok(())
        };
        if self.tracing {
            let (f, t) = (self.scenario.node_name(from), self.scenario.node_name(to));
            let ev = match fate {
                Ok(()) => Ev::<'_, P>::Deliver {
                    mid,
                    from: f,
                    to: t,
                    msg: &msg,
                },
                Err(reason) => Event::Drop {
                    mid,
                    from: f,
                    to: t,
                    reason,
                    msg: &msg,
                },
            };
            self.out.event(self.now, &ev);
        }
        match fate {
            Ok(()) => {
                self.stats.messages_delivered += 1;
                self.with_node(to, |n, ctx| n.on_message(ctx, from, msg));
            }
            Err(_) => self.stats.messages_dropped += 1,
        }
    }

    fn fault(&mut self, index: usize) {
        let scenario = self.scenario;
        let action = &scenario.faults[index].action;
        if self.tracing {
            let names = |set: crate::scenario::NodeSet| -> Vec<&str> {
                set.iter().map(|id| scenario.node_name(id)).collect()
            };
            let ev: Ev<'_, P> = match action {
                FaultAction::Crash(id) => Event::Crash {
                    node: scenario.node_name(*id),
                },
                FaultAction::Restart(id) => Event::Restart {
                    node: scenario.node_name(*id),
                },
                FaultAction::Partition(groups) => Event::Partition {
                    groups: groups.iter().map(|g| names(*g)).collect(),
                },
                FaultAction::Cut { from, to } => Event::Cut {
                    from: names(*from),
                    to: names(*to),
                },
                FaultAction::Heal => Event::Heal,
            };
            self.out.event(self.now, &ev);
        }
        match action {
            FaultAction::Crash(id) => {
                let slot = &mut self.slots[id.index()];
                slot.node = None;
                // Pending timers die with the process.
                slot.timers.clear();
            }
            FaultAction::Restart(id) => self.boot(*id),
            FaultAction::Partition(_) | FaultAction::Cut { .. } | FaultAction::Heal => {
                self.net.apply(action)
            }
        }
    }

    /// Starts (or restarts) a node from its disk.
    fn boot(&mut self, id: NodeId) {
        let mut effects = std::mem::take(&mut self.effects);
        let slot = &mut self.slots[id.index()];
        let node = {
            let mut ctx = Ctx::new(self.now, id, &mut slot.rng, &mut effects);
            P::on_recover(self.config, id, &slot.disk, &mut ctx)
        };
        slot.node = Some(node);
        self.apply_effects(id, &mut effects);
        self.effects = effects;
    }

    /// Runs a handler on a live node, then applies its effects. A node that is
    /// down receives nothing.
    fn with_node(&mut self, id: NodeId, handler: impl FnOnce(&mut P, &mut Ctx<P>)) {
        let mut effects = std::mem::take(&mut self.effects);
        let slot = &mut self.slots[id.index()];
        if let Some(node) = slot.node.as_mut() {
            let mut ctx = Ctx::new(self.now, id, &mut slot.rng, &mut effects);
            handler(node, &mut ctx);
        }
        self.apply_effects(id, &mut effects);
        self.effects = effects;
    }

    fn apply_effects(&mut self, id: NodeId, effects: &mut Vec<Effect<P>>) {
        for effect in effects.drain(..) {
            match effect {
                Effect::Send { to, msg } => self.send(id, to, msg),
                Effect::SetTimer { timer, after } => {
                    let generation = self.next_generation;
                    self.next_generation += 1;
                    let timers = &mut self.slots[id.index()].timers;
                    match timers.iter_mut().find(|(t, _)| *t == timer) {
                        Some(entry) => entry.1 = generation,
                        None => timers.push((timer, generation)),
                    }
                    self.queue.push(
                        self.now.after(after),
                        Pending::Timer {
                            node: id,
                            timer,
                            generation,
                        },
                    );
                }
                Effect::CancelTimer { timer } => {
                    self.slots[id.index()].timers.retain(|(t, _)| *t != timer);
                }
                Effect::Persist(write) => {
                    self.slots[id.index()].disk.apply(&write);
                    if self.tracing {
                        self.out.event(
                            self.now,
                            &Ev::<'_, P>::Persist {
                                node: self.scenario.node_name(id),
                                write: &write,
                            },
                        );
                    }
                }
                Effect::Reply { request, reply } => {
                    if self.tracing {
                        self.out.event(
                            self.now,
                            &Ev::<'_, P>::Reply {
                                node: self.scenario.node_name(id),
                                request,
                                reply: &reply,
                            },
                        );
                    }
                    self.route_reply(request, &reply);
                    self.replies.push(ReplyRecord {
                        t: self.now,
                        node: id,
                        request,
                        reply,
                    });
                }
                Effect::Note(fact) => {
                    if self.tracing {
                        self.out.event(
                            self.now,
                            &Ev::<'_, P>::Fact {
                                node: self.scenario.node_name(id),
                                fact: &fact,
                            },
                        );
                    }
                    self.facts.push(FactRecord {
                        t: self.now,
                        node: id,
                        fact,
                    });
                }
            }
        }
    }

    fn send(&mut self, from: NodeId, to: NodeId, msg: P::Msg) {
        use crate::protocol::Message;
        let mid = MessageId(self.next_mid);
        self.next_mid += 1;
        self.stats.messages_sent += 1;
        let route = self.net.route(self.now, from, to, msg.kind());
        if self.tracing {
            let (f, t) = (self.scenario.node_name(from), self.scenario.node_name(to));
            self.out.event(
                self.now,
                &Ev::<'_, P>::Send {
                    mid,
                    from: f,
                    to: t,
                    msg: &msg,
                },
            );
            if let Err(reason) = route.first {
                self.out.event(
                    self.now,
                    &Ev::<'_, P>::Drop {
                        mid,
                        from: f,
                        to: t,
                        reason,
                        msg: &msg,
                    },
                );
            }
        }
        if let Some(at) = route.duplicate {
            let copy = MessageId(self.next_mid);
            self.next_mid += 1;
            self.stats.messages_duplicated += 1;
            if self.tracing {
                self.out
                    .event(self.now, &Ev::<'_, P>::Duplicate { mid, copy });
            }
            self.queue.push(
                at,
                Pending::Deliver {
                    mid: copy,
                    from,
                    to,
                    msg: msg.clone(),
                },
            );
        }
        match route.first {
            Ok(at) => self.queue.push(at, Pending::Deliver { mid, from, to, msg }),
            Err(_) => self.stats.messages_dropped += 1,
        }
    }
}

/// The durable-write type of protocol `P`.
pub type DiskWrite<P> = <<P as Protocol>::Durable as DurableState>::Write;

/// A trace event of protocol `P`.
type Ev<'a, P> = Event<'a, <P as Protocol>::Msg, <P as Protocol>::Timer, DiskWrite<P>>;
