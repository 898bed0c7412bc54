//! Simulated clients: they invoke operations, send them to a node, wait up to a
//! timeout, retry with the same request id, follow redirects, and record what
//! they saw in the history (`ok`, `fail`, or `info` when they gave up).
//!
//! Clients stand outside the cluster: a request reaches its node after the
//! workload's one-way `delay`, and is lost if the node is down when it arrives;
//! an answer reaches the client after the same delay. Partitions and message
//! filters concern the nodes' network only.

use super::{Ev, Pending, World};
use crate::history::{HistoryBuilder, Input, OpHandle, Outcome, Output};
use crate::ids::{ClientId, NodeId, RequestId};
use crate::op::{ClientRequest, Op, Reply};
use crate::protocol::Protocol;
use crate::rng::{DetRng, stream};
use crate::time::Time;
use crate::workload::{Generator, ScriptedOp, Workload};
use std::collections::{BTreeMap, VecDeque};

/// The most redirects a client follows for one operation before it counts the
/// operation as failed (a redirect answer means "not applied here").
const MAX_REDIRECTS: u32 = 8;

/// All clients of a run and what they share.
#[derive(Clone)]
pub(super) struct Clients {
    workload: Workload,
    sims: Vec<ClientSim>,
    pub(super) history: HistoryBuilder,
    generator: Option<Generator>,
    rng: DetRng,
    /// Who is waiting for which request.
    owner: BTreeMap<RequestId, usize>,
    next_request: u64,
}

#[derive(Clone)]
struct ClientSim {
    /// Position in the workload's node rotation of the node to try next.
    rotation: usize,
    waiting: Option<Waiting>,
    /// Scripted operations that are due, in order.
    ready: VecDeque<ScriptedOp>,
}

#[derive(Clone)]
struct Waiting {
    op: OpHandle,
    request: RequestId,
    input: Input,
    node: NodeId,
    attempt: u32,
    retries_left: u32,
    redirects_left: u32,
    /// An earlier attempt timed out: it may still take effect, so from now on
    /// the operation can end `ok` or `info`, never `fail`.
    maybe_applied: bool,
}

/// A request on its way to a node, or an answer on its way back.
#[derive(Clone)]
pub(super) enum ClientMail {
    Arrive {
        client: usize,
        node: NodeId,
        request: ClientRequest,
    },
    Answer {
        client: usize,
        request: RequestId,
        reply: Reply,
    },
}

impl ClientMail {
    /// The node a request is on its way to (an answer goes to a client).
    pub(super) fn node(&self) -> Option<NodeId> {
        match self {
            ClientMail::Arrive { node, .. } => Some(*node),
            ClientMail::Answer { .. } => None,
        }
    }
}

impl Clients {
    /// Clients for `workload`; request ids start after `first_request - 1`.
    pub(super) fn new(workload: &Workload, seed: u64, first_request: u64) -> Clients {
        let sims = (0..workload.clients.len())
            .map(|i| ClientSim {
                rotation: i % workload.nodes.len(),
                waiting: None,
                ready: VecDeque::new(),
            })
            .collect();
        Clients {
            workload: workload.clone(),
            sims,
            history: HistoryBuilder::new(workload.model),
            generator: Generator::new(workload),
            rng: DetRng::new(seed, stream::WORKLOAD),
            owner: BTreeMap::new(),
            next_request: first_request,
        }
    }

    /// What to schedule at the start: scripted operations and first wake-ups.
    pub(super) fn initial_events<P: Protocol>(&mut self) -> Vec<(Time, Pending<P>)> {
        let mut events = Vec::new();
        for (client, ops) in self.workload.script.iter().enumerate() {
            for (index, op) in ops.iter().enumerate() {
                events.push((op.at, Pending::ScriptDue { client, index }));
            }
        }
        if let Some(g) = &self.generator {
            for client in 0..self.sims.len() {
                let at = g.start().after(g.think(&mut self.rng));
                events.push((at, Pending::ClientThink { client }));
            }
        }
        events
    }

    pub(super) fn name(&self, client: usize) -> &str {
        &self.workload.clients[client]
    }

    /// The client waiting for `request`, if any (answers for anything else are
    /// late and ignored).
    pub(super) fn owner(&self, request: RequestId) -> Option<usize> {
        self.owner.get(&request).copied()
    }
}

fn client_id(client: usize) -> ClientId {
    ClientId(client as u32 + 1)
}

impl<P: Protocol> World<'_, P> {
    /// A scripted operation is due: queue it, and issue it if the client is free.
    pub(super) fn script_due(&mut self, client: usize, index: usize) {
        let Some(clients) = self.clients.as_mut() else {
            return;
        };
        let op = clients.workload.script[client][index].clone();
        clients.sims[client].ready.push_back(op);
        self.next_operation(client);
    }

    /// A generating client's think time is over.
    pub(super) fn client_think(&mut self, client: usize) {
        self.next_operation(client);
    }

    /// If `client` is free, issue its next operation: a due scripted one first,
    /// else a generated one while the generator is active.
    fn next_operation(&mut self, client: usize) {
        let now = self.now;
        let Some(clients) = self.clients.as_mut() else {
            return;
        };
        if clients.sims[client].waiting.is_some() {
            return;
        }
        let (input, node) = if let Some(op) = clients.sims[client].ready.pop_front() {
            (op.input, op.node)
        } else {
            match clients.generator.as_mut() {
                Some(g) if g.active_at(now) => (g.next(&mut clients.rng), None),
                _ => return,
            }
        };
        let sim = &mut clients.sims[client];
        let node = node.unwrap_or(clients.workload.nodes[sim.rotation]);
        let request = RequestId(clients.next_request);
        clients.next_request += 1;
        let op = match clients
            .history
            .invoke(request, client_id(client), now, input.clone())
        {
            Ok(op) => op,
            Err(e) => unreachable!("the engine records a well-formed history: {e}"),
        };
        clients.owner.insert(request, client);
        sim.waiting = Some(Waiting {
            op,
            request,
            input: input.clone(),
            node,
            attempt: 0,
            retries_left: clients.workload.retries,
            redirects_left: MAX_REDIRECTS,
            maybe_applied: false,
        });
        if self.tracing {
            let seq = self.take_seq();
            let clients = self.clients.as_ref().expect("present");
            self.out.event(
                now,
                seq,
                &Ev::<'_, P>::Invoke {
                    client: clients.name(client),
                    request,
                    op: &input,
                },
            );
        }
        self.send_attempt(client);
    }

    /// Sends the current attempt of `client`'s operation and arms its timeout.
    fn send_attempt(&mut self, client: usize) {
        let now = self.now;
        let clients = self.clients.as_mut().expect("present");
        let (delay, timeout) = (clients.workload.delay, clients.workload.timeout);
        let w = clients.sims[client].waiting.as_ref().expect("waiting");
        let request = ClientRequest {
            id: w.request,
            client: client_id(client),
            op: Op::Data(w.input.clone()),
        };
        let (node, attempt, id) = (w.node, w.attempt, w.request);
        self.queue.push(
            now.after(delay),
            Pending::Client(Box::new(ClientMail::Arrive {
                client,
                node,
                request,
            })),
        );
        self.queue.push(
            now.after(timeout),
            Pending::ClientTimeout {
                client,
                request: id,
                attempt,
            },
        );
    }

    pub(super) fn client_mail(&mut self, mail: ClientMail) {
        match mail {
            ClientMail::Arrive {
                client,
                node,
                request,
            } => {
                let down = self.slots[node.index()].node.is_none();
                if self.tracing {
                    let seq = self.take_seq();
                    let clients = self.clients.as_ref().expect("present");
                    self.out.event(
                        self.now,
                        seq,
                        &Ev::<'_, P>::Request {
                            node: self.scenario.node_name(node),
                            client: Some(clients.name(client)),
                            request: request.id,
                            op: &request.op,
                            node_down: down,
                        },
                    );
                }
                self.with_node(node, |n, ctx| n.on_request(ctx, request));
            }
            ClientMail::Answer {
                client,
                request,
                reply,
            } => self.answer(client, request, reply),
        }
    }

    /// A node answered a request: send the answer back to its client, if a
    /// client is waiting for it.
    pub(super) fn route_reply(&mut self, request: RequestId, reply: &Reply) {
        let Some(clients) = self.clients.as_ref() else {
            return;
        };
        if let Some(client) = clients.owner(request) {
            let at = self.now.after(clients.workload.delay);
            self.queue.push(
                at,
                Pending::Client(Box::new(ClientMail::Answer {
                    client,
                    request,
                    reply: reply.clone(),
                })),
            );
        }
    }

    fn answer(&mut self, client: usize, request: RequestId, reply: Reply) {
        let clients = self.clients.as_mut().expect("present");
        let Some(w) = clients.sims[client].waiting.as_mut() else {
            return;
        };
        if w.request != request {
            return; // an answer to an operation the client already gave up on
        }
        let outcome = match reply {
            Reply::Ok(output) => Outcome::Ok(output),
            Reply::Fail {
                redirect: Some(node),
                ..
            } if w.redirects_left > 0 => {
                w.redirects_left -= 1;
                w.node = node;
                w.attempt += 1;
                if let Some(pos) = clients.workload.nodes.iter().position(|&n| n == node) {
                    clients.sims[client].rotation = pos;
                }
                self.send_attempt(client);
                return;
            }
            // "Not applied here" says nothing of an attempt that timed out.
            Reply::Fail { .. } if w.maybe_applied => Outcome::Info,
            Reply::Fail { .. } => Outcome::Fail,
            Reply::Chosen(_) | Reply::Decided { .. } => {
                unreachable!("data operations are neither proposals nor transfers")
            }
        };
        self.complete(client, outcome);
    }

    /// An attempt timed out: retry at the next node with the same request id,
    /// or give up (the operation's outcome is then unknown). Either way the
    /// client moves on to the next node, as the workload's `nodes` says.
    pub(super) fn client_timeout(&mut self, client: usize, request: RequestId, attempt: u32) {
        let clients = self.clients.as_mut().expect("present");
        let n = clients.workload.nodes.len();
        let sim = &mut clients.sims[client];
        let Some(w) = sim.waiting.as_mut() else {
            return;
        };
        if w.request != request || w.attempt != attempt {
            return; // stale: answered, redirected or retried since
        }
        if w.retries_left == 0 {
            // Given up: the client's next operation starts at the next node.
            sim.rotation = (sim.rotation + 1) % n;
            self.complete(client, Outcome::Info);
            return;
        }
        w.retries_left -= 1;
        w.attempt += 1;
        w.maybe_applied = true;
        sim.rotation = (sim.rotation + 1) % n;
        w.node = clients.workload.nodes[sim.rotation];
        self.send_attempt(client);
    }

    fn complete(&mut self, client: usize, outcome: Outcome) {
        let now = self.now;
        let seq = if self.tracing { self.take_seq() } else { 0 };
        let clients = self.clients.as_mut().expect("present");
        let w = clients.sims[client].waiting.take().expect("waiting");
        clients.owner.remove(&w.request);
        if self.tracing {
            let (name, value) = match &outcome {
                // An acknowledged update has nothing to show but "ok".
                Outcome::Ok(Output::Done) => ("ok", None),
                Outcome::Ok(output) => ("ok", Some(output)),
                Outcome::Fail => ("fail", None),
                Outcome::Info => ("info", None),
            };
            self.out.event(
                now,
                seq,
                &Ev::<'_, P>::Complete {
                    client: clients.name(client),
                    request: w.request,
                    outcome: name,
                    value,
                },
            );
        }
        if let Err(e) = clients.history.complete(w.op, now, outcome) {
            unreachable!("the engine records a well-formed history: {e}");
        }
        // Next: a due scripted operation at once, or a generated one after thinking.
        if !clients.sims[client].ready.is_empty() {
            self.next_operation(client);
        } else if let Some(g) = clients.generator.as_ref() {
            let think = g.think(&mut clients.rng);
            self.queue
                .push(now.after(think), Pending::ClientThink { client });
        }
    }
}
