//! The event queue: pending happenings ordered by (time, insertion sequence).
//!
//! Ties in time are broken by the order things were scheduled, never by anything
//! about the payload, so the order of a run depends only on what was scheduled
//! and when.

use crate::time::Time;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(Clone)]
struct Entry<E> {
    at: Time,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    // Reversed: BinaryHeap is a max-heap and we want the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

#[derive(Clone)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
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
        self.heap.push(Entry { at, seq, event });
    }

    /// Schedules `event` at `at` ahead of everything scheduled with `push`
    /// for that time (in order among themselves): what waited for a paused
    /// node comes before anything that reaches it at the instant it resumes.
    pub fn push_first(&mut self, at: Time, event: E) {
        let seq = self.next_first;
        self.next_first += 1;
        assert!(seq < FIRST_SEQ_LIMIT, "too many events pushed first");
        self.heap.push(Entry { at, seq, event });
    }

    /// The time of the earliest pending event.
    #[inline(always)]
    pub fn peek_time(&self) -> Option<Time> {
        self.heap.peek().map(|e| e.at)
    }

    /// The earliest pending event, without removing it.
    #[inline(always)]
    pub fn peek(&self) -> Option<(Time, &E)> {
        self.heap.peek().map(|e| (e.at, &e.event))
    }

    #[inline(always)]
    pub fn pop(&mut self) -> Option<(Time, E)> {
        self.heap.pop().map(|e| (e.at, e.event))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Every pending event with its time, earliest first (for step mode's
    /// list of what is pending; sorting makes it cost n log n).
    pub fn in_order(&self) -> Vec<(Time, &E)> {
        let mut all: Vec<&Entry<E>> = self.heap.iter().collect();
        all.sort_by_key(|e| (e.at, e.seq));
        all.into_iter().map(|e| (e.at, &e.event)).collect()
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
}
