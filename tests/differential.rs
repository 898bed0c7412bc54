//! The linearizability checker against a brute-force checker written here
//! independently: enumerate every order of the operations that respects
//! real-time order, with each indeterminate operation placed anywhere after its
//! invocation or left out, and run the sequential semantics. Random small
//! histories (at most 8 operations, with `info` and `fail` completions), all
//! four models, partitioned and unpartitioned: zero disagreements.
//!
//! Every violation's explanation is checked too, against what its kind claims:
//! the prefix is a legal, real-time-respecting linearization prefix; for the
//! longest-prefix form none of the operations it names as stuck fits the state
//! after it (and unpartitioned, where no growth pruning cuts the search, no
//! longer prefix exists at all); for the unplaceable-read form no completion
//! exists after the prefix; an impossible result is one no state gives.

use parliament::check::linearizability::{
    CheckOptions, ExplanationKind, PartitionResult, Verdict, check_history,
};
use parliament::history::{
    Action, AppendOp, Completion, History, HistoryBuilder, Input, KvOp, ModelKind, Outcome, Output,
    RegisterOp, SetOp,
};
use parliament::ids::{ClientId, RequestId};
use parliament::rng::DetRng;
use parliament::time::Time;
use std::collections::{BTreeMap, HashSet};

const HISTORIES_PER_MODEL: usize = 10_000;
const MAX_OPS: u64 = 8;

/// One key's value in the brute-force store.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
enum Value {
    #[default]
    Absent,
    Int(i64),
    Text(String),
    Items(Vec<u64>),
}

type Store = BTreeMap<String, Value>;

/// Apply one operation to the store; `None` if the output is impossible.
/// Written from the model descriptions, not from the checker's code.
fn apply(store: &Store, input: &Input, output: Option<&Output>) -> Option<Store> {
    let key = input.key.0.to_string();
    let current = store.get(&key).cloned().unwrap_or_default();
    let mut next = store.clone();
    let int = |v: &Value| match v {
        Value::Int(i) => Some(*i),
        _ => None,
    };
    let text = |v: &Value| match v {
        Value::Text(s) => s.clone(),
        _ => String::new(),
    };
    let items = |v: &Value| match v {
        Value::Items(xs) => xs.clone(),
        _ => Vec::new(),
    };
    match (&input.action, output) {
        (Action::Register(RegisterOp::Read), None) => {}
        (Action::Register(RegisterOp::Read), Some(Output::Register(seen))) => {
            if *seen != int(&current) {
                return None;
            }
        }
        (Action::Register(RegisterOp::Write(v)), _) => {
            next.insert(key, Value::Int(*v));
        }
        (Action::Register(RegisterOp::Cas { from, to }), out) => {
            let holds = int(&current) == Some(*from);
            match out {
                Some(Output::Cas { applied: true }) if !holds => return None,
                Some(Output::Cas { applied: false }) if holds => return None,
                Some(Output::Cas { applied: false }) => {}
                _ => {
                    if holds {
                        next.insert(key, Value::Int(*to));
                    }
                }
            }
        }
        (Action::Kv(KvOp::Get), None) => {}
        (Action::Kv(KvOp::Get), Some(Output::Text(seen))) => {
            if *seen != text(&current) {
                return None;
            }
        }
        (Action::Kv(KvOp::Put(v)), _) => {
            next.insert(key, Value::Text(v.clone()));
        }
        (Action::Kv(KvOp::Append(v)), _) => {
            next.insert(key, Value::Text(text(&current) + v));
        }
        (Action::Append(AppendOp::Read), None) | (Action::Set(SetOp::Read), None) => {}
        (Action::Append(AppendOp::Read), Some(Output::List(seen))) => {
            if *seen != items(&current) {
                return None;
            }
        }
        (Action::Append(AppendOp::Append(e)), _) => {
            let mut xs = items(&current);
            xs.push(*e);
            next.insert(key, Value::Items(xs));
        }
        (Action::Set(SetOp::Read), Some(Output::Elements(seen))) => {
            let mut have = items(&current);
            have.sort();
            if *seen != have {
                return None;
            }
        }
        (Action::Set(SetOp::Add(e)), _) => {
            let mut xs = items(&current);
            if !xs.contains(e) {
                xs.push(*e);
            }
            next.insert(key, Value::Items(xs));
        }
        _ => panic!("output {output:?} does not fit {input}"),
    }
    Some(next)
}

/// Brute force: is there an order of all `ok` operations, plus any subset of
/// the `info` ones, that respects real time and the semantics?
fn brute_force(history: &History) -> bool {
    // (input, output, invoked, completed or None for info)
    let ops: Vec<_> = history
        .ops
        .iter()
        .filter_map(|op| match &op.completion {
            Completion::Ok { at, output } => {
                Some((&op.input, Some(output), op.invoked.0, Some(at.0)))
            }
            Completion::Info { .. } => Some((&op.input, None, op.invoked.0, None)),
            Completion::Fail { .. } => None,
        })
        .collect();
    let required = ops.iter().filter(|o| o.3.is_some()).count();
    fn dfs(
        ops: &[(&Input, Option<&Output>, u64, Option<u64>)],
        placed: &mut Vec<bool>,
        placed_required: usize,
        required: usize,
        store: &Store,
    ) -> bool {
        if placed_required == required {
            return true;
        }
        for b in 0..ops.len() {
            if placed[b] {
                continue;
            }
            // Every completed op that finished before b was invoked goes first.
            let ready = ops
                .iter()
                .enumerate()
                .all(|(a, op)| placed[a] || !matches!(op.3, Some(done) if done < ops[b].2));
            if !ready {
                continue;
            }
            let Some(next) = apply(store, ops[b].0, ops[b].1) else {
                continue;
            };
            placed[b] = true;
            let add = usize::from(ops[b].3.is_some());
            let found = dfs(ops, placed, placed_required + add, required, &next);
            placed[b] = false;
            if found {
                return true;
            }
        }
        false
    }
    let mut placed = vec![false; ops.len()];
    dfs(&ops, &mut placed, 0, required, &Store::new())
}

/// A random history for `kind`: clients invoke and complete operations on one
/// or two keys; results come from a real execution (effects applied at a
/// random point of each operation) and are sometimes corrupted, so both
/// verdicts are common.
fn random_history(kind: ModelKind, rng: &mut DetRng) -> History {
    let n_ops = rng.between(1, MAX_OPS);
    let n_clients = rng.between(1, 4) as u32;
    let n_keys = rng.between(1, 2);
    let mut builder = HistoryBuilder::new(kind);
    let mut store = Store::new();
    let mut open: Vec<Option<(parliament::history::OpHandle, Input, bool)>> =
        vec![None; n_clients as usize];
    let mut time = 0u64;
    let mut invoked = 0u64;
    let mut next_element = 1u64;
    // Timed-out operations whose effect may still land later.
    let mut lingering: Vec<Input> = Vec::new();
    while invoked < n_ops || open.iter().any(Option::is_some) {
        time += rng.below(3); // ties happen
        if !lingering.is_empty() && rng.chance(200_000) {
            let late = lingering.remove(rng.below(lingering.len() as u64) as usize);
            store = apply(&store, &late, None).unwrap();
        }
        let client = rng.below(n_clients as u64) as usize;
        match open[client].take() {
            None if invoked < n_ops => {
                let key = format!("k{}", rng.below(n_keys));
                let action = random_action(kind, rng, &mut next_element);
                let input = Input::new(&key, action);
                let handle = builder
                    .invoke(
                        RequestId(invoked),
                        ClientId(client as u32),
                        Time(time),
                        input.clone(),
                    )
                    .unwrap();
                invoked += 1;
                // Writes may take effect at invocation already.
                let early = rng.chance(300_000) && !input.action.is_read();
                if early {
                    store = apply(&store, &input, None).unwrap();
                }
                open[client] = Some((handle, input, early));
            }
            None => {}
            Some((handle, input, early)) => {
                let roll = rng.below(10);
                let outcome = if roll < 2 {
                    // Timed out: applied already, applied now, later, or never.
                    if !early {
                        match rng.below(3) {
                            0 => store = apply(&store, &input, None).unwrap(),
                            1 => lingering.push(input),
                            _ => {}
                        }
                    }
                    Outcome::Info
                } else if roll < 3 && !early {
                    Outcome::Fail
                } else {
                    let output = observe(&store, &input, early);
                    if !early {
                        store = apply(&store, &input, Some(&output)).unwrap_or(store);
                    }
                    Outcome::Ok(corrupt(output, rng))
                };
                builder.complete(handle, Time(time), outcome).unwrap();
            }
        }
    }
    builder.finish()
}

fn random_action(kind: ModelKind, rng: &mut DetRng, next_element: &mut u64) -> Action {
    let r = rng.below(3);
    let v = rng.below(3) as i64;
    let mut fresh = || {
        *next_element += 1;
        *next_element
    };
    match kind {
        ModelKind::Register => Action::Register(match r {
            0 => RegisterOp::Read,
            1 => RegisterOp::Write(v),
            _ => RegisterOp::Cas {
                from: v,
                to: rng.below(3) as i64,
            },
        }),
        ModelKind::Kv => Action::Kv(match r {
            0 => KvOp::Get,
            1 => KvOp::Put(["a", "b"][v as usize % 2].to_string()),
            _ => KvOp::Append(["x", "y", "a"][v as usize].to_string()),
        }),
        ModelKind::Append => Action::Append(if r == 0 {
            AppendOp::Read
        } else {
            AppendOp::Append(fresh())
        }),
        ModelKind::Set => Action::Set(if r == 0 {
            SetOp::Read
        } else {
            SetOp::Add(fresh())
        }),
    }
}

/// The output a correct service would give for `input` applied now.
fn observe(store: &Store, input: &Input, already_applied: bool) -> Output {
    let current = store.get(&*input.key.0).cloned().unwrap_or_default();
    match &input.action {
        Action::Register(RegisterOp::Read) => Output::Register(match current {
            Value::Int(i) => Some(i),
            _ => None,
        }),
        Action::Register(RegisterOp::Cas { from, .. }) => Output::Cas {
            applied: already_applied || current == Value::Int(*from),
        },
        Action::Kv(KvOp::Get) => Output::Text(match current {
            Value::Text(s) => s,
            _ => String::new(),
        }),
        Action::Append(AppendOp::Read) => Output::List(match current {
            Value::Items(xs) => xs,
            _ => Vec::new(),
        }),
        Action::Set(SetOp::Read) => Output::Elements(match current {
            Value::Items(mut xs) => {
                xs.sort();
                xs
            }
            _ => Vec::new(),
        }),
        Action::Register(RegisterOp::Write(_))
        | Action::Kv(KvOp::Put(_) | KvOp::Append(_))
        | Action::Append(AppendOp::Append(_))
        | Action::Set(SetOp::Add(_)) => Output::Done,
    }
}

fn corrupt(output: Output, rng: &mut DetRng) -> Output {
    if !rng.chance(350_000) {
        return output;
    }
    match output {
        Output::Register(_) => Output::Register(match rng.below(4) {
            3 => None,
            v => Some(v as i64),
        }),
        Output::Cas { applied } => Output::Cas { applied: !applied },
        Output::Text(s) => Output::Text(if s.is_empty() {
            "x".to_string()
        } else {
            s[1..].to_string()
        }),
        Output::List(mut xs) => {
            if xs.len() >= 2 {
                xs.swap(0, 1);
            } else {
                xs.clear();
                xs.push(1);
            }
            Output::List(xs)
        }
        Output::Elements(mut xs) => {
            match xs.first().copied() {
                // A faulty system may list an element twice.
                Some(x) if rng.chance(300_000) => xs.insert(0, x),
                Some(_) => {
                    xs.pop();
                }
                None => xs.push(1),
            }
            Output::Elements(xs)
        }
        Output::Done => Output::Done,
    }
}

/// An operation the checker places (not `fail`, not an unanswered read, not
/// an unanswered append or add whose element, or kv append whose text, no
/// answered read shows):
/// (index in the history, input, output, invoked, completed or None).
type Placeable<'h> = (usize, &'h Input, Option<&'h Output>, u64, Option<u64>);

fn placeable<'h>(history: &'h History, key: Option<&str>) -> Vec<Placeable<'h>> {
    let in_partition =
        |op: &&parliament::history::Operation| key.is_none_or(|k| &*op.input.key.0 == k);
    let shown: Vec<u64> = history
        .ops
        .iter()
        .filter(in_partition)
        .filter_map(|op| match op.output() {
            Some(Output::List(seen)) | Some(Output::Elements(seen)) => Some(seen.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    let texts: Vec<&str> = history
        .ops
        .iter()
        .filter(in_partition)
        .filter_map(|op| match op.output() {
            Some(Output::Text(seen)) => Some(seen.as_str()),
            _ => None,
        })
        .collect();
    let unseen_addition = |input: &Input| match &input.action {
        Action::Append(AppendOp::Append(e)) | Action::Set(SetOp::Add(e)) => !shown.contains(e),
        Action::Kv(KvOp::Append(t)) => !t.is_empty() && !texts.iter().any(|seen| seen.contains(t)),
        _ => false,
    };
    history
        .ops
        .iter()
        .enumerate()
        .filter(|(_, op)| in_partition(op))
        .filter_map(|(i, op)| match &op.completion {
            Completion::Ok { at, output } => {
                Some((i, &op.input, Some(output), op.invoked.0, Some(at.0)))
            }
            Completion::Info { .. }
                if !op.input.action.is_read() && !unseen_addition(&op.input) =>
            {
                Some((i, &op.input, None, op.invoked.0, None))
            }
            Completion::Info { .. } | Completion::Fail { .. } => None,
        })
        .collect()
}

/// Op `b` may come next after the ops in `placed`: every op that completed
/// before `b` was invoked is placed already.
fn ready(ops: &[Placeable<'_>], placed: u32, b: usize) -> bool {
    ops.iter()
        .enumerate()
        .all(|(a, op)| placed & (1 << a) != 0 || !matches!(op.4, Some(done) if done < ops[b].3))
}

/// From the configuration (`placed`, `store`): the most operations any legal
/// prefix extending it places, and whether some extension places every
/// completed operation (a completion: the rest of a linearization).
fn explore(ops: &[Placeable<'_>], placed: u32, store: &Store) -> (u32, bool) {
    fn go(
        ops: &[Placeable<'_>],
        placed: u32,
        store: &Store,
        seen: &mut HashSet<(u32, String)>,
        best: &mut u32,
    ) -> bool {
        if !seen.insert((placed, format!("{store:?}"))) {
            return false;
        }
        *best = (*best).max(placed.count_ones());
        let complete = ops
            .iter()
            .enumerate()
            .all(|(a, op)| placed & (1 << a) != 0 || op.4.is_none());
        let mut found = complete;
        for b in 0..ops.len() {
            if placed & (1 << b) != 0 || !ready(ops, placed, b) {
                continue;
            }
            if let Some(next) = apply(store, ops[b].1, ops[b].2) {
                found |= go(ops, placed | 1 << b, &next, seen, best);
            }
        }
        found
    }
    let mut best = 0;
    let found = go(ops, placed, store, &mut HashSet::new(), &mut best);
    (best, found)
}

/// Check a violation's explanation against what its kind claims.
fn assert_explanation_holds(history: &History, p: &PartitionResult, partitioned: bool) {
    let v = p.violation.as_ref().expect("a violation is explained");
    let context = || {
        format!(
            "{:?} (partitioned: {partitioned}) of\n{}",
            v,
            parliament::history::jsonl::write(history)
        )
    };
    let ops = placeable(history, p.key.as_ref().map(|k| &*k.0));
    let local = |index: usize| {
        ops.iter()
            .position(|o| o.0 == index)
            .unwrap_or_else(|| panic!("op {index} is not placeable: {}", context()))
    };
    assert_eq!(v.to_place, ops.len(), "{}", context());
    // The prefix is legal: real-time order and the sequential semantics.
    let mut placed = 0u32;
    let mut store = Store::new();
    for &index in &v.prefix {
        let b = local(index);
        assert!(placed & (1 << b) == 0, "placed twice: {}", context());
        assert!(
            ready(&ops, placed, b),
            "out of real-time order: {}",
            context()
        );
        store = apply(&store, ops[b].1, ops[b].2)
            .unwrap_or_else(|| panic!("illegal prefix step: {}", context()));
        placed |= 1 << b;
    }
    assert!(
        v.overdue.is_some_and(|o| v.stuck.contains(&o)),
        "{}",
        context()
    );
    match v.kind {
        ExplanationKind::LongestPrefix => {
            // Stuck: exactly the ops left invoked before the earliest
            // completion among those left, and none of them fits.
            let left: Vec<usize> = (0..ops.len()).filter(|&b| placed & (1 << b) == 0).collect();
            let earliest = left
                .iter()
                .filter_map(|&b| ops[b].4)
                .min()
                .expect("an op is overdue");
            let mut candidates: Vec<usize> = left
                .iter()
                .filter(|&&b| ops[b].3 <= earliest)
                .map(|&b| ops[b].0)
                .collect();
            candidates.sort();
            let mut stuck = v.stuck.clone();
            stuck.sort();
            assert_eq!(stuck, candidates, "{}", context());
            for &index in &v.stuck {
                let b = local(index);
                assert!(
                    apply(&store, ops[b].1, ops[b].2).is_none(),
                    "stuck op fits: {}",
                    context()
                );
            }
            if !partitioned {
                // No growth pruning: the longest prefix there is.
                let (longest, _) = explore(&ops, 0, &Store::new());
                assert_eq!(v.prefix.len() as u32, longest, "{}", context());
            }
        }
        ExplanationKind::UnplaceableRead => {
            let read = v.unreachable_read.expect("the read is named");
            assert_eq!(v.stuck, vec![read], "{}", context());
            let b = local(read);
            assert!(ops[b].1.action.is_read(), "{}", context());
            assert!(apply(&store, ops[b].1, ops[b].2).is_none(), "{}", context());
            let (_, completes) = explore(&ops, placed, &store);
            assert!(
                !completes,
                "a completion exists after the prefix: {}",
                context()
            );
        }
        ExplanationKind::ImpossibleResult => {
            assert!(v.prefix.is_empty(), "{}", context());
            assert_eq!(v.stuck.len(), 1, "{}", context());
            let op = &history.ops[v.stuck[0]];
            let twice = match op.output() {
                Some(Output::Elements(xs)) => xs.windows(2).any(|w| w[0] == w[1]),
                _ => false,
            };
            assert!(twice, "{}", context());
            assert!(v.reason.as_deref().is_some_and(|r| r.contains("twice")));
        }
    }
}

fn run_model(kind: ModelKind, seed: u64) {
    let mut rng = DetRng::new(seed, 0);
    let options = CheckOptions::default();
    let mut linearizable = 0;
    let mut with_info = 0;
    // Explanations checked, by kind (in declaration order).
    let mut explained = [0usize; 3];
    for i in 0..HISTORIES_PER_MODEL {
        let h = random_history(kind, &mut rng);
        with_info += usize::from(h.ops.iter().any(|o| o.is_indeterminate()));
        let expected = brute_force(&h);
        for partitioned in [true, false] {
            let result = check_history(&h, kind, partitioned, &options).unwrap();
            for p in &result.partitions {
                if p.verdict == Verdict::NotLinearizable {
                    assert_explanation_holds(&h, p, partitioned);
                    explained[p.violation.as_ref().unwrap().kind as usize] += 1;
                }
            }
            let got = result.verdict;
            let want = if expected {
                Verdict::Linearizable
            } else {
                Verdict::NotLinearizable
            };
            assert_eq!(
                got,
                want,
                "history #{i} ({kind}, partitioned: {partitioned}) disagrees:\n{}",
                parliament::history::jsonl::write(&h)
            );
        }
        linearizable += usize::from(expected);
    }
    // The generator must produce both verdicts and indeterminate operations
    // often enough for the comparison to mean something.
    let n = HISTORIES_PER_MODEL;
    assert!(
        linearizable > n / 5 && linearizable < n * 4 / 5,
        "{kind}: {linearizable}/{n} linearizable"
    );
    assert!(
        with_info > n / 5,
        "{kind}: only {with_info} histories with info ops"
    );
    // Every kind of explanation the model can give was checked.
    let [longest, unplaceable, impossible] = explained;
    assert!(longest > 100, "{kind}: {explained:?}");
    match kind {
        ModelKind::Kv | ModelKind::Register | ModelKind::Append => {
            assert!(
                unplaceable > 100 && impossible == 0,
                "{kind}: {explained:?}"
            );
        }
        ModelKind::Set => assert!(
            unplaceable > 100 && impossible > 100,
            "{kind}: {explained:?}"
        ),
    }
}

#[test]
fn register_agrees_with_brute_force() {
    run_model(ModelKind::Register, 11);
}

#[test]
fn kv_agrees_with_brute_force() {
    run_model(ModelKind::Kv, 12);
}

#[test]
fn append_agrees_with_brute_force() {
    run_model(ModelKind::Append, 13);
}

#[test]
fn set_agrees_with_brute_force() {
    run_model(ModelKind::Set, 14);
}
