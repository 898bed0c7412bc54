//! The event queue: pending happenings ordered by (time, insertion sequence).
//!
//! Ties in time are broken by the order things were scheduled, never by anything
//! about the payload, so the order of a run depends only on what was scheduled
//! and when.

use crate::time::Time;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Where an event sits in the heap: its time and sequence number (what orders
/// it) and the slot that holds it. The heap moves these small keys around,
/// never the events themselves.
#[derive(Clone, Copy)]
struct Entry {
    at: Time,
    seq: u64,
    slot: u32,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    // Reversed: BinaryHeap is a max-heap and we want the earliest first.
    #[inline(always)]
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

#[derive(Clone)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry>,
    /// The pending events, by slot; a popped event's slot is reused.
    events: Vec<Option<E>>,
    free: Vec<u32>,
    next_seq: u64,
    /// Sequence numbers of [`EventQueue::push_first`], below every `push`.
    next_first: u64,
}

/// Where `push` sequence numbers start: those of `push_first` count up from 0
/// below them.
const FIRST_SEQ_LIMIT: u64 = 1 << 62;

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            events: Vec::new(),
            free: Vec::new(),
            next_seq: FIRST_SEQ_LIMIT,
            next_first: 0,
        }
    }
}

impl<E> EventQueue<E> {
    #[inline(always)]
    pub fn push(&mut self, at: Time, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.insert(at, seq, event);
    }

    /// Schedules `event` at `at` ahead of everything scheduled with `push`
    /// for that time (in order among themselves): what waited for a paused
    /// node comes before anything that reaches it at the instant it resumes.
    pub fn push_first(&mut self, at: Time, event: E) {
        let seq = self.next_first;
        self.next_first += 1;
        assert!(seq < FIRST_SEQ_LIMIT, "too many events pushed first");
        self.insert(at, seq, event);
    }

    #[inline(always)]
    fn insert(&mut self, at: Time, seq: u64, event: E) {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.events[slot as usize] = Some(event);
                slot
            }
            None => {
                let slot =
                    u32::try_from(self.events.len()).expect("fewer than 2^32 pending events");
                self.events.push(Some(event));
                slot
            }
        };
        self.heap.push(Entry { at, seq, slot });
    }

    /// The time of the earliest pending event.
    #[inline(always)]
    pub fn peek_time(&self) -> Option<Time> {
        self.heap.peek().map(|e| e.at)
    }

    /// The earliest pending event, without removing it.
    #[inline(always)]
    pub fn peek(&self) -> Option<(Time, &E)> {
        self.heap.peek().map(|e| (e.at, self.event(e)))
    }

    #[inline(always)]
    pub fn pop(&mut self) -> Option<(Time, E)> {
        let e = self.heap.pop()?;
        let event = self.events[e.slot as usize]
            .take()
            .expect("a queued slot holds its event");
        self.free.push(e.slot);
        Some((e.at, event))
    }

    #[inline(always)]
    fn event(&self, e: &Entry) -> &E {
        self.events[e.slot as usize]
            .as_ref()
            .expect("a queued slot holds its event")
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Every pending event with its time, earliest first (for step mode's
    /// list of what is pending; sorting makes it cost n log n).
    pub fn in_order(&self) -> Vec<(Time, &E)> {
        let mut all: Vec<&Entry> = self.heap.iter().collect();
        all.sort_by_key(|e| (e.at, e.seq));
        all.into_iter().map(|e| (e.at, self.event(e))).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_and_ties_in_insertion_order() {
        let mut q = EventQueue::default();
        q.push(Time(5), "c");
        q.push(Time(1), "a");
        q.push(Time(5), "d");
        q.push(Time(1), "b");
        q.push(Time(3), "x");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["a", "b", "x", "c", "d"]);
    }

    #[test]
    fn pushed_first_goes_before_its_time_in_its_own_order() {
        let mut q = EventQueue::default();
        q.push(Time(5), "c");
        q.push(Time(1), "a");
        q.push_first(Time(5), "p");
        q.push_first(Time(5), "q");
        q.push(Time(5), "d");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["a", "p", "q", "c", "d"]);
    }

    #[test]
    fn slots_are_reused_without_changing_the_order() {
        let mut q = EventQueue::default();
        let mut popped = Vec::new();
        for round in 0..50u64 {
            for k in 0..3 {
                q.push(Time((round * 7 + k * 5) % 23), (round, k));
            }
            popped.extend(q.pop());
            popped.extend(q.pop());
        }
        while let Some(e) = q.pop() {
            popped.push(e);
        }
        assert_eq!(popped.len(), 150);
        assert!(q.events.len() <= 52, "slots are reused");
        // Earliest first within what was pending at each pop is what the
        // first two tests show; here: nothing lost, nothing duplicated.
        let mut seen: Vec<(u64, u64)> = popped.iter().map(|(_, e)| *e).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 150);
    }
}
