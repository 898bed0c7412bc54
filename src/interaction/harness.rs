//! The harness: a small cluster of one protocol's nodes, driven by hand.
//!
//! It holds what the engine's world holds for each node — the live node (none
//! while crashed), its disk, its own random stream, its armed timers — and the
//! messages in flight, but no network, no event queue and no other randomness:
//! a message moves only when a command delivers it, a timer fires only when a
//! command fires it. Effects are applied as the engine applies them, in the
//! order the handler wrote them, and each is printed as the run log words it.

use super::command::{Command, MessageFilter, RequestOp};
use super::error::CommandError;
use crate::history::ModelKind;
use crate::ids::{MessageId, NodeId, RequestId};
use crate::named::Named;
use crate::net::DropReason;
use crate::op::{ClientRequest, Op};
use crate::protocol::{Ctx, DurableState, Effect, Message, Protocol};
use crate::protocols::{ConfigVisitor, ConfigureInput};
use crate::render::{log, view};
use crate::rng::{DetRng, stream};
use crate::scenario::{RequestSpec, Scenario, ScenarioSpec, TransferSpec};
use crate::time::Time;
use crate::trace::Event;
use crate::value::Value;
use crate::workload::OpSpec;

/// How many deliveries `stabilize` makes before it calls a cluster restless.
pub const STABILIZE_LIMIT: usize = 10_000;

/// A cluster driven by commands, whatever its protocol.
pub trait Drive {
    /// Runs one command other than `boot` and returns the lines it prints.
    fn run(&mut self, command: &Command) -> Result<Vec<String>, CommandError>;
    /// The harness's clock: it moves only when a timer fires.
    fn now(&self) -> Time;
}

/// Boots a harness for the scenario's protocol, cluster and seed (its
/// network, faults and requests are not used). Returns it with the lines its
/// nodes' first effects print.
pub fn boot(scenario: &Scenario, model: ModelKind) -> (Box<dyn Drive>, Vec<String>) {
    struct Build<'a> {
        scenario: &'a Scenario,
        model: ModelKind,
    }
    impl ConfigVisitor for Build<'_> {
        type Output = (Box<dyn Drive>, Vec<String>);
        fn visit<P: Protocol>(self, config: &P::Config) -> Self::Output {
            let (harness, lines) = Harness::<P>::boot(self.scenario, config.clone(), self.model);
            (Box::new(harness), lines)
        }
    }
    scenario.config.visit(Build { scenario, model })
}

/// A message in flight.
#[derive(Clone, Debug)]
struct InFlight<M> {
    mid: MessageId,
    from: NodeId,
    to: NodeId,
    msg: M,
}

/// One node and what outlives its crashes.
#[derive(Clone, Debug)]
struct NodeSlot<P: Protocol> {
    /// `None` while crashed.
    node: Option<P>,
    disk: P::Durable,
    rng: DetRng,
    /// Armed timers and when each is due, in arming order.
    timers: Vec<(P::Timer, Time)>,
}

/// A hand-driven cluster of protocol `P`. Cloning it copies the whole state
/// (step mode can keep snapshots to step back to).
#[derive(Clone, Debug)]
pub struct Harness<P: Protocol> {
    /// The boot's scenario, grown by every `transaction` (see
    /// [`Harness::transaction`]).
    spec: ScenarioSpec,
    config: P::Config,
    names: Vec<String>,
    model: ModelKind,
    now: Time,
    slots: Vec<NodeSlot<P>>,
    /// In the order sent.
    in_flight: Vec<InFlight<P::Msg>>,
    next_mid: u64,
    next_request: u64,
    effects: Vec<Effect<P>>,
}

type Ev<'a, P> = Event<
    'a,
    <P as Protocol>::Msg,
    <P as Protocol>::Timer,
    <<P as Protocol>::Durable as DurableState>::Write,
>;

impl<P: Protocol> Harness<P> {
    /// Every node boots from an empty disk, with the random stream it has in
    /// a run of the same seed.
    pub fn boot(scenario: &Scenario, config: P::Config, model: ModelKind) -> (Self, Vec<String>) {
        let seed = scenario.spec.seed;
        let mut harness = Harness {
            spec: scenario.spec.clone(),
            config,
            names: scenario
                .cluster
                .nodes
                .iter()
                .map(|n| n.name.clone())
                .collect(),
            model,
            now: Time::ZERO,
            slots: scenario
                .cluster
                .nodes
                .iter()
                .map(|n| NodeSlot {
                    node: None,
                    disk: P::Durable::default(),
                    rng: DetRng::new(seed, stream::NODE_BASE + n.id.0 as u64),
                    timers: Vec::new(),
                })
                .collect(),
            in_flight: Vec::new(),
            next_mid: 0,
            next_request: 1,
            effects: Vec::new(),
        };
        let mut lines = Vec::new();
        for i in 0..harness.slots.len() {
            harness.recover(NodeId(i as u32), &mut lines);
        }
        (harness, lines)
    }

    fn name(&self, id: NodeId) -> &str {
        &self.names[id.index()]
    }

    fn node_id(&self, name: &str) -> Result<NodeId, CommandError> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| NodeId(i as u32))
            .ok_or_else(|| CommandError::UnknownNode {
                name: name.to_string(),
                known: self.names.clone(),
            })
    }

    fn is_up(&self, id: NodeId) -> bool {
        self.slots[id.index()].node.is_some()
    }

    /// Builds a node from its disk and applies what `on_recover` wrote.
    fn recover(&mut self, id: NodeId, lines: &mut Vec<String>) {
        let mut effects = std::mem::take(&mut self.effects);
        let slot = &mut self.slots[id.index()];
        let mut ctx = Ctx::new(self.now, id, &mut slot.rng, &mut effects);
        slot.node = Some(P::on_recover(&self.config, id, &slot.disk, &mut ctx));
        self.apply(id, &mut effects, lines);
        self.effects = effects;
    }

    /// Runs a handler on a live node, then applies its effects.
    fn handle(
        &mut self,
        id: NodeId,
        lines: &mut Vec<String>,
        handler: impl FnOnce(&mut P, &mut Ctx<P>),
    ) {
        let mut effects = std::mem::take(&mut self.effects);
        let slot = &mut self.slots[id.index()];
        if let Some(node) = slot.node.as_mut() {
            let mut ctx = Ctx::new(self.now, id, &mut slot.rng, &mut effects);
            handler(node, &mut ctx);
        }
        self.apply(id, &mut effects, lines);
        self.effects = effects;
    }

    /// Applies effects in order, as the engine does, printing each.
    fn apply(&mut self, id: NodeId, effects: &mut Vec<Effect<P>>, lines: &mut Vec<String>) {
        let name = self.names[id.index()].as_str();
        for effect in effects.drain(..) {
            match effect {
                Effect::Send { to, msg } => {
                    let mid = MessageId(self.next_mid);
                    self.next_mid += 1;
                    lines.push(log::describe(&Ev::<P>::Send {
                        mid,
                        from: name,
                        to: &self.names[to.index()],
                        msg: &msg,
                    }));
                    self.in_flight.push(InFlight {
                        mid,
                        from: id,
                        to,
                        msg,
                    });
                }
                Effect::SetTimer { timer, after } => {
                    let due = self.now.after(after);
                    let timers = &mut self.slots[id.index()].timers;
                    timers.retain(|(t, _)| *t != timer);
                    timers.push((timer, due));
                    lines.push(log::timer_set(name, &timer, due));
                }
                Effect::CancelTimer { timer } => {
                    let timers = &mut self.slots[id.index()].timers;
                    let armed = timers.len();
                    timers.retain(|(t, _)| *t != timer);
                    // Cancelling a timer that is not armed changes nothing.
                    if timers.len() < armed {
                        lines.push(log::timer_cancelled(name, &timer));
                    }
                }
                // Stories run on instant disks: a flush has nothing to wait for.
                Effect::Flush => {}
                Effect::Persist(write) => {
                    self.slots[id.index()].disk.apply(&write);
                    lines.push(log::describe(&Ev::<P>::Persist {
                        node: name,
                        write: &write,
                    }));
                }
                Effect::Reply { request, reply } => {
                    lines.push(log::describe(&Ev::<P>::Reply {
                        node: name,
                        request,
                        reply: &reply,
                    }));
                }
                Effect::Note(fact) => {
                    lines.push(log::describe(&Ev::<P>::Fact {
                        node: name,
                        fact: &fact,
                    }));
                }
            }
        }
    }

    /// The positions in `in_flight` of the messages `filter` selects.
    fn select(&self, filter: &MessageFilter) -> Result<Vec<usize>, CommandError> {
        let from = filter
            .from
            .as_deref()
            .map(|n| self.node_id(n))
            .transpose()?;
        let to = filter.to.as_deref().map(|n| self.node_id(n)).transpose()?;
        let kind = match &filter.kind {
            None => None,
            Some(k) => Some(
                <<P::Msg as Message>::Kind as Named>::from_name(k).ok_or_else(|| {
                    CommandError::UnknownKind {
                        kind: k.clone(),
                        known: <<P::Msg as Message>::Kind as Named>::names(),
                    }
                })?,
            ),
        };
        Ok(self
            .in_flight
            .iter()
            .enumerate()
            .filter(|(_, m)| {
                from.is_none_or(|f| m.from == f)
                    && to.is_none_or(|t| m.to == t)
                    && kind.is_none_or(|k| m.msg.kind() == k)
                    && filter.id.is_none_or(|id| m.mid.0 == id)
            })
            .map(|(i, _)| i)
            .collect())
    }

    /// Takes the selected messages out of flight, oldest first.
    fn take(&mut self, filter: &MessageFilter) -> Result<Vec<InFlight<P::Msg>>, CommandError> {
        let picked = self.select(filter)?;
        let mut taken = Vec::with_capacity(picked.len());
        for i in picked.into_iter().rev() {
            taken.push(self.in_flight.remove(i));
        }
        taken.reverse();
        Ok(taken)
    }

    /// Hands one message to its destination, or drops it there if it is down.
    fn deliver(&mut self, m: InFlight<P::Msg>, lines: &mut Vec<String>) {
        let (from, to) = (self.name(m.from), self.name(m.to));
        if !self.is_up(m.to) {
            lines.push(log::describe(&Ev::<P>::Drop {
                mid: m.mid,
                from,
                to,
                reason: DropReason::Crashed,
                msg: &m.msg,
            }));
            return;
        }
        lines.push(log::describe(&Ev::<P>::Deliver {
            mid: m.mid,
            from,
            to,
            msg: &m.msg,
        }));
        self.handle(m.to, lines, |n, ctx| n.on_message(ctx, m.from, m.msg));
    }

    fn request(&mut self, node: &str, op: &RequestOp) -> Result<Vec<String>, CommandError> {
        let id = self.node_id(node)?;
        let op = match op {
            RequestOp::Propose(v) => Op::Propose(Value::new(v)),
            RequestOp::Data { f, key, args } => Op::Data(self.data_op(f, key, args)?),
        };
        Ok(self.send_request(id, op))
    }

    /// Hands a client request to `id` (numbered r1, r2, ...), or loses it if
    /// the node is down.
    fn send_request(&mut self, id: NodeId, op: Op) -> Vec<String> {
        let request = ClientRequest {
            id: RequestId(self.next_request),
            client: crate::ids::ClientId(0),
            op,
        };
        self.next_request += 1;
        let node_down = !self.is_up(id);
        let mut lines = vec![log::describe(&Ev::<P>::Request {
            node: self.name(id),
            client: None,
            request: request.id,
            op: &request.op,
            node_down,
        })];
        self.handle(id, &mut lines, |n, ctx| n.on_request(ctx, request));
        lines
    }

    /// A client's transfer, run as a transaction by the coordinator `node`.
    ///
    /// Commit protocols plan every transaction when they are configured (who
    /// takes part, what each does), so the transfer becomes one more request
    /// of the boot's scenario, at the harness's time: the scenario is
    /// validated and the protocol configured again exactly as a file with that
    /// request would be (so a bad account or a node that does not coordinate
    /// is refused in the same words), every running node adopts the new
    /// configuration ([`Protocol::adopt_config`]), and the coordinator gets
    /// the request. Requests only append, so earlier transactions keep their
    /// plans.
    fn transaction(
        &mut self,
        node: &str,
        transfer: &TransferSpec,
    ) -> Result<Vec<String>, CommandError> {
        self.node_id(node)?;
        let mut spec = self.spec.clone();
        spec.requests.push(RequestSpec {
            at: self.now.ticks(),
            node: node.to_string(),
            propose: None,
            transfer: Some(transfer.clone()),
        });
        let scenario =
            Scenario::from_spec(spec, "transaction").map_err(CommandError::Transaction)?;
        let (config, _) = crate::protocols::configure::<P>(&ConfigureInput {
            source: &scenario.source,
            protocol: scenario.protocol.name(),
            variant: scenario.spec.variant.as_deref(),
            params: &scenario.spec.params,
            cluster: &scenario.cluster,
            requests: &scenario.requests,
        })
        .map_err(CommandError::Transaction)?;
        let Some(op) = scenario.requests.last().map(|r| r.op.clone()) else {
            return Err(CommandError::BadOperation(
                "no transfer was scripted".into(),
            ));
        };
        for node in self.slots.iter_mut().filter_map(|s| s.node.as_mut()) {
            node.adopt_config(&config);
        }
        self.config = config;
        self.spec = scenario.spec;
        Ok(self.send_request(self.node_id(node)?, op))
    }

    /// A data operation in the boot's model, through the workload's parser so
    /// that `f` names and value types are the scenario format's.
    fn data_op(
        &self,
        f: &str,
        key: &str,
        args: &[String],
    ) -> Result<crate::history::Input, CommandError> {
        let number = |s: &str| {
            s.parse::<i64>()
                .map_err(|_| CommandError::BadOperation(format!("{s:?} is not a number")))
        };
        let mut spec = OpSpec {
            f: f.to_string(),
            key: key.to_string(),
            value: None,
            from: None,
            to: None,
        };
        match (f, args) {
            ("cas", [from, to]) => {
                spec.from = Some(number(from)?);
                spec.to = Some(number(to)?);
            }
            (_, []) => {}
            _ if self.model == ModelKind::Kv => {
                spec.value = Some(serde_json::Value::String(args.join(" ")));
            }
            (_, [value]) => spec.value = Some(serde_json::json!(number(value)?)),
            _ => {
                return Err(CommandError::BadOperation(format!(
                    "{f} takes one value, found {}",
                    args.join(" ")
                )));
            }
        }
        spec.to_input(self.model, "request", "op")
            .map_err(|e| CommandError::BadOperation(e.message))
    }

    fn fire(&mut self, node: &str, timer: &str) -> Result<Vec<String>, CommandError> {
        let id = self.node_id(node)?;
        if !self.is_up(id) {
            return Err(CommandError::NodeDown(node.to_string()));
        }
        let timers = &mut self.slots[id.index()].timers;
        let Some(pos) = timers
            .iter()
            .position(|(t, _)| timer_is_named(t, timer))
            .or_else(|| only_of_kind(timers, timer))
        else {
            return Err(CommandError::NoTimer {
                node: node.to_string(),
                timer: timer.to_string(),
                armed: timers.iter().map(|(t, _)| format!("{t:?}")).collect(),
            });
        };
        let (timer, due) = timers.remove(pos);
        let mut lines = Vec::new();
        if due > self.now {
            lines.push(log::time_passes(self.now, due));
            self.now = due;
        }
        lines.push(log::describe(&Ev::<P>::Timer {
            node: self.name(id),
            timer: &timer,
        }));
        self.handle(id, &mut lines, |n, ctx| n.on_timer(ctx, timer));
        Ok(lines)
    }

    fn view(&self, node: Option<&str>) -> Result<Vec<String>, CommandError> {
        let ids = match node {
            Some(name) => vec![self.node_id(name)?],
            None => (0..self.slots.len() as u32).map(NodeId).collect(),
        };
        let mut lines = Vec::new();
        for id in ids {
            match &self.slots[id.index()].node {
                Some(node) => lines.extend(view::lines(self.name(id), &node.describe(), |n| {
                    self.name(n)
                })),
                None => lines.push(format!("{} is down", self.name(id))),
            }
        }
        Ok(lines)
    }

    fn pending(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .in_flight
            .iter()
            .map(|m| {
                log::describe(&Ev::<P>::Send {
                    mid: m.mid,
                    from: self.name(m.from),
                    to: self.name(m.to),
                    msg: &m.msg,
                })
            })
            .collect();
        for (i, slot) in self.slots.iter().enumerate() {
            for (timer, due) in &slot.timers {
                lines.push(log::timer_set(self.name(NodeId(i as u32)), timer, *due));
            }
        }
        if lines.is_empty() {
            lines.push("nothing in flight, no timer armed".to_string());
        }
        lines
    }
}

/// What a message command prints when its filter matched nothing.
fn or_no_match(lines: Vec<String>) -> Vec<String> {
    if lines.is_empty() {
        vec!["no message in flight matches".to_string()]
    } else {
        lines
    }
}

/// Whether the user's word names `timer`: its name as the log prints it or as
/// a trace writes it, in any case.
fn timer_is_named<T: std::fmt::Debug + serde::Serialize>(timer: &T, word: &str) -> bool {
    let debug = format!("{timer:?}");
    let json = serde_json::to_string(timer).unwrap_or_default();
    debug.eq_ignore_ascii_case(word) || json.trim_matches('"').eq_ignore_ascii_case(word)
}

/// The position of the one armed timer whose kind is `word` (`outcome` for
/// `Outcome(0)`), so a story need not spell a timer's argument; none
/// when no timer or several timers of that kind are armed.
fn only_of_kind<T: std::fmt::Debug>(timers: &[(T, Time)], word: &str) -> Option<usize> {
    let kind = |t: &T| {
        let debug = format!("{t:?}");
        let end = debug.find('(').unwrap_or(debug.len());
        debug[..end].to_string()
    };
    let mut matching = timers
        .iter()
        .enumerate()
        .filter(|(_, (t, _))| kind(t).eq_ignore_ascii_case(word));
    match (matching.next(), matching.next()) {
        (Some((pos, _)), None) => Some(pos),
        _ => None,
    }
}

impl<P: Protocol> Drive for Harness<P> {
    fn run(&mut self, command: &Command) -> Result<Vec<String>, CommandError> {
        match command {
            Command::Boot(_) => Err(CommandError::BootInside),
            Command::Request { node, op } => self.request(node, op),
            Command::Transaction { node, transfer } => self.transaction(node, transfer),
            Command::Deliver(filter) => {
                let mut lines = Vec::new();
                for m in self.take(filter)? {
                    self.deliver(m, &mut lines);
                }
                Ok(or_no_match(lines))
            }
            Command::Drop(filter) => Ok(or_no_match(
                self.take(filter)?
                    .iter()
                    .map(|m| {
                        log::describe(&Ev::<P>::Drop {
                            mid: m.mid,
                            from: self.name(m.from),
                            to: self.name(m.to),
                            reason: DropReason::Loss,
                            msg: &m.msg,
                        })
                    })
                    .collect(),
            )),
            Command::Duplicate(filter) => {
                let mut lines = Vec::new();
                // From the back, so that inserting a copy keeps earlier positions.
                for i in self.select(filter)?.into_iter().rev() {
                    let copy = MessageId(self.next_mid);
                    self.next_mid += 1;
                    let original = &self.in_flight[i];
                    lines.push(log::describe(&Ev::<P>::Duplicate {
                        mid: original.mid,
                        copy,
                    }));
                    let duplicate = InFlight {
                        mid: copy,
                        ..original.clone()
                    };
                    self.in_flight.insert(i + 1, duplicate);
                }
                lines.reverse();
                Ok(or_no_match(lines))
            }
            Command::Stabilize => {
                let mut lines = Vec::new();
                let mut delivered = 0;
                while !self.in_flight.is_empty() {
                    if delivered == STABILIZE_LIMIT {
                        return Err(CommandError::Restless(STABILIZE_LIMIT));
                    }
                    let m = self.in_flight.remove(0);
                    self.deliver(m, &mut lines);
                    delivered += 1;
                }
                Ok(lines)
            }
            Command::Fire { node, timer } => self.fire(node, timer),
            Command::Crash { node } => {
                let id = self.node_id(node)?;
                if !self.is_up(id) {
                    return Err(CommandError::NodeDown(node.clone()));
                }
                let slot = &mut self.slots[id.index()];
                slot.node = None;
                // Timers die with the process; the disk stays.
                slot.timers.clear();
                Ok(vec![log::describe(&Ev::<P>::Crash { node })])
            }
            Command::Restart { node } => {
                let id = self.node_id(node)?;
                if self.is_up(id) {
                    return Err(CommandError::NodeUp(node.clone()));
                }
                let mut lines = vec![log::describe(&Ev::<P>::Restart { node })];
                self.recover(id, &mut lines);
                Ok(lines)
            }
            Command::View { node } => self.view(node.as_deref()),
            Command::Disk { node } => {
                let id = self.node_id(node)?;
                let disk = serde_json::to_string(&self.slots[id.index()].disk)
                    .unwrap_or_else(|e| format!("<unprintable: {e}>"));
                Ok(vec![format!("{:<4} disk holds {disk}", self.name(id))])
            }
            Command::Pending => Ok(self.pending()),
        }
    }

    fn now(&self) -> Time {
        self.now
    }
}
