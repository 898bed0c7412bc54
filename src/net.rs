//! The virtual network: decides each message's fate.
//!
//! At send time a message passes, in order: the partition/cut state (a cut link
//! carries nothing), the scenario's message filters (first match applies), the
//! link's loss draw, its delay draw, and its duplication draw (a duplicate gets a
//! delay of its own, so copies may arrive out of order). At arrival time the cut
//! state is checked again, so a partition that starts while a message is in
//! flight loses it. Reordering is not a separate fault: it follows from random
//! delays. Messages a node sends to itself are local: no delay, no faults.
//!
//! All randomness comes from the network's own stream, drawn in a fixed order,
//! and a draw is skipped when its probability is 0 or its delay is fixed.

use crate::fault::FaultAction;
use crate::filters::FilterIndex;
use crate::ids::NodeId;
use crate::ids::NodeSet;
use crate::rng::DetRng;
use crate::time::Time;
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------
// The network a scenario describes, as the engine runs it.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delay {
    Fixed(u64),
    Uniform { lo: u64, hi: u64 },
}

/// How one directed link behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkModel {
    pub delay: Delay,
    pub loss_ppm: u32,
    pub duplicate_ppm: u32,
}

#[derive(Clone, Debug)]
pub struct Network {
    /// `links[from * n + to]`.
    pub links: Vec<LinkModel>,
    pub node_count: usize,
}

impl Network {
    pub fn link(&self, from: NodeId, to: NodeId) -> &LinkModel {
        &self.links[from.index() * self.node_count + to.index()]
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    pub start: Time,
    pub end: Time,
    pub from: NodeSet,
    pub to: NodeSet,
    /// The message kinds it applies to, as bits of the protocol's kind table.
    pub kinds: KindMask,
    pub action: FilterAction,
}

/// A set of message kinds: bit i is row i of the protocol's message-kind table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindMask(pub u64);

impl KindMask {
    pub const ANY: KindMask = KindMask(u64::MAX);

    pub fn contains(self, kind: usize) -> bool {
        kind >= 64 || self.0 >> kind & 1 == 1
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterAction {
    Drop,
    Delay(u64),
    HoldUntil(Time),
}

// ---------------------------------------------------------------------------
// The network while a run goes on.

/// Why a message was not delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// Lost by the link's loss probability.
    Loss,
    /// The link was cut (partition or one-way cut) at send or arrival time.
    Partition,
    /// A scenario message filter dropped it.
    Filter,
    /// The destination was down when it arrived.
    Crashed,
}

/// What happens to one message sent now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    /// Arrival time of the message, or why it is dropped.
    pub first: Result<Time, DropReason>,
    /// Arrival time of a duplicate copy, if the link duplicated it.
    pub duplicate: Option<Time>,
}

#[derive(Clone, Debug)]
pub struct NetworkState {
    model: Network,
    filters: FilterIndex,
    /// `partitioned[from]`: destinations cut off by the current symmetric partition.
    partitioned: Vec<u128>,
    /// `cut[from]`: destinations cut off by one-way cuts.
    cut: Vec<u128>,
    rng: DetRng,
}

impl NetworkState {
    pub fn new(model: Network, filters: Vec<Filter>, rng: DetRng) -> NetworkState {
        let n = model.node_count;
        NetworkState {
            filters: FilterIndex::new(filters, n),
            model,
            partitioned: vec![0; n],
            cut: vec![0; n],
            rng,
        }
    }

    /// Whether the link from → to is cut right now.
    pub fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        let blocked = self.partitioned[from.index()] | self.cut[from.index()];
        blocked >> to.0 & 1 == 1
    }

    /// Decides the fate of a message sent now from → to; `kind` is its row in
    /// the protocol's message-kind table.
    pub fn route(&mut self, now: Time, from: NodeId, to: NodeId, kind: usize) -> Route {
        if from == to {
            return Route {
                first: Ok(now),
                duplicate: None,
            };
        }
        let dropped = |reason| Route {
            first: Err(reason),
            duplicate: None,
        };
        if self.is_cut(from, to) {
            return dropped(DropReason::Partition);
        }
        let mut extra = 0u64;
        let mut not_before = Time::ZERO;
        if let Some(action) = self.filters.action(now, from, to, kind) {
            match action {
                FilterAction::Drop => return dropped(DropReason::Filter),
                FilterAction::Delay(d) => extra = d,
                FilterAction::HoldUntil(t) => not_before = t,
            }
        }
        let link = *self.model.link(from, to);
        if self.rng.chance(link.loss_ppm) {
            return dropped(DropReason::Loss);
        }
        let arrival = |rng: &mut DetRng| {
            let delay = match link.delay {
                Delay::Fixed(d) => d,
                Delay::Uniform { lo, hi } => rng.between(lo, hi),
            };
            now.after(delay).after(extra).max(not_before)
        };
        let first = arrival(&mut self.rng);
        let duplicate = if self.rng.chance(link.duplicate_ppm) {
            Some(arrival(&mut self.rng))
        } else {
            None
        };
        Route {
            first: Ok(first),
            duplicate,
        }
    }

    /// Applies a partition, cut or heal.
    pub fn apply(&mut self, action: &FaultAction) {
        let n = self.model.node_count;
        match action {
            FaultAction::Partition(groups) => {
                for from in 0..n {
                    let own = groups
                        .iter()
                        .find(|g| g.contains(NodeId(from as u32)))
                        .map_or(0, |g| g.0);
                    self.partitioned[from] = NodeSet::all(n).0 & !own;
                }
            }
            FaultAction::Cut { from, to } => {
                for node in from.iter() {
                    self.cut[node.index()] |= to.0 & !NodeSet::single(node).0;
                }
            }
            FaultAction::Heal => {
                self.partitioned.iter_mut().for_each(|m| *m = 0);
                self.cut.iter_mut().for_each(|m| *m = 0);
            }
            FaultAction::Crash(_)
            | FaultAction::Restart(_)
            | FaultAction::Pause(_)
            | FaultAction::Resume(_) => {}
        }
    }
}

impl Filter {
    /// Whether the filter applies to a message of kind row `kind` sent now.
    pub fn matches(&self, now: Time, from: NodeId, to: NodeId, kind: usize) -> bool {
        now >= self.start
            && now < self.end
            && self.from.contains(from)
            && self.to.contains(to)
            && self.kinds.contains(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(n: usize, delay: Delay, loss_ppm: u32, duplicate_ppm: u32) -> NetworkState {
        let link = LinkModel {
            delay,
            loss_ppm,
            duplicate_ppm,
        };
        NetworkState::new(
            Network {
                links: vec![link; n * n],
                node_count: n,
            },
            Vec::new(),
            DetRng::new(1, crate::rng::stream::NETWORK),
        )
    }

    const A: NodeId = NodeId(0);
    const B: NodeId = NodeId(1);
    const C: NodeId = NodeId(2);

    #[test]
    fn fixed_delay_delivers_on_time() {
        let mut n = net(2, Delay::Fixed(7), 0, 0);
        let r = n.route(Time(100), A, B, 0);
        assert_eq!(r.first, Ok(Time(107)));
        assert_eq!(r.duplicate, None);
    }

    #[test]
    fn partition_cuts_both_ways_and_heals() {
        let mut n = net(3, Delay::Fixed(1), 0, 0);
        n.apply(&FaultAction::Partition(vec![
            NodeSet::single(A),
            NodeSet(NodeSet::single(B).0 | NodeSet::single(C).0),
        ]));
        assert_eq!(n.route(Time(0), A, B, 0).first, Err(DropReason::Partition));
        assert_eq!(n.route(Time(0), B, A, 0).first, Err(DropReason::Partition));
        assert_eq!(n.route(Time(0), B, C, 0).first, Ok(Time(1)));
        n.apply(&FaultAction::Heal);
        assert_eq!(n.route(Time(0), A, B, 0).first, Ok(Time(1)));
    }

    #[test]
    fn one_way_cut_blocks_one_direction() {
        let mut n = net(2, Delay::Fixed(1), 0, 0);
        n.apply(&FaultAction::Cut {
            from: NodeSet::single(A),
            to: NodeSet::single(B),
        });
        assert_eq!(n.route(Time(0), A, B, 0).first, Err(DropReason::Partition));
        assert_eq!(n.route(Time(0), B, A, 0).first, Ok(Time(1)));
    }

    #[test]
    fn loss_and_duplication_follow_their_probabilities() {
        let mut n = net(2, Delay::Uniform { lo: 1, hi: 50 }, 200_000, 100_000);
        let mut lost = 0;
        let mut dup = 0;
        for i in 0..20_000 {
            let r = n.route(Time(i), A, B, 0);
            match r.first {
                Err(DropReason::Loss) => lost += 1,
                Ok(t) => assert!(t >= Time(i + 1) && t <= Time(i + 50)),
                Err(other) => panic!("unexpected {other:?}"),
            }
            dup += r.duplicate.is_some() as u32;
        }
        assert!((3_600..4_400).contains(&lost), "lost {lost}");
        assert!((1_400..1_800).contains(&dup), "duplicated {dup}");
    }

    const ACCEPT: usize = 2;
    const PREPARE: usize = 0;

    #[test]
    fn filters_drop_delay_and_hold_only_matching_messages_in_their_window() {
        let mut n = net(3, Delay::Fixed(10), 0, 0);
        let base = Filter {
            start: Time(5),
            end: Time(20),
            from: NodeSet::single(A),
            to: NodeSet::single(B),
            kinds: KindMask(1 << ACCEPT),
            action: FilterAction::Drop,
        };
        n.filters = FilterIndex::new(
            vec![
                base.clone(),
                Filter {
                    to: NodeSet::single(C),
                    action: FilterAction::HoldUntil(Time(100)),
                    ..base.clone()
                },
                Filter {
                    kinds: KindMask::ANY,
                    action: FilterAction::Delay(40),
                    ..base.clone()
                },
            ],
            3,
        );
        assert_eq!(
            n.route(Time(5), A, B, ACCEPT).first,
            Err(DropReason::Filter)
        );
        assert_eq!(n.route(Time(4), A, B, ACCEPT).first, Ok(Time(14)));
        assert_eq!(n.route(Time(20), A, B, ACCEPT).first, Ok(Time(30)));
        assert_eq!(n.route(Time(6), A, C, ACCEPT).first, Ok(Time(100)));
        assert_eq!(n.route(Time(6), A, B, PREPARE).first, Ok(Time(56)));
        assert_eq!(n.route(Time(6), B, A, ACCEPT).first, Ok(Time(16)));
    }

    #[test]
    fn loopback_is_instant_and_faultless() {
        let mut n = net(1, Delay::Fixed(10), 1_000_000, 0);
        assert_eq!(n.route(Time(3), A, A, 0).first, Ok(Time(3)));
    }
}
