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
//! An `info` append or add whose element (or kv append whose text) no
//! answered read shows is left out altogether (`Model::addition`): no read
//! sees its effect in any linearization, so it fits last, and leaving it in
//! would multiply the states of every read-free stretch by the places it
//! could go.
//!
//! Speed: model states are interned to integer ids and each (state, operation)
//! transition is computed once and remembered, so the search loop never calls
//! the model twice for the same step nor allocates; a read that observed the
//! whole state is checked by comparing ids. Two sound prunings cut the search
//! (both explained at their code, both covered by the differential test
//! against brute force): read-only operations are linearized greedily, and for
//! models whose states only grow (strings, logs, sets) or never grow
//! (registers) a path ends as soon as a pending read saw a state the current
//! one can no longer become. Partitions are searched round-robin in fixed step
//! slices, so a hard key does not starve easy ones. `Instant` is read only
//! every few thousand steps for the time budget; it never influences a verdict
//! otherwise.
//!
//! Memory: the visited set holds one record per explored configuration, and a
//! record stores the linearized operations relative to the search frontier
//! (see `Linearized`): the state, the first operation not yet linearized, and
//! a bitset of the few linearized ones beyond it. Its size follows how far the
//! search runs ahead of the oldest unplaced operation, not the length of the
//! history (typically four 32-bit words), so memory grows about linearly with
//! the history instead of with its square. Records live in a
//! chunked arena behind an open-addressing index keyed by an incrementally
//! maintained Zobrist hash. All tables count against
//! `CheckOptions::memory_limit` (checked before each allocation of the visited
//! set, and every few thousand steps for the rest); past it the verdict is
//! `Unknown`.

use super::fxhash::{FxHashMap, FxHasher, mix64};
use super::models::{AllKeys, AppendModel, KvModel, Model, RegisterModel, SetModel, ShownIndex};
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
    /// Memory the search tables of all partitions together may use (bytes;
    /// `parliament check --max-memory`, default 4 GiB); past it a partition
    /// is `Unknown` rather than exhausting the machine.
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

/// Which form an explanation takes: each states only what the search
/// established.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExplanationKind {
    /// `prefix` is the longest linearizable prefix the search reached (in its
    /// sense: each operation placed before the earliest pending return), and
    /// it tried every operation in `stuck` after it: none can be applied to
    /// `state`. With growth pruning, a longer prefix may exist on a path the
    /// search cut short, so this is the longest *found*, not the longest.
    LongestPrefix,
    /// The search stopped at a read it could not place: after `prefix`, the
    /// read `unreachable_read` (also the only entry of `stuck`) had seen a
    /// state that `state` can no longer become, and no operation left could
    /// reset it toward. What else could follow the prefix was not tried.
    UnplaceableRead,
    /// An operation's result is one no state could ever give (`reason` says
    /// why), so it can never be placed; nothing was searched. `stuck` and
    /// `overdue` name it, `prefix` is empty.
    ImpossibleResult,
}

impl ExplanationKind {
    /// Stable name for JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            ExplanationKind::LongestPrefix => "longest_prefix",
            ExplanationKind::UnplaceableRead => "unplaceable_read",
            ExplanationKind::ImpossibleResult => "impossible_result",
        }
    }
}

/// Why a partition is not linearizable, as briefly as the search can say it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub kind: ExplanationKind,
    /// A linearizable prefix (see `kind` for which one): indices into
    /// `History::ops`, in linearization order.
    pub prefix: Vec<usize>,
    /// How many operations of the partition the search had to place (`ok`
    /// ones and indeterminate writes; `fail` operations and unanswered reads
    /// are left out).
    pub to_place: usize,
    /// The model state after the prefix.
    pub state: String,
    /// `LongestPrefix`: the operations that would have to come next (each was
    /// invoked before the earliest completion among the operations not yet
    /// placed); none of them can be applied to `state`. `UnplaceableRead`:
    /// just that read.
    pub stuck: Vec<usize>,
    /// Among `stuck`, an operation that had to take effect by its completion
    /// time and could not: for `LongestPrefix` the one that completed first,
    /// for `UnplaceableRead` the read.
    pub overdue: Option<usize>,
    /// `UnplaceableRead`: the read that saw a state `state` can no longer
    /// become. `None` otherwise.
    pub unreachable_read: Option<usize>,
    /// `ImpossibleResult`: why no state gives that result. `None` otherwise.
    pub reason: Option<String>,
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
    /// High-water mark of the bytes this partition's search held (its tables
    /// of remembered configurations, transitions and bookkeeping), as counted
    /// against the memory limit.
    pub peak_table_bytes: usize,
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
    /// High-water mark of the bytes all partitions' searches held at once
    /// (partitions are searched round-robin, so several are alive together).
    pub peak_table_bytes: usize,
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
    // Bytes each live search held after its last slice; the memory limit holds
    // for all partitions together.
    let mut held: Vec<usize> = searches
        .iter()
        .map(|s| s.as_ref().map_or(0, PartitionSearch::memory))
        .collect();
    let mut peak_table_bytes: usize = held.iter().sum();
    let mut violated = false;
    let mut out_of_time = false;
    'rounds: while results.iter().any(Option::is_none) {
        for i in 0..searches.len() {
            let Some(search) = searches[i].as_mut() else {
                continue;
            };
            let others = held.iter().sum::<usize>() - held[i];
            if out_of_time {
                results[i] = Some(search.give_up("the time budget ran out"));
                searches[i] = None;
                held[i] = 0;
                continue;
            }
            let started = Instant::now();
            let memory = MemoryShare {
                available: options.memory_limit.saturating_sub(others),
                limit: options.memory_limit,
            };
            let outcome = search.run(SLICE_STEPS, deadline, memory);
            search.elapsed += started.elapsed();
            peak_table_bytes = peak_table_bytes.max(others + search.slice_peak_bytes);
            match outcome {
                Slice::Unfinished => {
                    held[i] = search.memory();
                    continue;
                }
                Slice::OutOfTime => {
                    out_of_time = true;
                    results[i] = Some(search.give_up("the time budget ran out"));
                }
                Slice::Done(mut result) => {
                    result.elapsed = search.elapsed;
                    violated |= result.verdict == Verdict::NotLinearizable;
                    results[i] = Some(*result);
                }
            }
            searches[i] = None;
            held[i] = 0;
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
        peak_table_bytes,
    }
}

/// The memory a search may use in one slice: what the limit leaves after the
/// other partitions' searches (`available`), and the limit itself (for
/// messages).
#[derive(Clone, Copy, Debug)]
struct MemoryShare {
    available: usize,
    limit: usize,
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

/// The operations linearized so far, as a bitset over the partition's
/// operations (in call order) with two marks that make a compact, canonical
/// key: `floor`, the first operation not linearized (every one before it is),
/// and `ceiling`, one past the last one linearized. Everything the set holds
/// beyond the all-linearized prefix lies in the window `floor + 1 .. ceiling`,
/// which follows the search frontier: an operation stays unlinearized only
/// while its return is still ahead (a handful per client) or, for an `info`
/// operation, until the search places it.
struct Linearized {
    bits: Vec<u64>,
    floor: u32,
    ceiling: u32,
    /// Zobrist hash of the set (XOR of one random word per member).
    hash: u64,
}

impl Linearized {
    fn new(n: usize) -> Linearized {
        Linearized {
            // One spare word, so `window` may read one word past the last op.
            bits: vec![0; n.div_ceil(64) + 1],
            floor: 0,
            ceiling: 0,
            hash: 0,
        }
    }

    /// Add `op` (not a member). Returns the previous marks for `remove_with`.
    #[inline]
    fn insert(&mut self, op: u32, zobrist: u64) -> (u32, u32) {
        let marks = (self.floor, self.ceiling);
        self.bits[op as usize / 64] |= 1u64 << (op % 64);
        self.hash ^= zobrist;
        self.ceiling = self.ceiling.max(op + 1);
        if op == self.floor {
            self.floor = self.next_absent(op + 1);
        }
        marks
    }

    /// Remove `op`, the member added last, restoring the marks `insert` returned.
    #[inline]
    fn remove_with(&mut self, op: u32, zobrist: u64, marks: (u32, u32)) {
        self.bits[op as usize / 64] &= !(1u64 << (op % 64));
        self.hash ^= zobrist;
        (self.floor, self.ceiling) = marks;
    }

    /// The first operation from `from` on that is not a member (the spare
    /// word guarantees one exists within the bitset).
    fn next_absent(&self, from: u32) -> u32 {
        let mut word = from as usize / 64;
        let mut missing = !self.bits[word] & (u64::MAX << (from % 64));
        while missing == 0 {
            word += 1;
            missing = !self.bits[word];
        }
        (word * 64) as u32 + missing.trailing_zeros()
    }

    /// The members after `floor`, as 32-bit words starting at `floor + 1`.
    fn window(&self, out: &mut Vec<u32>) {
        out.clear();
        let start = self.floor as usize + 1;
        let end = self.ceiling as usize;
        let mut at = start;
        while at < end {
            let (word, shift) = (at / 64, at % 64);
            let mut chunk = self.bits[word] >> shift;
            if shift > 32 {
                chunk |= self.bits[word + 1] << (64 - shift);
            }
            out.push(chunk as u32);
            at += 32;
        }
    }
}

/// Outcome of `Visited::insert`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Insert {
    New,
    Seen,
    /// Inserting would take the table past its `allowance`.
    OverAllowance,
    /// The arena cannot address another record (16 GiB of records).
    ArenaFull,
}

/// The configurations (linearized operations, model state) already explored.
///
/// Each is one record `[state, floor, n, window...]` (n 32-bit window words,
/// see `Linearized`) in an arena of fixed-size chunks, so the table grows in
/// small steps and never copies its records. Its size follows the search
/// frontier, not the history: a record is usually four words. An
/// open-addressing index (linear probing) holds per slot the high half of the
/// configuration's hash (which also chooses the slot) and the record's
/// address plus one (0 is an empty slot).
struct Visited {
    slots: Vec<u64>,
    chunks: Vec<Vec<u32>>,
    len: usize,
    /// Bytes the table may grow to (set by the search from its memory
    /// limit); checked before each allocation, so a large step such as
    /// doubling the index cannot overshoot the limit.
    allowance: usize,
}

/// Words per arena chunk (16 MiB); a record address is chunk << CHUNK_BITS | offset.
const CHUNK_BITS: u32 = 22;
const CHUNK_WORDS: usize = 1 << CHUNK_BITS;
/// Chunks an address can name (addresses are 32 bits, 0 meaning none).
const MAX_CHUNKS: usize = 1 << (32 - CHUNK_BITS);
/// Words of record before the window.
const RECORD_HEADER: usize = 3;

impl Visited {
    fn new() -> Visited {
        Visited {
            slots: vec![0; 1 << 10],
            chunks: vec![Vec::with_capacity(1 << 10)],
            len: 0,
            allowance: usize::MAX,
        }
    }

    fn bytes(&self) -> usize {
        self.slots.len() * 8 + self.chunks.iter().map(Vec::capacity).sum::<usize>() * 4
    }

    #[inline]
    fn record(&self, address: u32) -> &[u32] {
        let chunk = &self.chunks[(address >> CHUNK_BITS) as usize];
        let at = (address as usize) & (CHUNK_WORDS - 1);
        let n = chunk[at + 2] as usize;
        &chunk[at..at + RECORD_HEADER + n]
    }

    /// Insert the configuration unless it is there already.
    #[inline]
    fn insert(&mut self, hash: u64, state: u32, floor: u32, window: &[u32]) -> Insert {
        let tag = hash >> 32;
        let mask = self.slots.len() - 1;
        let mut i = tag as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                break;
            }
            if slot >> 32 == tag {
                let record = self.record(slot as u32 - 1);
                if record[0] == state && record[1] == floor && record[RECORD_HEADER..] == *window {
                    return Insert::Seen;
                }
            }
            i = (i + 1) & mask;
        }
        // The index doubles (old and new held at once) when half full.
        let growing = (self.len + 1) * 2 > self.slots.len();
        let index_growth = if growing { self.slots.len() * 16 } else { 0 };
        let last = self.chunks.last().expect("one chunk at least");
        let size = RECORD_HEADER + window.len();
        let arena_growth = if last.len() + size <= last.capacity() {
            0
        } else if last.len() + size > CHUNK_WORDS {
            CHUNK_WORDS * 4
        } else {
            last.capacity() * 4
        };
        if self.bytes() + index_growth + arena_growth > self.allowance {
            return Insert::OverAllowance;
        }
        let Some(address) = self.append(state, floor, window) else {
            return Insert::ArenaFull;
        };
        self.slots[i] = tag << 32 | (address as u64 + 1);
        self.len += 1;
        if growing {
            self.grow();
        }
        Insert::New
    }

    /// Append a record to the arena; its address, or `None` if none is left.
    fn append(&mut self, state: u32, floor: u32, window: &[u32]) -> Option<u32> {
        let size = RECORD_HEADER + window.len();
        let last = self.chunks.len() - 1;
        if self.chunks[last].len() + size > CHUNK_WORDS {
            // The address is one less than the slot value, which must not be 0.
            if self.chunks.len() == MAX_CHUNKS || size > CHUNK_WORDS {
                return None;
            }
            self.chunks.push(Vec::with_capacity(CHUNK_WORDS));
        }
        let chunk_index = self.chunks.len() - 1;
        let chunk = &mut self.chunks[chunk_index];
        let address = (chunk_index << CHUNK_BITS | chunk.len()) as u32;
        if address == u32::MAX {
            return None;
        }
        chunk.extend_from_slice(&[state, floor, window.len() as u32]);
        chunk.extend_from_slice(window);
        Some(address)
    }

    fn grow(&mut self) {
        let capacity = self.slots.len() * 2;
        let mask = capacity - 1;
        let mut slots = vec![0u64; capacity];
        for &slot in self.slots.iter().filter(|&&s| s != 0) {
            let mut j = (slot >> 32) as usize & mask;
            while slots[j] != 0 {
                j = (j + 1) & mask;
            }
            slots[j] = slot;
        }
        self.slots = slots;
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
    /// Heap bytes behind the interned states (`Model::state_heap_bytes`).
    state_heap: usize,
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
            state_heap: 0,
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
        self.state_heap += self.model.state_heap_bytes(&state);
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
    Done(Box<PartitionResult>),
}

/// One operation on the search stack: how to undo it.
#[derive(Clone, Copy)]
struct Placed {
    /// Its call entry.
    call: u32,
    /// The model state before it.
    state_before: u32,
    /// It is read-only (see `run`).
    read_only: bool,
    /// `Linearized` marks before it.
    marks: (u32, u32),
}

/// The search state of one partition, resumable between slices.
struct PartitionSearch<'a, M: Model> {
    model: &'a M,
    key: Option<Key>,
    operations: usize,
    /// History indices of the operations the search places (local op `i` is
    /// `placed[i]`), in call order.
    placed: Vec<usize>,
    calls: Vec<u64>,
    returns: Vec<u64>,
    transitions: Transitions<'a, M>,
    list: Entries,
    linearized: Linearized,
    zobrist: Vec<u64>,
    visited: Visited,
    /// Scratch for the window of the configuration being inserted.
    window: Vec<u32>,
    /// Per local op: the model says it never changes the state (see `run`).
    read_only: Vec<bool>,
    /// Per local op: the only state it fits (a read of the whole state), or
    /// `NIL`. Checking it is an integer compare instead of a transition lookup.
    observed: Vec<u32>,
    /// Per local op: it has an observed state and the model orders states by
    /// growth, so growth pruning looks at it.
    prunable: Vec<bool>,
    /// The first operation (in call order) whose result no state could give,
    /// with the model's reason: the search ends at once with it.
    impossible: Option<(u32, String)>,
    /// Some op is `prunable` (else growth pruning is skipped entirely).
    growth_pruning: bool,
    /// (state, read) → whether the state can still grow into what the read saw.
    grows: FxHashMap<u64, bool>,
    /// Scratch for growth pruning: calls met while walking the entry list.
    pending_calls: Vec<u32>,
    stack: Vec<Placed>,
    /// The deepest configuration reached: its operations in order, its state,
    /// and the read growth pruning abandoned it for, if it did.
    best: Vec<u32>,
    best_state: u32,
    best_unreachable: Option<u32>,
    /// `best` and `stack` agree on at least this many first operations (so a
    /// new deepest configuration copies only the part that changed).
    best_agrees: usize,
    state: u32,
    entry: u32,
    /// Set when the configuration just reached is known dead without scanning.
    backtrack: bool,
    steps: u64,
    elapsed: Duration,
    /// High-water marks of `memory()`, sampled whenever it is checked: over
    /// the whole search, and in the current slice.
    peak_bytes: usize,
    slice_peak_bytes: usize,
}

impl<'a, M: Model> PartitionSearch<'a, M> {
    fn new(model: &'a M, history: &'a History, key: Option<Key>, ops: Vec<usize>) -> Self {
        // Operations the search has to place: not `fail` (never happened),
        // not indeterminate reads (no effect, no observed value: they fit
        // anywhere), and not indeterminate additions no answered operation
        // shows (`Model::addition`: no read sees their effect, so they fit
        // last). Left in, such a write could be tried at every point of a
        // long run of concurrent appends without a read, each placement a new
        // state: a calm 71-operation history with two timed-out appends took
        // minutes and gigabytes.
        let shown = ShownIndex::new(model, ops.iter().filter_map(|&i| history.ops[i].output()));
        let placed: Vec<usize> = ops
            .iter()
            .copied()
            .filter(|&i| {
                let op = &history.ops[i];
                match op.completion {
                    Completion::Ok { .. } => true,
                    Completion::Fail { .. } => false,
                    Completion::Info { .. } => {
                        !op.input.action.is_read()
                            && model.addition(&op.input).is_none_or(|a| shown.shows(a))
                    }
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
        let prunable: Vec<bool> = observed
            .iter()
            .map(|&seen| {
                seen != NIL && {
                    let target = &transitions.states[seen as usize];
                    model.grows_into(target, target).is_some()
                }
            })
            .collect();
        let impossible = placed.iter().enumerate().find_map(|(local, &i)| {
            let op = &history.ops[i];
            let reason = model.impossible_output(&op.input, op.output())?;
            Some((local as u32, reason))
        });
        let read_only = placed
            .iter()
            .zip(&observed)
            .map(|(&i, &seen)| {
                seen != NIL || model.is_read_only(&history.ops[i].input, history.ops[i].output())
            })
            .collect();
        let list = Entries::new(&calls, &returns);
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
            impossible,
            growth_pruning: prunable.iter().any(|&p| p),
            prunable,
            grows: FxHashMap::default(),
            pending_calls: Vec::new(),
            linearized: Linearized::new(n),
            zobrist: (0..n as u64)
                .map(|i| mix64(i ^ 0x5eed_0f0b_5e55_ed00))
                .collect(),
            visited: Visited::new(),
            window: Vec::new(),
            stack: Vec::with_capacity(n),
            best: Vec::new(),
            best_state: init,
            best_unreachable: None,
            best_agrees: 0,
            state: init,
            entry,
            backtrack: false,
            steps: 0,
            elapsed: Duration::ZERO,
            peak_bytes: 0,
            slice_peak_bytes: 0,
        }
    }

    fn result(&self, verdict: Verdict) -> PartitionResult {
        PartitionResult {
            key: self.key.clone(),
            verdict,
            operations: self.operations,
            steps: self.steps,
            elapsed: self.elapsed,
            peak_table_bytes: self.peak_bytes,
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

    /// The explanation when operation `op`'s result is impossible in any state.
    fn impossible_result(&self, op: u32, reason: String) -> PartitionResult {
        let index = self.placed[op as usize];
        let violation = Violation {
            kind: ExplanationKind::ImpossibleResult,
            prefix: Vec::new(),
            to_place: self.placed.len(),
            state: self.model.describe(&self.model.init()),
            stuck: vec![index],
            overdue: Some(index),
            unreachable_read: None,
            reason: Some(reason),
        };
        PartitionResult {
            violation: Some(violation),
            ..self.result(Verdict::NotLinearizable)
        }
    }

    fn violation(&mut self) -> PartitionResult {
        let prefix = std::mem::take(&mut self.best);
        let placed = &self.placed;
        let (kind, stuck, overdue) = match self.best_unreachable {
            // The search never tried what could follow the prefix: all it
            // established is that this read cannot be placed, now or later.
            Some(read) => (ExplanationKind::UnplaceableRead, vec![read], Some(read)),
            None => {
                let (stuck, overdue) = next_candidates(&self.calls, &self.returns, &prefix);
                (ExplanationKind::LongestPrefix, stuck, overdue)
            }
        };
        let violation = Violation {
            kind,
            prefix: prefix.iter().map(|&l| placed[l as usize]).collect(),
            to_place: placed.len(),
            state: self
                .model
                .describe(&self.transitions.states[self.best_state as usize]),
            stuck: stuck.iter().map(|&l| placed[l as usize]).collect(),
            overdue: overdue.map(|l| placed[l as usize]),
            unreachable_read: self.best_unreachable.map(|l| placed[l as usize]),
            reason: None,
        };
        PartitionResult {
            violation: Some(violation),
            ..self.result(Verdict::NotLinearizable)
        }
    }

    /// Growth pruning: every read left must still be linearized, in a state
    /// reached from the current one by operations invoked before the read
    /// completed. If a read that observed the whole state saw one the current
    /// state cannot grow into, and no operation left that was invoked before
    /// the read completed could reset the state toward it, no completion
    /// exists. (For a register, which never grows, that is: no write or CAS
    /// left could bring back the value the read saw.) Only the reads with the
    /// earliest pending returns are looked at, to bound the cost. Returns the
    /// read that cannot be satisfied.
    fn observation_out_of_reach(&mut self) -> Option<u32> {
        if !self.growth_pruning {
            return None;
        }
        // The operations left that were invoked before a pending return are
        // exactly the calls still listed before that return entry.
        self.pending_calls.clear();
        let mut e = self.list.next[HEAD as usize];
        let mut returns_seen = 0;
        while e != NIL && returns_seen < PRUNE_LOOKAHEAD {
            let op = self.list.op[e as usize];
            let is_call = self.list.is_call(e);
            e = self.list.next[e as usize];
            if is_call {
                self.pending_calls.push(op);
                continue;
            }
            returns_seen += 1;
            if !self.prunable[op as usize] {
                continue;
            }
            let states = &self.transitions.states;
            let target = &states[self.observed[op as usize] as usize];
            let key = (self.state as u64) << 32 | op as u64;
            let grows = *self.grows.entry(key).or_insert_with(|| {
                self.model
                    .grows_into(&states[self.state as usize], target)
                    .unwrap_or(true)
            });
            if grows {
                continue;
            }
            let inputs = &self.transitions.inputs;
            let resettable = self
                .pending_calls
                .iter()
                .any(|&p| p != op && self.model.may_reset_toward(inputs[p as usize], target));
            if !resettable {
                return Some(op);
            }
        }
        None
    }

    /// Bytes held by the search.
    fn memory(&self) -> usize {
        let per_entry = 4 * std::mem::size_of::<u32>();
        self.visited.bytes()
            + self.transitions.state_heap
            + (self.transitions.memo.capacity() + self.grows.capacity()) * 16
            + self.transitions.by_hash.capacity() * 16
            + self.transitions.states.capacity() * (std::mem::size_of::<M::State>() + 4)
            + self.list.next.len() * per_entry
            + self.stack.capacity() * std::mem::size_of::<Placed>()
            + self.linearized.bits.len() * 8
            + self.best.capacity() * 4
    }

    /// `memory()`, noted in the high-water marks.
    fn sample_memory(&mut self) -> usize {
        let bytes = self.memory();
        self.peak_bytes = self.peak_bytes.max(bytes);
        self.slice_peak_bytes = self.slice_peak_bytes.max(bytes);
        bytes
    }

    /// Record a new deepest configuration if this one is deeper.
    fn note_depth(&mut self, unreachable: Option<u32>) {
        if self.stack.len() <= self.best.len() {
            return;
        }
        self.best.truncate(self.best_agrees);
        let list = &self.list;
        self.best.extend(
            self.stack[self.best_agrees..]
                .iter()
                .map(|p| list.op[p.call as usize]),
        );
        self.best_agrees = self.stack.len();
        self.best_state = self.state;
        self.best_unreachable = unreachable;
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
    fn run(&mut self, max_steps: u64, deadline: Option<Instant>, memory: MemoryShare) -> Slice {
        let stop_at = self.steps + max_steps;
        let out_of_memory = format!(
            "the memory limit ({}) for remembered search states ran out",
            format_bytes(memory.limit)
        );
        self.slice_peak_bytes = 0;
        if let Some((op, reason)) = self.impossible.take() {
            self.sample_memory();
            return Slice::Done(Box::new(self.impossible_result(op, reason)));
        }
        // Look at the clock and the memory now and every CLOCK_EVERY steps.
        let mut look = true;
        loop {
            if self.list.next[HEAD as usize] == NIL {
                self.sample_memory();
                return Slice::Done(Box::new(self.result(Verdict::Linearizable)));
            }
            if look || self.steps.is_multiple_of(CLOCK_EVERY) {
                look = false;
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return Slice::OutOfTime;
                }
                let bytes = self.sample_memory();
                if bytes > memory.available {
                    return Slice::Done(Box::new(self.give_up(&out_of_memory)));
                }
                // What the visited table may grow to before the next look.
                self.visited.allowance = self.visited.bytes() + (memory.available - bytes);
            }
            self.steps += 1;
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
                    let zobrist = self.zobrist[op as usize];
                    let marks = self.linearized.insert(op, zobrist);
                    let hash = self.linearized.hash ^ mix64(next_state as u64);
                    let read_only = self.read_only[op as usize];
                    self.linearized.window(&mut self.window);
                    let floor = self.linearized.floor;
                    match self.visited.insert(hash, next_state, floor, &self.window) {
                        Insert::New => {
                            self.stack.push(Placed {
                                call: entry,
                                state_before: self.state,
                                read_only,
                                marks,
                            });
                            self.state = next_state;
                            self.list.lift(entry);
                            self.entry = self.list.next[HEAD as usize];
                            let unreachable = self.observation_out_of_reach();
                            self.note_depth(unreachable);
                            self.backtrack = unreachable.is_some();
                            continue;
                        }
                        Insert::Seen => {
                            self.linearized.remove_with(op, zobrist, marks);
                            if read_only {
                                // Explored before and dead, so this configuration is too.
                                self.backtrack = true;
                                continue;
                            }
                        }
                        Insert::OverAllowance => {
                            self.sample_memory();
                            return Slice::Done(Box::new(self.give_up(&out_of_memory)));
                        }
                        Insert::ArenaFull => {
                            return Slice::Done(Box::new(self.give_up(
                                "the table of remembered search states is full (16 GiB)",
                            )));
                        }
                    }
                }
                self.entry = self.list.next[entry as usize];
            } else {
                // A return whose operation is not linearized (or a configuration
                // known dead): undo the last linearized operation.
                self.backtrack = false;
                let Some(undo) = self.stack.pop() else {
                    self.sample_memory();
                    return Slice::Done(Box::new(self.violation()));
                };
                self.best_agrees = self.best_agrees.min(self.stack.len());
                let op = self.list.op[undo.call as usize];
                self.linearized
                    .remove_with(op, self.zobrist[op as usize], undo.marks);
                self.state = undo.state_before;
                self.list.unlift(undo.call);
                self.entry = self.list.next[undo.call as usize];
                self.backtrack = undo.read_only;
            }
        }
    }
}

/// `1.5 GiB`, `512 MiB`, `64 KiB`, `100 B`.
pub fn format_bytes(bytes: usize) -> String {
    const UNITS: [(&str, u32); 4] = [("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)];
    for (unit, shift) in UNITS {
        if bytes >= 1 << shift {
            let value = bytes as f64 / (1u64 << shift) as f64;
            return if value.fract() == 0.0 {
                format!("{value:.0} {unit}")
            } else {
                format!("{value:.1} {unit}")
            };
        }
    }
    format!("{bytes} B")
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
        // Growth pruning (a register never grows) stops as soon as no write
        // left can bring back the 1 the read saw.
        assert_eq!(v.kind, ExplanationKind::UnplaceableRead);
        assert_eq!(v.prefix, vec![0, 1]);
        assert_eq!(v.to_place, 3);
        assert_eq!(v.state, "2");
        assert_eq!(v.stuck, vec![2]);
        assert_eq!(v.overdue, Some(2));
        assert_eq!(v.unreachable_read, Some(2));
    }

    #[test]
    fn failed_compare_is_explained_by_the_longest_prefix() {
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
        let r = check_history(&h, ModelKind::Register, true, &CheckOptions::default()).unwrap();
        assert_eq!(r.verdict, Verdict::NotLinearizable);
        let v = r.partitions[0].violation.as_ref().unwrap();
        assert_eq!(v.kind, ExplanationKind::LongestPrefix);
        assert_eq!(v.prefix, vec![0]);
        assert_eq!(v.state, "1");
        assert_eq!(v.stuck, vec![1]);
        assert_eq!(v.overdue, Some(1));
        assert_eq!(v.unreachable_read, None);
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

    /// Many concurrent info writes and an answered CAS from a value nobody
    /// wrote: the search explores every subset and order of the writes before
    /// it can fail (a CAS is not a read of the whole state, so growth pruning
    /// cannot cut it short).
    fn unexplainable_cas_after_many_info_writes() -> History {
        let mut ops: Vec<Spec> = (0..14)
            .map(|i| (i, i as u64, None, RegisterOp::Write(i as i64), None))
            .collect();
        ops.push((
            99,
            100,
            Some(101),
            RegisterOp::Cas { from: -1, to: 0 },
            Some(Output::Cas { applied: true }),
        ));
        register_history(&ops)
    }

    #[test]
    fn zero_budget_gives_unknown_on_a_long_search() {
        // The search explores many subsets before failing, so a zero budget
        // interrupts it.
        let h = unexplainable_cas_after_many_info_writes();
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
        let h = unexplainable_cas_after_many_info_writes();
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
