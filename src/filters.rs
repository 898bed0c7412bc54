//! The scenario's message filters, indexed so that their number barely
//! matters to the cost of a message.
//!
//! A message sent at `now` from → to of some kind is handled by the first
//! filter, in scenario order, whose window `[start, end)` holds `now` and
//! whose `from`, `to` and kinds hold the message. Scanning every filter per
//! message made 10^5 filters cost ~1000× the run; instead:
//!
//! - by time: filters enter an active set when the clock reaches their
//!   `start` and leave it at their `end` (the run's clock only goes forward;
//!   a query at an earlier time rebuilds the index from scratch);
//! - by sender and kind: an active filter is listed under each node of its
//!   `from` (or once, among the filters for every sender, when its `from` is
//!   all nodes), and there under each kind it names (or once, among the
//!   filters for every kind, when it names none).
//!
//! A query walks the four lists that can hold its message (this sender or
//! every sender, this kind or every kind) in scenario order, stops in each at
//! the first filter that also matches `to`, and takes the earliest of those.
//! (A kind beyond the 64 a mask can name matches every filter's kinds, so it
//! is looked up by a plain scan; no protocol has that many.)

use crate::ids::{NodeId, NodeSet};
use crate::net::{Filter, FilterAction, KindMask};
use crate::time::Time;
use std::collections::BTreeSet;

#[derive(Clone, Debug)]
pub struct FilterIndex {
    filters: Vec<Filter>,
    node_count: usize,
    /// Filter numbers by window start, and by window end.
    by_start: Vec<u32>,
    by_end: Vec<u32>,
    next_start: usize,
    next_end: usize,
    /// The time the active sets are for.
    at: Time,
    /// Active filters whose `from` is one of some nodes: under
    /// `node * KIND_SLOTS + kind` for each of them and each kind they name
    /// (kind [`EVERY_KIND`] when they name none).
    by_sender: Vec<BTreeSet<u32>>,
    /// Active filters whose `from` is every node, under each kind likewise.
    every_sender: Vec<BTreeSet<u32>>,
}

/// Kinds a mask can name, and one slot for filters of every kind.
const KIND_SLOTS: usize = 65;
const EVERY_KIND: usize = 64;

impl FilterIndex {
    pub fn new(filters: Vec<Filter>, node_count: usize) -> FilterIndex {
        let mut by_start: Vec<u32> = (0..filters.len() as u32).collect();
        by_start.sort_by_key(|&i| (filters[i as usize].start, i));
        let mut by_end: Vec<u32> = (0..filters.len() as u32).collect();
        by_end.sort_by_key(|&i| (filters[i as usize].end, i));
        FilterIndex {
            filters,
            node_count,
            by_start,
            by_end,
            next_start: 0,
            next_end: 0,
            at: Time::ZERO,
            by_sender: vec![BTreeSet::new(); node_count * KIND_SLOTS],
            every_sender: vec![BTreeSet::new(); KIND_SLOTS],
        }
    }

    pub fn is_empty(&self) -> bool {
        self.filters.is_empty()
    }

    /// The action of the first filter that applies to a message sent at
    /// `now` from → to whose kind is row `kind` of the protocol's table.
    pub fn action(
        &mut self,
        now: Time,
        from: NodeId,
        to: NodeId,
        kind: usize,
    ) -> Option<FilterAction> {
        if self.filters.is_empty() {
            return None;
        }
        self.advance(now);
        if kind >= EVERY_KIND {
            return self
                .filters
                .iter()
                .find(|f| {
                    now >= f.start && now < f.end && f.from.contains(from) && f.to.contains(to)
                })
                .map(|f| f.action);
        }
        let own = from.index() * KIND_SLOTS;
        let lists = [
            &self.by_sender[own + kind],
            &self.by_sender[own + EVERY_KIND],
            &self.every_sender[kind],
            &self.every_sender[EVERY_KIND],
        ];
        let filters = &self.filters;
        lists
            .iter()
            .filter_map(|list| {
                list.iter()
                    .find(|&&i| filters[i as usize].to.contains(to))
                    .copied()
            })
            .min()
            .map(|i| filters[i as usize].action)
    }

    /// Brings the active sets to time `now`.
    fn advance(&mut self, now: Time) {
        if now < self.at {
            *self = FilterIndex::new(std::mem::take(&mut self.filters), self.node_count);
        }
        while let Some(&i) = self.by_start.get(self.next_start) {
            if self.filters[i as usize].start > now {
                break;
            }
            self.next_start += 1;
            self.set_active(i, true);
        }
        while let Some(&i) = self.by_end.get(self.next_end) {
            if self.filters[i as usize].end > now {
                break;
            }
            self.next_end += 1;
            self.set_active(i, false);
        }
        self.at = now;
    }

    fn set_active(&mut self, i: u32, active: bool) {
        let f = &self.filters[i as usize];
        let (from, kinds) = (f.from, f.kinds);
        let slots: Vec<usize> = if kinds == KindMask::ANY {
            vec![EVERY_KIND]
        } else {
            (0..EVERY_KIND).filter(|&k| kinds.contains(k)).collect()
        };
        let change = |set: &mut BTreeSet<u32>| {
            if active {
                set.insert(i);
            } else {
                set.remove(&i);
            }
        };
        if from == NodeSet::all(self.node_count) {
            for &k in &slots {
                change(&mut self.every_sender[k]);
            }
        } else {
            for node in from.iter() {
                for &k in &slots {
                    if let Some(set) = self.by_sender.get_mut(node.index() * KIND_SLOTS + k) {
                        change(set);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::DetRng;

    /// The definition: the first filter in scenario order that matches.
    fn scan(
        filters: &[Filter],
        now: Time,
        from: NodeId,
        to: NodeId,
        kind: usize,
    ) -> Option<FilterAction> {
        filters
            .iter()
            .find(|f| {
                now >= f.start
                    && now < f.end
                    && f.from.contains(from)
                    && f.to.contains(to)
                    && f.kinds.contains(kind)
            })
            .map(|f| f.action)
    }

    fn random_set(rng: &mut DetRng, n: usize) -> NodeSet {
        if rng.chance(300_000) {
            return NodeSet::all(n);
        }
        let mut s = NodeSet(0);
        for i in 0..n {
            if rng.chance(400_000) {
                s.insert(NodeId(i as u32));
            }
        }
        s
    }

    #[test]
    fn the_index_answers_as_a_scan_in_scenario_order_does() {
        let mut rng = DetRng::new(7, 0);
        for round in 0..20 {
            let n = 2 + round % 6;
            let filters: Vec<Filter> = (0..50)
                .map(|i| {
                    let start = rng.between(0, 100);
                    Filter {
                        start: Time(start),
                        end: if rng.chance(200_000) {
                            Time::MAX
                        } else {
                            Time(start + rng.between(0, 60))
                        },
                        from: random_set(&mut rng, n),
                        to: random_set(&mut rng, n),
                        kinds: if rng.chance(300_000) {
                            KindMask::ANY
                        } else {
                            KindMask(rng.between(0, 15))
                        },
                        action: FilterAction::Delay(i),
                    }
                })
                .collect();
            let mut index = FilterIndex::new(filters.clone(), n);
            let mut now = 0;
            for step in 0..400 {
                // Mostly forward, sometimes back (a rebuilt index).
                now = if step % 97 == 96 {
                    rng.between(0, now)
                } else {
                    now + rng.between(0, 2)
                };
                let from = NodeId(rng.between(0, n as u64 - 1) as u32);
                let to = NodeId(rng.between(0, n as u64 - 1) as u32);
                let kind = if step % 50 == 0 {
                    70
                } else {
                    rng.between(0, 5) as usize
                };
                assert_eq!(
                    index.action(Time(now), from, to, kind),
                    scan(&filters, Time(now), from, to, kind),
                    "round {round} step {step}"
                );
            }
        }
    }
}
