//! Is a history linearizable? Wing & Gong's search with Lowe's memoisation, and
//! per-key decomposition (P-compositionality), the way Porcupine does it.
//!
//! The search walks a doubly linked list of call and return entries in time
//! order. It tries to linearize (apply to the model) any operation whose call
//! comes before the first pending return; when it meets a return whose operation
//! it has not linearized yet, that path is dead and it backtracks. A pair
//! (set of linearized operations, model state) that was reached before never
//! needs exploring again (Lowe), which is what makes the search practical.
//!
//! Real-time order: operation `a` precedes `b` when `a` completed strictly
//! before `b` was invoked; equal times count as concurrent (calls sort before
//! returns). `fail` operations are left out (they definitely did not happen);
//! `info` operations return "at infinity", so they may be linearized anywhere
//! after their invocation — placing one last stands for "never took effect".
//!
//! Speed: model states are interned to integer ids and each (state, operation)
//! transition is computed once and remembered, so the search loop never calls
//! the model twice for the same step nor allocates; a read that observed the
//! whole state is checked by comparing ids. The visited set is an
//! open-addressing table of bitsets keyed by an incrementally maintained
//! Zobrist hash. Two sound prunings cut the search (both explained at their
//! code, both covered by the differential test against brute force):
//! read-only operations are linearized greedily, and for models whose states
//! only grow (strings, logs, sets) a path ends as soon as a pending read saw a
//! state the current one can no longer grow into. Partitions are searched
//! round-robin in fixed step slices, so a hard key does not starve easy ones.
//! `Instant` is read only every few thousand steps for the time budget; it
//! never influences a verdict otherwise.

use super::fxhash::{FxHashMap, FxHasher, mix64};
use super::models::{AllKeys, AppendModel, KvModel, Model, RegisterModel, SetModel};
use crate::history::{Completion, History, Key, ModelKind};
use std::collections::BTreeMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

/// Steps between two looks at the clock.
const CLOCK_EVERY: u64 = 4096;

#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// Wall-clock time for the whole history; when it runs out the verdict is
    /// `Unknown`. `None`: no limit.
    pub budget: Option<Duration>,
    /// Memory the search tables of all partitions together may use (bytes);
    /// past it a partition is `Unknown` rather than exhausting the machine.
    pub memory_limit: usize,
    /// Stop at the first partition that is not linearizable (the verdict is
    /// known); otherwise every partition is decided and explained.
    pub stop_at_first_violation: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            budget: None,
            memory_limit: 4 << 30,
            stop_at_first_violation: false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    Linearizable,
    NotLinearizable,
    /// The budget (time or memory) ran out before the search decided.
    Unknown,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Linearizable => "linearizable",
            Verdict::NotLinearizable => "not linearizable",
            Verdict::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a partition is not linearizable, as briefly as the search can say it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The longest linearizable prefix the search reached: indices into
    /// `History::ops`, in linearization order. Without growth pruning it is the
    /// longest one there is (in the search's sense: every operation placed
    /// before the earliest pending return); growth pruning may stop short of it,
    /// and then says why in `unreachable_read`.
    pub prefix: Vec<usize>,
    /// The model state after the prefix.
    pub state: String,
    /// The operations that would have to come next (each was invoked before the
    /// earliest completion among the operations not yet placed). None of them
    /// can be applied to `state`.
    pub stuck: Vec<usize>,
    /// Among `stuck`, the operation that completed first: it had to take effect
    /// by its completion time and could not.
    pub overdue: Option<usize>,
    /// A read not yet placed that observed a state `state` can no longer grow
    /// into (and no operation left could reset it toward), so the search
    /// stopped there without trying `stuck`. `None`: none of `stuck` can be
    /// applied to `state` at all.
    pub unreachable_read: Option<usize>,
}

/// The verdict for one partition (one key, or the whole history unpartitioned).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionResult {
    /// `None` for the unpartitioned check.
    pub key: Option<Key>,
    pub verdict: Verdict,
    /// Operations of this partition in the history (including `fail` ones).
    pub operations: usize,
    /// Search steps taken.
    pub steps: u64,
    /// Wall-clock time spent on this partition (reported, never decisive).
    pub elapsed: Duration,
    pub violation: Option<Violation>,
    /// Why the verdict is `Unknown`.
    pub unknown_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    pub model: String,
    pub verdict: Verdict,
    pub operations: usize,
    /// Partitions in key order; those not checked (after a violation, with
    /// `stop_at_first_violation`) are left out.
    pub partitions: Vec<PartitionResult>,
    /// Keys not checked because an earlier partition already failed.
    pub unchecked: usize,
}

/// The model `kind` does not fit the history's operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelMismatch {
    pub model: ModelKind,
    pub history: ModelKind,
}

impl fmt::Display for ModelMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "model {} cannot check a history of {} operations (use --model {})",
            self.model, self.history, self.history
        )
    }
}

/// Check `history` with the model named `kind`, per key or (`partitioned ==
/// false`) with all keys as one state.
pub fn check_history(
    history: &History,
    kind: ModelKind,
    partitioned: bool,
    options: &CheckOptions,
) -> Result<CheckResult, ModelMismatch> {
    if kind != history.kind {
        return Err(ModelMismatch {
            model: kind,
            history: history.kind,
        });
    }
    Ok(match (kind, partitioned) {
        (ModelKind::Register, true) => check(&RegisterModel, history, options),
        (ModelKind::Register, false) => check(&AllKeys(RegisterModel), history, options),
        (ModelKind::Kv, true) => check(&KvModel, history, options),
        (ModelKind::Kv, false) => check(&AllKeys(KvModel), history, options),
        (ModelKind::Append, true) => check(&AppendModel, history, options),
        (ModelKind::Append, false) => check(&AllKeys(AppendModel), history, options),
        (ModelKind::Set, true) => check(&SetModel, history, options),
        (ModelKind::Set, false) => check(&AllKeys(SetModel), history, options),
    })
}

/// Check `history` against `model`, partition by partition.
///
/// Partitions are searched round-robin, a fixed number of steps at a time, so
/// one hard key cannot starve the others: with a budget, every easy key is still
/// decided, and with `stop_at_first_violation` the first violation found is the
/// same on every run (slices are counted in steps, not time).
pub fn check<M: Model>(model: &M, history: &History, options: &CheckOptions) -> CheckResult {
    let deadline = options.budget.map(|b| Instant::now() + b);
    let mut groups: BTreeMap<Option<Key>, Vec<usize>> = BTreeMap::new();
    for (i, op) in history.ops.iter().enumerate() {
        groups
            .entry(model.partition_key(&op.input).cloned())
            .or_default()
            .push(i);
    }
    // A finished search is dropped at once, returning its memory.
    let mut searches: Vec<Option<PartitionSearch<'_, M>>> = groups
        .into_iter()
        .map(|(key, ops)| Some(PartitionSearch::new(model, history, key, ops)))
        .collect();
    let mut results: Vec<Option<PartitionResult>> = vec![None; searches.len()];
    let mut violated = false;
    let mut out_of_time = false;
    'rounds: while results.iter().any(Option::is_none) {
        for i in 0..searches.len() {
            // The memory limit holds for all partitions together.
            let others: usize = searches
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .filter_map(|(_, s)| s.as_ref().map(PartitionSearch::memory))
                .sum();
            let Some(search) = searches[i].as_mut() else {
                continue;
            };
            if out_of_time {
                results[i] = Some(search.give_up("the time budget ran out"));
                searches[i] = None;
                continue;
            }
            let started = Instant::now();
            let outcome = search.run(
                SLICE_STEPS,
                deadline,
                options.memory_limit.saturating_sub(others),
            );
            search.elapsed += started.elapsed();
            match outcome {
                Slice::Unfinished => continue,
                Slice::OutOfTime => {
                    out_of_time = true;
                    results[i] = Some(search.give_up("the time budget ran out"));
                }
                Slice::Done(mut result) => {
                    result.elapsed = search.elapsed;
                    violated |= result.verdict == Verdict::NotLinearizable;
                    results[i] = Some(result);
                }
            }
            searches[i] = None;
            if violated && options.stop_at_first_violation {
                break 'rounds;
            }
        }
    }
    let unchecked = results.iter().filter(|r| r.is_none()).count();
    let partitions: Vec<PartitionResult> = results.into_iter().flatten().collect();
    let verdict = combine(partitions.iter().map(|p| p.verdict));
    CheckResult {
        model: model.name(),
        verdict,
        operations: history.ops.len(),
        partitions,
        unchecked,
    }
}

/// How many of the earliest pending returns growth pruning looks at.
const PRUNE_LOOKAHEAD: usize = 4;

/// Search steps a partition gets before the next partition's turn.
const SLICE_STEPS: u64 = 1 << 15;

/// Any violation makes the whole not linearizable; otherwise any unknown makes
/// it unknown.
pub fn combine(verdicts: impl IntoIterator<Item = Verdict>) -> Verdict {
    let mut all = Verdict::Linearizable;
    for v in verdicts {
        match v {
            Verdict::NotLinearizable => return Verdict::NotLinearizable,
            Verdict::Unknown => all = Verdict::Unknown,
            Verdict::Linearizable => {}
        }
    }
    all
}

const HEAD: u32 = 0;
const NIL: u32 = u32::MAX;
const REJECTED: u32 = u32::MAX;

/// Call and return entries in time order, as a doubly linked list over arrays.
/// Entry 0 is the head; entry `e` belongs to operation `op[e]`.
struct Entries {
    next: Vec<u32>,
    prev: Vec<u32>,
    op: Vec<u32>,
    /// For a call entry, its return entry; `NIL` for a return entry.
    ret: Vec<u32>,
}

impl Entries {
    /// `calls[i]`, `returns[i]`: times of local operation `i` (`u64::MAX` for
    /// operations that never returned).
    fn new(calls: &[u64], returns: &[u64]) -> Entries {
        let n = calls.len();
        // (time, returns after calls at equal time, operation)
        let mut order: Vec<(u64, bool, u32)> = Vec::with_capacity(2 * n);
        for i in 0..n {
            order.push((calls[i], false, i as u32));
            order.push((returns[i], true, i as u32));
        }
        order.sort_unstable();
        let len = 2 * n + 1;
        let mut e = Entries {
            next: vec![NIL; len],
            prev: vec![NIL; len],
            op: vec![NIL; len],
            ret: vec![NIL; len],
        };
        let mut call_entry = vec![NIL; n];
        for (pos, &(_, is_return, op)) in order.iter().enumerate() {
            let entry = pos as u32 + 1;
            e.op[entry as usize] = op;
            e.prev[entry as usize] = entry - 1;
            e.next[(entry - 1) as usize] = entry;
            if is_return {
                e.ret[call_entry[op as usize] as usize] = entry;
            } else {
                call_entry[op as usize] = entry;
            }
        }
        e
    }

    #[inline]
    fn is_call(&self, entry: u32) -> bool {
        self.ret[entry as usize] != NIL
    }

    #[inline]
    fn unlink(&mut self, entry: u32) {
        let (p, n) = (self.prev[entry as usize], self.next[entry as usize]);
        self.next[p as usize] = n;
        if n != NIL {
            self.prev[n as usize] = p;
        }
    }

    #[inline]
    fn relink(&mut self, entry: u32) {
        let (p, n) = (self.prev[entry as usize], self.next[entry as usize]);
        self.next[p as usize] = entry;
        if n != NIL {
            self.prev[n as usize] = entry;
        }
    }

    /// Take a call and its return out of the list (the operation is linearized).
    #[inline]
    fn lift(&mut self, call: u32) {
        self.unlink(call);
        self.unlink(self.ret[call as usize]);
    }

    /// Undo `lift`, in reverse order.
    #[inline]
    fn unlift(&mut self, call: u32) {
        self.relink(self.ret[call as usize]);
        self.relink(call);
    }
}

/// The set of (linearized operations, state) pairs already explored.
/// Open addressing; each entry stores its full hash, and the arena holds the
/// state id followed by the bitset words.
struct Visited {
    words: usize,
    slots: Vec<u32>,
    hashes: Vec<u64>,
    arena: Vec<u64>,
    len: usize,
}

impl Visited {
    fn new(words: usize) -> Visited {
        let capacity = 1 << 10;
        Visited {
            words,
            slots: vec![0; capacity],
            hashes: vec![0; capacity],
            arena: Vec::with_capacity(capacity / 2 * (words + 1)),
            len: 0,
        }
    }

    fn bytes(&self) -> usize {
        self.slots.len() * 12 + self.arena.capacity() * 8
    }

    /// Insert; false if it was there already.
    #[inline]
    fn insert(&mut self, hash: u64, state: u32, set: &[u64]) -> bool {
        let mask = self.slots.len() - 1;
        let stride = self.words + 1;
        let mut i = hash as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                break;
            }
            if self.hashes[i] == hash {
                let base = (slot as usize - 1) * stride;
                if self.arena[base] == state as u64 && self.arena[base + 1..base + stride] == *set {
                    return false;
                }
            }
            i = (i + 1) & mask;
        }
        self.arena.push(state as u64);
        self.arena.extend_from_slice(set);
        self.len += 1;
        self.slots[i] = self.len as u32;
        self.hashes[i] = hash;
        if self.len * 2 > self.slots.len() {
            self.grow();
        }
        true
    }

    fn grow(&mut self) {
        let capacity = self.slots.len() * 2;
        let mask = capacity - 1;
        let mut slots = vec![0u32; capacity];
        let mut hashes = vec![0u64; capacity];
        for (i, &slot) in self.slots.iter().enumerate() {
            if slot == 0 {
                continue;
            }
            let hash = self.hashes[i];
            let mut j = hash as usize & mask;
            while slots[j] != 0 {
                j = (j + 1) & mask;
            }
            slots[j] = slot;
            hashes[j] = hash;
        }
        self.slots = slots;
        self.hashes = hashes;
    }
}

/// Model states interned to dense ids, with every transition remembered.
/// Each state is stored once: the index maps a state's hash to the newest id
/// with that hash, and `same_hash` chains to older ones.
struct Transitions<'a, M: Model> {
    model: &'a M,
    inputs: Vec<&'a crate::history::Input>,
    outputs: Vec<Option<&'a crate::history::Output>>,
    states: Vec<M::State>,
    same_hash: Vec<u32>,
    by_hash: FxHashMap<u64, u32>,
    /// (state id, local op) → next state id or `REJECTED`.
    memo: FxHashMap<u64, u32>,
}

impl<'a, M: Model> Transitions<'a, M> {
    fn new(
        model: &'a M,
        inputs: Vec<&'a crate::history::Input>,
        outputs: Vec<Option<&'a crate::history::Output>>,
    ) -> Self {
        let ops = inputs.len();
        Transitions {
            model,
            inputs,
            outputs,
            states: Vec::new(),
            same_hash: Vec::new(),
            by_hash: FxHashMap::default(),
            memo: FxHashMap::with_capacity_and_hasher(4 * ops, Default::default()),
        }
    }

    fn intern(&mut self, state: M::State) -> u32 {
        let hash = {
            let mut h = FxHasher::default();
            state.hash(&mut h);
            h.finish()
        };
        let newest = self.by_hash.get(&hash).copied().unwrap_or(NIL);
        let mut id = newest;
        while id != NIL {
            if self.states[id as usize] == state {
                return id;
            }
            id = self.same_hash[id as usize];
        }
        let id = self.states.len() as u32;
        self.states.push(state);
        self.same_hash.push(newest);
        self.by_hash.insert(hash, id);
        id
    }

    /// The state after operation `op` from `state`, or `REJECTED`.
    #[inline]
    fn step(&mut self, state: u32, op: u32) -> u32 {
        let key = (state as u64) << 32 | op as u64;
        if let Some(&next) = self.memo.get(&key) {
            return next;
        }
        let next = match self.model.step(
            &self.states[state as usize],
            self.inputs[op as usize],
            self.outputs[op as usize],
        ) {
            Some(s) => self.intern(s),
            None => REJECTED,
        };
        self.memo.insert(key, next);
        next
    }
}

/// How a slice of search ended.
enum Slice {
    Unfinished,
    OutOfTime,
    Done(PartitionResult),
}

/// The search state of one partition, resumable between slices.
struct PartitionSearch<'a, M: Model> {
    model: &'a M,
    key: Option<Key>,
    operations: usize,
    /// History indices of the operations the search places (local op `i` is
    /// `placed[i]`).
    placed: Vec<usize>,
    calls: Vec<u64>,
    returns: Vec<u64>,
    transitions: Transitions<'a, M>,
    list: Entries,
    linearized: Vec<u64>,
    linearized_hash: u64,
    zobrist: Vec<u64>,
    visited: Visited,
    /// Per local op: the model says it never changes the state (see `run`).
    read_only: Vec<bool>,
    /// Per local op: the only state it fits (a read of the whole state), or
    /// `NIL`. Checking it is an integer compare instead of a transition lookup.
    observed: Vec<u32>,
    /// Per local op with an observed state, when the model orders states by
    /// growth: the operations that could reset the state toward it (invoked
    /// before the read completed). `None`: no growth pruning for this op.
    resetters: Vec<Option<Vec<u32>>>,
    /// Some op has `resetters` (else growth pruning is skipped entirely).
    growth_pruning: bool,
    /// (state, read) → whether the state can still grow into what the read saw.
    grows: FxHashMap<u64, bool>,
    /// For each linearized operation in order: its call entry, the state before
    /// it, and whether it is read-only (see `run`).
    stack: Vec<(u32, u32, bool)>,
    best: Vec<u32>,
    best_state: u32,
    /// The read for which the deepest configuration was abandoned by growth
    /// pruning, if it was.
    best_unreachable: Option<u32>,
    state: u32,
    entry: u32,
    /// Set when the configuration just reached is known dead without scanning.
    backtrack: bool,
    steps: u64,
    elapsed: Duration,
}

impl<'a, M: Model> PartitionSearch<'a, M> {
    fn new(model: &'a M, history: &'a History, key: Option<Key>, ops: Vec<usize>) -> Self {
        // Operations the search has to place: not `fail` (never happened) and
        // not indeterminate reads (no effect, no observed value: they fit
        // anywhere).
        let placed: Vec<usize> = ops
            .iter()
            .copied()
            .filter(|&i| {
                let op = &history.ops[i];
                match op.completion {
                    Completion::Ok { .. } => true,
                    Completion::Fail { .. } => false,
                    Completion::Info { .. } => !op.input.action.is_read(),
                }
            })
            .collect();
        let calls: Vec<u64> = placed.iter().map(|&i| history.ops[i].invoked.0).collect();
        let returns: Vec<u64> = placed
            .iter()
            .map(|&i| match history.ops[i].completion {
                Completion::Ok { at, .. } => at.0,
                Completion::Fail { .. } | Completion::Info { .. } => u64::MAX,
            })
            .collect();
        let mut transitions = Transitions::new(
            model,
            placed.iter().map(|&i| &history.ops[i].input).collect(),
            placed.iter().map(|&i| history.ops[i].output()).collect(),
        );
        let init = transitions.intern(model.init());
        let n = placed.len();
        let observed: Vec<u32> = placed
            .iter()
            .map(|&i| {
                let op = &history.ops[i];
                match model.observed_state(&op.input, op.output()) {
                    Some(s) => transitions.intern(s),
                    None => NIL,
                }
            })
            .collect();
        let resetters: Vec<Option<Vec<u32>>> = (0..n)
            .map(|r| {
                let seen = observed[r];
                if seen == NIL {
                    return None;
                }
                let target = &transitions.states[seen as usize];
                model.grows_into(target, target)?;
                Some(
                    (0..n)
                        .filter(|&p| p != r && calls[p] <= returns[r])
                        .filter(|&p| model.may_reset_toward(&history.ops[placed[p]].input, target))
                        .map(|p| p as u32)
                        .collect(),
                )
            })
            .collect();
        let read_only = placed
            .iter()
            .zip(&observed)
            .map(|(&i, &seen)| {
                seen != NIL || model.is_read_only(&history.ops[i].input, history.ops[i].output())
            })
            .collect();
        let list = Entries::new(&calls, &returns);
        let words = n.div_ceil(64).max(1);
        let entry = list.next[HEAD as usize];
        PartitionSearch {
            model,
            key,
            operations: ops.len(),
            placed,
            calls,
            returns,
            transitions,
            list,
            read_only,
            observed,
            growth_pruning: resetters.iter().any(Option::is_some),
            resetters,
            grows: FxHashMap::default(),
            linearized: vec![0; words],
            linearized_hash: 0,
            zobrist: (0..n as u64)
                .map(|i| mix64(i ^ 0x5eed_0f0b_5e55_ed00))
                .collect(),
            visited: Visited::new(words),
            stack: Vec::with_capacity(n),
            best: Vec::new(),
            best_state: init,
            best_unreachable: None,
            state: init,
            entry,
            backtrack: false,
            steps: 0,
            elapsed: Duration::ZERO,
        }
    }

    fn result(&self, verdict: Verdict) -> PartitionResult {
        PartitionResult {
            key: self.key.clone(),
            verdict,
            operations: self.operations,
            steps: self.steps,
            elapsed: self.elapsed,
            violation: None,
            unknown_reason: None,
        }
    }

    fn give_up(&self, why: &str) -> PartitionResult {
        PartitionResult {
            unknown_reason: Some(why.to_string()),
            ..self.result(Verdict::Unknown)
        }
    }

    fn violation(&mut self) -> PartitionResult {
        let prefix = std::mem::take(&mut self.best);
        let (stuck, overdue) = next_candidates(&self.calls, &self.returns, &prefix);
        let placed = &self.placed;
        let violation = Violation {
            prefix: prefix.iter().map(|&l| placed[l as usize]).collect(),
            state: self
                .model
                .describe(&self.transitions.states[self.best_state as usize]),
            stuck: stuck.iter().map(|&l| placed[l as usize]).collect(),
            overdue: overdue.map(|l| placed[l as usize]),
            unreachable_read: self.best_unreachable.map(|l| placed[l as usize]),
        };
        PartitionResult {
            violation: Some(violation),
            ..self.result(Verdict::NotLinearizable)
        }
    }

    /// Growth pruning: every read left must still be linearized, in a state
    /// reached from the current one by operations invoked before the read
    /// completed. If a read that observed the whole state saw one the current
    /// state cannot grow into, and every operation that could reset the state
    /// toward it is already linearized, no completion exists. Only the reads
    /// with the earliest pending returns are looked at, to bound the cost.
    /// Returns the read that cannot be satisfied.
    fn observation_out_of_reach(&mut self) -> Option<u32> {
        if !self.growth_pruning {
            return None;
        }
        let mut e = self.list.next[HEAD as usize];
        let mut returns_seen = 0;
        while e != NIL && returns_seen < PRUNE_LOOKAHEAD {
            if self.list.is_call(e) {
                e = self.list.next[e as usize];
                continue;
            }
            returns_seen += 1;
            let read = self.list.op[e as usize];
            e = self.list.next[e as usize];
            let Some(resetters) = &self.resetters[read as usize] else {
                continue;
            };
            let key = (self.state as u64) << 32 | read as u64;
            let grows = match self.grows.get(&key) {
                Some(&g) => g,
                None => {
                    let states = &self.transitions.states;
                    let target = &states[self.observed[read as usize] as usize];
                    let g = self
                        .model
                        .grows_into(&states[self.state as usize], target)
                        .unwrap_or(true);
                    self.grows.insert(key, g);
                    g
                }
            };
            if grows {
                continue;
            }
            let linearized = &self.linearized;
            if resetters
                .iter()
                .all(|&p| linearized[p as usize / 64] & (1u64 << (p % 64)) != 0)
            {
                return Some(read);
            }
        }
        None
    }

    /// Bytes held by the search's tables (roughly: the heap behind model
    /// states is not counted).
    fn memory(&self) -> usize {
        self.visited.bytes()
            + (self.transitions.memo.capacity() + self.grows.capacity()) * 16
            + self.transitions.by_hash.capacity() * 16
            + self.transitions.states.capacity() * (std::mem::size_of::<M::State>() + 4)
    }

    /// Search for up to `max_steps` steps.
    ///
    /// One refinement over the textbook loop: a read-only operation (one that
    /// never changes any state, such as a read or a CAS whose compare failed)
    /// that can be linearized now may as well be linearized now. In any
    /// completion of the search from here it can be moved to the front: it
    /// fits the current state, removing it from later changes no state, and no
    /// operation left must precede it in real time (its call comes before every
    /// pending return). So the configuration before it is dead exactly when the
    /// one after it is, and on backtracking past it the search backtracks once
    /// more instead of trying its siblings. (An operation that merely leaves
    /// *this* state unchanged, like writing the current value, does not qualify:
    /// moved elsewhere it could change the state.)
    fn run(&mut self, max_steps: u64, deadline: Option<Instant>, memory_limit: usize) -> Slice {
        let stop_at = self.steps + max_steps;
        loop {
            if self.list.next[HEAD as usize] == NIL {
                return Slice::Done(self.result(Verdict::Linearizable));
            }
            self.steps += 1;
            if self.steps.is_multiple_of(CLOCK_EVERY) {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return Slice::OutOfTime;
                }
                if self.memory() > memory_limit {
                    return Slice::Done(self.give_up(&format!(
                        "the memory limit ({} MiB) for remembered search states ran out",
                        memory_limit >> 20
                    )));
                }
            }
            if self.steps >= stop_at {
                return Slice::Unfinished;
            }
            let entry = self.entry;
            if !self.backtrack && self.list.is_call(entry) {
                let op = self.list.op[entry as usize];
                let next_state = match self.observed[op as usize] {
                    NIL => self.transitions.step(self.state, op),
                    seen if seen == self.state => seen,
                    _ => REJECTED,
                };
                if next_state != REJECTED {
                    let (word, bit) = (op as usize / 64, 1u64 << (op % 64));
                    self.linearized[word] |= bit;
                    let hash =
                        self.linearized_hash ^ self.zobrist[op as usize] ^ mix64(next_state as u64);
                    let unchanged = self.read_only[op as usize];
                    if self.visited.insert(hash, next_state, &self.linearized) {
                        self.stack.push((entry, self.state, unchanged));
                        self.state = next_state;
                        self.linearized_hash ^= self.zobrist[op as usize];
                        self.list.lift(entry);
                        self.entry = self.list.next[HEAD as usize];
                        let unreachable = self.observation_out_of_reach();
                        let dead = unreachable.is_some();
                        if self.stack.len() > self.best.len() {
                            self.best.clear();
                            self.best.extend(
                                self.stack.iter().map(|&(e, _, _)| self.list.op[e as usize]),
                            );
                            self.best_state = self.state;
                            self.best_unreachable = unreachable;
                        }
                        self.backtrack = dead;
                        continue;
                    }
                    self.linearized[word] &= !bit;
                    if unchanged {
                        // Explored before and dead, so this configuration is too.
                        self.backtrack = true;
                        continue;
                    }
                }
                self.entry = self.list.next[entry as usize];
            } else {
                // A return whose operation is not linearized (or a configuration
                // known dead): undo the last linearized operation.
                self.backtrack = false;
                let Some((call, previous, unchanged)) = self.stack.pop() else {
                    return Slice::Done(self.violation());
                };
                let op = self.list.op[call as usize];
                self.linearized[op as usize / 64] &= !(1u64 << (op % 64));
                self.linearized_hash ^= self.zobrist[op as usize];
                self.state = previous;
                self.list.unlift(call);
                self.entry = self.list.next[call as usize];
                self.backtrack = unchanged;
            }
        }
    }
}

/// After `prefix`, the operations that would have to come next: those invoked
/// before the earliest return among the operations left, and that operation.
fn next_candidates(calls: &[u64], returns: &[u64], prefix: &[u32]) -> (Vec<u32>, Option<u32>) {
    let mut done = vec![false; calls.len()];
    for &op in prefix {
        done[op as usize] = true;
    }
    let left: Vec<u32> = (0..calls.len() as u32)
        .filter(|&i| !done[i as usize])
        .collect();
    let overdue = left
        .iter()
        .copied()
        .filter(|&i| returns[i as usize] != u64::MAX)
        .min_by_key(|&i| (returns[i as usize], i));
    let stuck = match overdue {
        Some(o) => left
            .iter()
            .copied()
            .filter(|&i| calls[i as usize] <= returns[o as usize])
            .collect(),
        None => left,
    };
    (stuck, overdue)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Action, HistoryBuilder, Input, Outcome as Done, Output, RegisterOp};
    use crate::ids::{ClientId, RequestId};
    use crate::time::Time;

    /// (client, invoke, complete or None for info, op, output)
    type Spec = (u32, u64, Option<u64>, RegisterOp, Option<Output>);

    fn register_history(ops: &[Spec]) -> History {
        let mut events: Vec<(u64, bool, usize)> = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            events.push((op.1, false, i));
            if let Some(t) = op.2 {
                events.push((t, true, i));
            }
        }
        events.sort();
        let mut b = HistoryBuilder::new(ModelKind::Register);
        let mut handles = vec![None; ops.len()];
        for (t, is_return, i) in events {
            let (client, _, _, op, out) = &ops[i];
            if is_return {
                let outcome = match out {
                    Some(o) => Done::Ok(o.clone()),
                    None => Done::Info,
                };
                b.complete(handles[i].unwrap(), Time(t), outcome).unwrap();
            } else {
                let input = Input::new("x", Action::Register(op.clone()));
                handles[i] = Some(
                    b.invoke(RequestId(i as u64), ClientId(*client), Time(t), input)
                        .unwrap(),
                );
            }
        }
        b.finish()
    }

    fn verdict(h: &History) -> Verdict {
        check_history(h, ModelKind::Register, true, &CheckOptions::default())
            .unwrap()
            .verdict
    }

    #[test]
    fn sequential_read_of_written_value() {
        let h = register_history(&[
            (0, 0, Some(1), RegisterOp::Write(1), Some(Output::Done)),
            (
                1,
                2,
                Some(3),
                RegisterOp::Read,
                Some(Output::Register(Some(1))),
            ),
        ]);
        assert_eq!(verdict(&h), Verdict::Linearizable);
    }

    #[test]
    fn stale_read_after_write_is_a_violation_with_explanation() {
        let h = register_history(&[
            (0, 0, Some(1), RegisterOp::Write(1), Some(Output::Done)),
            (1, 2, Some(3), RegisterOp::Write(2), Some(Output::Done)),
            (
                2,
                4,
                Some(5),
                RegisterOp::Read,
                Some(Output::Register(Some(1))),
            ),
        ]);
        let r = check_history(&h, ModelKind::Register, true, &CheckOptions::default()).unwrap();
        assert_eq!(r.verdict, Verdict::NotLinearizable);
        let v = r.partitions[0].violation.as_ref().unwrap();
        assert_eq!(v.prefix, vec![0, 1]);
        assert_eq!(v.state, "2");
        assert_eq!(v.stuck, vec![2]);
        assert_eq!(v.overdue, Some(2));
    }

    #[test]
    fn info_write_may_take_effect_late_or_never() {
        // The timed-out write of 1 shows up after a read that saw nil.
        let late = register_history(&[
            (0, 0, None, RegisterOp::Write(1), None),
            (
                1,
                2,
                Some(3),
                RegisterOp::Read,
                Some(Output::Register(None)),
            ),
            (
                2,
                4,
                Some(5),
                RegisterOp::Read,
                Some(Output::Register(Some(1))),
            ),
        ]);
        assert_eq!(verdict(&late), Verdict::Linearizable);
        let never = register_history(&[
            (0, 0, None, RegisterOp::Write(1), None),
            (
                1,
                2,
                Some(3),
                RegisterOp::Read,
                Some(Output::Register(None)),
            ),
        ]);
        assert_eq!(verdict(&never), Verdict::Linearizable);
        // But once seen, a value cannot disappear again.
        let flicker = register_history(&[
            (0, 0, None, RegisterOp::Write(1), None),
            (
                1,
                2,
                Some(3),
                RegisterOp::Read,
                Some(Output::Register(Some(1))),
            ),
            (
                2,
                4,
                Some(5),
                RegisterOp::Read,
                Some(Output::Register(None)),
            ),
        ]);
        assert_eq!(verdict(&flicker), Verdict::NotLinearizable);
    }

    #[test]
    fn concurrent_operations_at_equal_times_may_reorder() {
        // The write completes at 2 and the read is invoked at 2: concurrent.
        let h = register_history(&[
            (0, 0, Some(2), RegisterOp::Write(1), Some(Output::Done)),
            (
                1,
                2,
                Some(3),
                RegisterOp::Read,
                Some(Output::Register(None)),
            ),
        ]);
        assert_eq!(verdict(&h), Verdict::Linearizable);
    }

    #[test]
    fn failed_compare_constrains_the_value() {
        let h = register_history(&[
            (0, 0, Some(1), RegisterOp::Write(1), Some(Output::Done)),
            (
                1,
                2,
                Some(3),
                RegisterOp::Cas { from: 1, to: 2 },
                Some(Output::Cas { applied: false }),
            ),
        ]);
        assert_eq!(verdict(&h), Verdict::NotLinearizable);
    }

    /// Many concurrent info writes and a read nothing explains: the search
    /// explores many subsets before it can fail.
    fn unexplainable_read_after_many_info_writes() -> History {
        let mut ops: Vec<Spec> = (0..14)
            .map(|i| (i, i as u64, None, RegisterOp::Write(i as i64), None))
            .collect();
        ops.push((
            99,
            100,
            Some(101),
            RegisterOp::Read,
            Some(Output::Register(Some(-1))),
        ));
        register_history(&ops)
    }

    #[test]
    fn zero_budget_gives_unknown_on_a_long_search() {
        // Many concurrent info writes and a read nothing explains: the search
        // explores many subsets before failing, so a zero budget interrupts it.
        let h = unexplainable_read_after_many_info_writes();
        let options = CheckOptions {
            budget: Some(Duration::ZERO),
            ..CheckOptions::default()
        };
        let r = check_history(&h, ModelKind::Register, true, &options).unwrap();
        assert_eq!(r.verdict, Verdict::Unknown);
        assert_eq!(verdict(&h), Verdict::NotLinearizable);
    }

    #[test]
    fn memory_limit_gives_unknown_with_the_reason() {
        let h = unexplainable_read_after_many_info_writes();
        let options = CheckOptions {
            memory_limit: 0,
            ..CheckOptions::default()
        };
        let r = check_history(&h, ModelKind::Register, true, &options).unwrap();
        assert_eq!(r.verdict, Verdict::Unknown);
        let why = r.partitions[0].unknown_reason.as_deref().unwrap();
        assert!(why.contains("memory limit"), "{why}");
    }
}
