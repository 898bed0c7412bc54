//! The world: virtual clock, one event queue, the network, and the nodes.
//!
//! One loop pops the earliest event and hands it to a node (a message, a timer, a
//! client request) or applies it to the world (a fault). Handlers write effects
//! into a buffer; the loop applies them in order. Nothing here reads a wall clock
//! or iterates a hash map, and every random draw comes from a seeded stream, so a
//! scenario and a seed fix the whole run.

mod clients;
mod queue;

use crate::fact::FactRecord;
use crate::fault::FaultAction;
use crate::ids::{ClientId, MessageId, NodeId, RequestId};
use crate::named::Named;
use crate::net::{Delay, DropReason, NetworkState};
use crate::op::ClientRequest;
use crate::protocol::{Ctx, DurableState, Effect, Message, Protocol};
use crate::rng::{DetRng, stream};
use crate::scenario::Scenario;
use crate::time::Time;
use crate::trace::{EndReason, Event, TraceOutput};
pub use queue::EventQueue;
use serde::Serialize;

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
    /// Protocol facts, kept when a check or the outcome reads them.
    pub facts: Vec<FactRecord>,
    /// What the workload's clients saw, when the scenario has a workload.
    pub history: Option<crate::history::History>,
    /// Why the run stopped at its memory budget (end reason `memory-limit`),
    /// as the live run measured it; `None` otherwise and when read back.
    pub memory_overrun: Option<crate::memory::Overrun>,
}

/// Something pending in the world, as step mode lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PendingView {
    Message {
        at: Time,
        mid: MessageId,
        from: NodeId,
        to: NodeId,
        kind: &'static str,
        label: String,
    },
    Timer {
        at: Time,
        node: NodeId,
        timer: String,
    },
}

#[derive(Clone)]
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
    /// A durable write of `node` completes (a slow disk); then the effects its
    /// handler issued after the write take place. Stale if the node crashed
    /// since (`incarnation` changed): the write is lost.
    /// (Boxed: rare, and kept out of the size of every queue entry.)
    DiskDone(Box<DiskDone<P>>),
    /// Something that waited while its node was paused, handled now that it
    /// has resumed (or crashed). A message in it was already let through by
    /// the network when it arrived.
    Resumed(Box<Pending<P>>),
}

#[derive(Clone)]
struct DiskDone<P: Protocol> {
    node: NodeId,
    incarnation: u64,
    /// `None` for a flush: nothing is written, the effects just wait.
    write: Option<DiskWrite<P>>,
    then: Vec<Effect<P>>,
}

/// A node slot: the live node (None while crashed) and what outlives it.
#[derive(Clone)]
struct Slot<P: Protocol> {
    node: Option<P>,
    disk: P::Durable,
    /// Armed timers and the generation that may fire them; re-arming or a crash
    /// makes older queue entries stale, so nothing is ever removed from the heap.
    timers: Vec<(P::Timer, u64)>,
    rng: DetRng,
    /// Bumped by every crash: writes still on their way to the disk are lost.
    incarnation: u64,
    /// When the disk finishes the writes already issued (writes complete in order).
    disk_free_at: Time,
    /// Paused: what reaches the node waits in `held`, in arrival order.
    paused: bool,
    held: Vec<Pending<P>>,
}

/// A run in progress: everything that makes up the simulated world, and the
/// output its events stream to. The world's state is separate from the output:
/// cloning a world copies the state and leaves the copy with no output (attach
/// one with [`World::with_output`]), so step mode can snapshot and re-run.
pub struct World<'s, P: Protocol> {
    scenario: &'s Scenario,
    config: &'s P::Config,
    now: Time,
    queue: EventQueue<Pending<P>>,
    slots: Vec<Slot<P>>,
    net: NetworkState,
    /// Draws disk latencies (only for uniform ones).
    disk_rng: DetRng,
    next_mid: u64,
    next_generation: u64,
    /// Sequence number of the next trace event.
    next_seq: u64,
    /// How many nodes are paused (none, nearly always: nothing to look up).
    paused: usize,
    effects: Vec<Effect<P>>,
    stats: Stats,
    keep_facts: crate::fact::FactKinds,
    facts: Vec<FactRecord>,
    clients: Option<clients::Clients>,
    /// Set once the run has ended.
    ended: Option<EndReason>,
    out: TraceOutput,
    tracing: bool,
    memory: Watch,
}

/// What a run looks at now and then besides its events: its memory budget
/// and a Ctrl-C.
#[derive(Clone, Default)]
struct Watch {
    budget: Option<u64>,
    /// Whether a Ctrl-C ([`crate::interrupt::requested`]) stops the run.
    interruptible: bool,
    /// Look again once this many events have run.
    next_check: u64,
    overrun: Option<crate::memory::Overrun>,
    /// Told how far the run has got at every look (a progress display).
    progress: Option<ProgressHook>,
}

/// How far a run has got, for a progress display.
#[derive(Clone, Copy, Debug)]
pub struct RunProgress {
    pub events: u64,
    pub now: Time,
    pub time_limit: Time,
    pub event_limit: u64,
}

impl RunProgress {
    /// The share of the run done: the larger of virtual time and events over
    /// their limits (whichever ends the run first), from 0 to 1.
    pub fn fraction(&self) -> f64 {
        let time = self.now.0 as f64 / (self.time_limit.0 as f64).max(1.0);
        let events = self.events as f64 / (self.event_limit as f64).max(1.0);
        time.max(events).min(1.0)
    }
}

/// Called with the run's progress every few thousand events.
pub type ProgressHook = std::sync::Arc<dyn Fn(RunProgress) + Send + Sync>;

/// Events between two looks at the memory used (and at Ctrl-C).
const MEMORY_CHECK_EVERY: u64 = 1 << 12;

impl<P: Protocol> Clone for World<'_, P> {
    fn clone(&self) -> Self {
        World {
            scenario: self.scenario,
            config: self.config,
            now: self.now,
            queue: self.queue.clone(),
            slots: self.slots.clone(),
            net: self.net.clone(),
            disk_rng: self.disk_rng.clone(),
            next_mid: self.next_mid,
            next_generation: self.next_generation,
            next_seq: self.next_seq,
            paused: self.paused,
            effects: Vec::with_capacity(16),
            stats: self.stats,
            keep_facts: self.keep_facts,
            facts: self.facts.clone(),
            clients: self.clients.clone(),
            ended: self.ended,
            out: TraceOutput::new(),
            tracing: false,
            memory: self.memory.clone(),
        }
    }
}

impl<'s, P: Protocol> World<'s, P> {
    /// Builds the world at time 0: every node boots from its disk (empty, or
    /// as the scenario preloads it), and the
    /// scenario's faults and requests are scheduled.
    pub fn new(scenario: &'s Scenario, config: &'s P::Config, out: TraceOutput) -> World<'s, P> {
        // Facts are kept for the checks that read them and for what was chosen.
        let keep_facts = scenario.kept_facts();
        let seed = scenario.spec.seed;
        let slots = scenario
            .cluster
            .nodes
            .iter()
            .map(|n| Slot {
                node: None,
                disk: scenario.durable[n.id.index()]
                    .as_ref()
                    .and_then(|value| P::preload(config, value).ok())
                    .unwrap_or_default(),
                timers: Vec::new(),
                rng: DetRng::new(seed, stream::NODE_BASE + n.id.0 as u64),
                incarnation: 0,
                disk_free_at: Time::ZERO,
                paused: false,
                held: Vec::new(),
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
            disk_rng: DetRng::new(seed, stream::DISK),
            next_mid: 0,
            next_generation: 0,
            next_seq: 0,
            paused: 0,
            effects: Vec::with_capacity(16),
            stats: Stats::default(),
            keep_facts,
            facts: Vec::new(),
            clients,
            ended: None,
            out,
            tracing,
            memory: Watch::default(),
        };
        for i in 0..world.slots.len() {
            world.boot(NodeId(i as u32));
        }
        world
    }

    /// Streams this world's events to `out` from now on (a clone starts with
    /// no output).
    pub fn with_output(mut self, out: TraceOutput) -> World<'s, P> {
        self.tracing = out.active();
        self.out = out;
        self
    }

    /// Stops the run cleanly (end reason `memory-limit`) once it would use
    /// more than `bytes` of memory; see [`crate::memory`].
    pub fn with_memory_budget(mut self, bytes: u64) -> World<'s, P> {
        self.memory.budget = Some(bytes);
        self.memory.next_check = self.stats.events;
        self
    }

    /// Tells `hook` how far the run has got every few thousand events.
    pub fn with_progress(mut self, hook: ProgressHook) -> World<'s, P> {
        self.memory.progress = Some(hook);
        self.memory.next_check = self.stats.events;
        self
    }

    /// Stops the run cleanly (end reason `interrupted`) after a Ctrl-C; see
    /// [`crate::interrupt`].
    pub fn interruptible(mut self) -> World<'s, P> {
        self.memory.interruptible = true;
        self.memory.next_check = self.stats.events;
        self
    }

    pub fn now(&self) -> Time {
        self.now
    }

    /// Whether the run has ended.
    pub fn ended(&self) -> Option<EndReason> {
        self.ended
    }

    /// Every node's structured view, in node order (`None` while crashed).
    pub fn views(&self) -> Vec<Option<crate::protocol::NodeView>> {
        self.slots
            .iter()
            .map(|s| s.node.as_ref().map(P::describe))
            .collect()
    }

    /// What is pending, earliest first: messages in flight and armed timers.
    pub fn pending(&self) -> Vec<PendingView> {
        self.queue
            .in_order()
            .into_iter()
            .filter_map(|(at, p)| match p {
                Pending::Deliver { mid, from, to, msg } => Some(PendingView::Message {
                    at,
                    mid: *mid,
                    from: *from,
                    to: *to,
                    kind: msg.kind().name(),
                    label: msg.to_string(),
                }),
                Pending::Timer {
                    node,
                    timer,
                    generation,
                } => self
                    .timer_armed(*node, timer, *generation)
                    .map(|_| PendingView::Timer {
                        at,
                        node: *node,
                        timer: format!("{timer:?}"),
                    }),
                _ => None,
            })
            .collect()
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Runs until nothing is pending or a limit is reached.
    pub fn run(mut self) -> (RunRecord, TraceOutput) {
        if self.ended.is_none() {
            let reason = loop {
                if let Some(reason) = self.next_event() {
                    break reason;
                }
                if (self.memory.budget.is_some()
                    || self.memory.interruptible
                    || self.memory.progress.is_some())
                    && self.stats.events >= self.memory.next_check
                {
                    self.memory.next_check = self.stats.events + MEMORY_CHECK_EVERY;
                    if let Some(hook) = &self.memory.progress {
                        hook(RunProgress {
                            events: self.stats.events,
                            now: self.now,
                            time_limit: self.scenario.time_limit,
                            event_limit: self.scenario.event_limit,
                        });
                    }
                    if self.memory.interruptible && crate::interrupt::requested() {
                        break EndReason::Interrupted;
                    }
                    if self.over_memory_budget() {
                        break EndReason::MemoryLimit;
                    }
                }
            };
            self.end(reason);
        }
        self.finish()
    }

    /// Handles the next event. Returns why the run ended once it has (the end
    /// line is then written); a further call changes nothing.
    pub fn step(&mut self) -> Option<EndReason> {
        if self.ended.is_some() {
            return self.ended;
        }
        let end = self.next_event();
        if let Some(reason) = end {
            self.end(reason);
        }
        end
    }

    fn end(&mut self, reason: EndReason) {
        let events = self.stats.events;
        self.ended = Some(reason);
        self.emit(&Ev::<'_, P>::End { reason, events });
    }

    /// What this world keeps that grows with the run, largest first.
    fn memory_parts(&self) -> Vec<crate::memory::Part> {
        use crate::memory::Part;
        use std::mem::size_of;
        let mut parts = vec![
            Part {
                what: "event queue",
                bytes: (self.queue.len() * (size_of::<Pending<P>>() + 16)) as u64,
                detail: format!("{} pending events", self.queue.len()),
            },
            Part {
                what: "facts",
                bytes: (self.facts.capacity() * size_of::<FactRecord>()) as u64,
                detail: format!("{} kept for the checks", self.facts.len()),
            },
        ];
        if let Some(c) = &self.clients {
            parts.push(Part {
                what: "client history",
                bytes: c.history.approx_bytes(),
                detail: format!(
                    "{} operations; every read answer is kept whole",
                    c.history.len()
                ),
            });
        }
        parts.sort_by_key(|p| std::cmp::Reverse(p.bytes));
        parts
    }

    /// Whether the run has grown past its memory budget (and if so, why).
    fn over_memory_budget(&mut self) -> bool {
        let Some(budget) = self.memory.budget else {
            return false;
        };
        let parts = self.memory_parts();
        let used =
            crate::memory::resident_bytes().unwrap_or_else(|| parts.iter().map(|p| p.bytes).sum());
        if used <= budget {
            return false;
        }
        self.memory.overrun = Some(crate::memory::Overrun {
            budget,
            used,
            parts,
        });
        true
    }

    /// The record of a run that has ended (runs it to the end first if not).
    pub fn finish(mut self) -> (RunRecord, TraceOutput) {
        while self.step().is_none() {}
        let record = RunRecord {
            stats: self.stats,
            end_time: self.now,
            end_reason: self.ended.expect("ran to the end"),
            facts: self.facts,
            history: self.clients.map(|c| c.history.finish()),
            memory_overrun: self.memory.overrun,
        };
        (record, self.out)
    }

    /// The next trace event's sequence number.
    fn take_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// Writes one event to the output with the next sequence number.
    fn emit<M, T, W>(&mut self, ev: &Event<'_, M, T, W>)
    where
        M: serde::Serialize + std::fmt::Display,
        T: serde::Serialize + std::fmt::Debug,
        W: serde::Serialize,
    {
        let seq = self.take_seq();
        self.out.event(self.now, seq, ev);
    }

    #[inline(always)]
    fn next_event(&mut self) -> Option<EndReason> {
        let scenario = self.scenario;
        if self.stats.events >= scenario.event_limit {
            return Some(EndReason::EventLimit);
        }
        // A cancelled or superseded timer is not an event: it neither counts
        // nor moves the clock, nor keeps a finished run alive.
        while self.head_is_stale_timer() {
            self.queue.pop();
        }
        match self.queue.peek_time() {
            None => return Some(EndReason::Quiescent),
            Some(t) if t > scenario.time_limit => {
                self.now = scenario.time_limit;
                return Some(EndReason::TimeLimit);
            }
            Some(_) => {}
        }
        let (at, pending) = self.queue.pop().expect("peeked");
        self.now = at;
        if self.paused > 0 {
            if let Some(pending) = self.hold_if_paused(pending) {
                self.handle(pending);
            }
        } else {
            self.handle(pending);
        }
        None
    }

    /// The node whose process `pending` needs, if any (a message's
    /// recipient, a timer's node, a request's node, a disk write's node).
    fn needs_node(&self, pending: &Pending<P>) -> Option<NodeId> {
        match pending {
            Pending::Deliver { to, .. } => Some(*to),
            Pending::Timer { node, .. } => Some(*node),
            Pending::Request(i) => Some(self.scenario.requests[*i].node),
            Pending::Client(mail) => mail.node(),
            Pending::DiskDone(done) => Some(done.node),
            Pending::Resumed(inner) => self.needs_node(inner),
            Pending::Fault(_)
            | Pending::ScriptDue { .. }
            | Pending::ClientThink { .. }
            | Pending::ClientTimeout { .. } => None,
        }
    }

    /// Keeps `pending` back when its node is paused; else gives it back. A
    /// message the network cuts off on arrival is dropped as usual.
    #[cold]
    fn hold_if_paused(&mut self, pending: Pending<P>) -> Option<Pending<P>> {
        let Some(node) = self.needs_node(&pending) else {
            return Some(pending);
        };
        if !self.slots[node.index()].paused {
            return Some(pending);
        }
        let pending = match pending {
            Pending::Deliver { from, to, .. } if self.net.is_cut(from, to) => return Some(pending),
            Pending::Deliver { .. } => Pending::Resumed(Box::new(pending)),
            other => other,
        };
        self.slots[node.index()].held.push(pending);
        None
    }

    #[inline(always)]
    fn handle(&mut self, pending: Pending<P>) {
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
                    self.emit(&Ev::<'_, P>::Timer {
                        node: name,
                        timer: &timer,
                    });
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
                    self.emit(&Ev::<'_, P>::Request {
                        node: self.scenario.node_name(r.node),
                        client: None,
                        request: request.id,
                        op: &request.op,
                        node_down: down,
                    });
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
            Pending::Resumed(inner) => match *inner {
                Pending::Deliver { mid, from, to, msg } => self.arrive(mid, from, to, msg, false),
                other => self.handle_resumed(other),
            },
            Pending::DiskDone(done) => {
                let DiskDone {
                    node, write, then, ..
                } = *done;
                self.stats.events += 1;
                if let Some(write) = write {
                    self.slots[node.index()].disk.apply(&write);
                    if self.tracing {
                        self.emit(&Ev::<'_, P>::Persist {
                            node: self.scenario.node_name(node),
                            write: &write,
                        });
                    }
                }
                // `then` holds no writes: each was scheduled when issued.
                for effect in then {
                    self.apply_effect(node, effect);
                }
            }
        }
    }

    /// What waited for a paused node, other than a message.
    #[cold]
    fn handle_resumed(&mut self, pending: Pending<P>) {
        self.handle(pending)
    }

    /// A cancelled timer, or a write lost in a crash: not an event.
    fn head_is_stale_timer(&self) -> bool {
        self.queue.peek().is_some_and(|(_, p)| self.is_stale(p))
    }

    fn is_stale(&self, pending: &Pending<P>) -> bool {
        match pending {
            Pending::DiskDone(done) => {
                self.slots[done.node.index()].incarnation != done.incarnation
            }
            Pending::Timer {
                node,
                timer,
                generation,
            } => self.timer_armed(*node, timer, *generation).is_none(),
            Pending::Resumed(inner) => self.is_stale(inner),
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
        self.arrive(mid, from, to, msg, true)
    }

    /// A message reaches `to`: cut off by the network (unless it got through
    /// earlier and waited for a paused node), dropped at a crashed node, or
    /// handled.
    #[inline(always)]
    fn arrive(&mut self, mid: MessageId, from: NodeId, to: NodeId, msg: P::Msg, network: bool) {
        self.stats.events += 1;
        let fate = if network && self.net.is_cut(from, to) {
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
            self.emit(&ev);
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
            let names = |set: crate::ids::NodeSet| -> Vec<&str> {
                set.iter().map(|id| scenario.node_name(id)).collect()
            };
            let ev: Ev<'_, P> = match action {
                FaultAction::Crash(id) => Event::Crash {
                    node: scenario.node_name(*id),
                },
                FaultAction::Restart(id) => Event::Restart {
                    node: scenario.node_name(*id),
                },
                FaultAction::Pause(id) => Event::Pause {
                    node: scenario.node_name(*id),
                },
                FaultAction::Resume(id) => Event::Resume {
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
            self.emit(&ev);
        }
        match action {
            FaultAction::Crash(id) => {
                let slot = &mut self.slots[id.index()];
                slot.node = None;
                // Pending timers die with the process, and so do writes that
                // had not reached the disk.
                slot.timers.clear();
                slot.incarnation += 1;
                slot.disk_free_at = self.now;
                // A paused process is killed where it stands: what waited for
                // it now meets a crashed node (messages drop, the rest is stale).
                if slot.paused {
                    self.release(*id);
                }
            }
            FaultAction::Restart(id) => self.boot(*id),
            FaultAction::Pause(id) => {
                let slot = &mut self.slots[id.index()];
                if slot.node.is_some() && !slot.paused {
                    slot.paused = true;
                    self.paused += 1;
                }
            }
            FaultAction::Resume(id) => {
                if self.slots[id.index()].paused {
                    self.release(*id);
                }
            }
            FaultAction::Partition(_) | FaultAction::Cut { .. } | FaultAction::Heal => {
                self.net.apply(action)
            }
        }
    }

    /// Ends a pause: what waited is queued now, in arrival order, ahead of
    /// anything else that happens at this instant (a disk write completing
    /// now was issued after the writes that waited).
    fn release(&mut self, id: NodeId) {
        let slot = &mut self.slots[id.index()];
        slot.paused = false;
        self.paused -= 1;
        for pending in std::mem::take(&mut slot.held) {
            let pending = match pending {
                resumed @ Pending::Resumed(_) => resumed,
                other => Pending::Resumed(Box::new(other)),
            };
            self.queue.push_first(self.now, pending);
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
        if self.disk_is_slow(id) {
            return self.apply_effects_on_slow_disk(id, effects);
        }
        for effect in effects.drain(..) {
            self.apply_effect(id, effect);
        }
    }

    /// With a slow disk, a durable write completes later, and what the handler
    /// did after it (send, reply, state a fact) waits for it; its timers do not.
    /// Every write is scheduled now, in order, so the disk completes a node's
    /// writes in the order they were issued, across handlers.
    #[cold]
    fn apply_effects_on_slow_disk(&mut self, id: NodeId, effects: &mut Vec<Effect<P>>) {
        let mut waiting: Option<(Time, DiskDone<P>)> = None;
        for effect in effects.drain(..) {
            match effect {
                Effect::Persist(_) | Effect::Flush => {
                    if let Some((at, done)) = waiting.take() {
                        self.queue.push(at, Pending::DiskDone(Box::new(done)));
                    }
                    let (at, write) = match effect {
                        Effect::Persist(write) => (self.schedule_write(id), Some(write)),
                        _ => (self.now.max(self.slots[id.index()].disk_free_at), None),
                    };
                    let incarnation = self.slots[id.index()].incarnation;
                    waiting = Some((
                        at,
                        DiskDone {
                            node: id,
                            incarnation,
                            write,
                            then: Vec::new(),
                        },
                    ));
                }
                Effect::SetTimer { .. } | Effect::CancelTimer { .. } => {
                    self.apply_effect(id, effect)
                }
                other => match waiting.as_mut() {
                    Some((_, done)) => done.then.push(other),
                    None => self.apply_effect(id, other),
                },
            }
        }
        if let Some((at, done)) = waiting {
            self.queue.push(at, Pending::DiskDone(Box::new(done)));
        }
    }

    fn disk_is_slow(&self, id: NodeId) -> bool {
        self.scenario.disk_latency[id.index()] != Delay::Fixed(0)
    }

    /// When a write issued now by `id` completes: after its latency, and after
    /// every write the node issued before.
    fn schedule_write(&mut self, id: NodeId) -> Time {
        let latency = match self.scenario.disk_latency[id.index()] {
            Delay::Fixed(d) => d,
            Delay::Uniform { lo, hi } => self.disk_rng.between(lo, hi),
        };
        let slot = &mut self.slots[id.index()];
        let done = self.now.after(latency).max(slot.disk_free_at);
        slot.disk_free_at = done;
        done
    }

    /// Applies one effect now (a write goes straight to the disk).
    #[inline(always)]
    fn apply_effect(&mut self, id: NodeId, effect: Effect<P>) {
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
            // An instant disk has nothing to wait for.
            Effect::Flush => {}
            Effect::Persist(write) => {
                self.slots[id.index()].disk.apply(&write);
                if self.tracing {
                    self.emit(&Ev::<'_, P>::Persist {
                        node: self.scenario.node_name(id),
                        write: &write,
                    });
                }
            }
            Effect::Reply { request, reply } => {
                if self.tracing {
                    self.emit(&Ev::<'_, P>::Reply {
                        node: self.scenario.node_name(id),
                        request,
                        reply: &reply,
                    });
                }
                self.route_reply(request, &reply);
            }
            Effect::Note(fact) => {
                if self.tracing {
                    self.emit(&Ev::<'_, P>::Fact {
                        node: self.scenario.node_name(id),
                        fact: &fact,
                    });
                }
                if self.keep_facts.contains(fact.kind()) {
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
        let mid = MessageId(self.next_mid);
        self.next_mid += 1;
        self.stats.messages_sent += 1;
        let route = self.net.route(self.now, from, to, msg.kind().index());
        if self.tracing {
            let (f, t) = (self.scenario.node_name(from), self.scenario.node_name(to));
            self.emit(&Ev::<'_, P>::Send {
                mid,
                from: f,
                to: t,
                msg: &msg,
            });
            if let Err(reason) = route.first {
                self.emit(&Ev::<'_, P>::Drop {
                    mid,
                    from: f,
                    to: t,
                    reason,
                    msg: &msg,
                });
            }
        }
        if let Some(at) = route.duplicate {
            let copy = MessageId(self.next_mid);
            self.next_mid += 1;
            self.stats.messages_duplicated += 1;
            if self.tracing {
                self.emit(&Ev::<'_, P>::Duplicate { mid, copy });
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
