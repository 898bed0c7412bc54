//! Hand-written histories for each model: linearizable, not linearizable, and
//! cases that hinge on indeterminate (`info`) operations.
//!
//! Each operation is one line: `CLIENT INVOKE-COMPLETE FUNCTION KEY [ARGS] [-> RESULT]`.
//! `COMPLETE` ending in `?` means the client timed out then (`info`), a bare `?`
//! means still open at the end, and `!` means `fail`.

use parliament::check::linearizability::{CheckOptions, Verdict, check_history};
use parliament::history::{
    Action, AppendOp, History, HistoryBuilder, Input, KvOp, ModelKind, Outcome, Output, RegisterOp,
    SetOp,
};
use parliament::ids::{ClientId, RequestId};
use parliament::time::Time;

enum End {
    Ok(u64, Output),
    Info(Option<u64>),
    Fail(u64),
}

fn numbers(s: &str) -> Vec<u64> {
    let inner = s.trim().trim_start_matches('[').trim_end_matches(']');
    inner
        .split(',')
        .filter(|x| !x.trim().is_empty())
        .map(|x| x.trim().parse().unwrap())
        .collect()
}

fn parse_op(kind: ModelKind, line: &str) -> (u32, u64, End, Input) {
    let (call, result) = match line.split_once("->") {
        Some((c, r)) => (c.trim(), Some(r.trim())),
        None => (line.trim(), None),
    };
    let words: Vec<&str> = call.split_whitespace().collect();
    let client: u32 = words[0].parse().unwrap();
    let (from, to) = words[1].split_once('-').unwrap();
    let invoked: u64 = from.parse().unwrap();
    let (f, key, args) = (words[2], words[3], &words[4..]);
    let action = match (kind, f) {
        (ModelKind::Register, "read") => Action::Register(RegisterOp::Read),
        (ModelKind::Register, "write") => {
            Action::Register(RegisterOp::Write(args[0].parse().unwrap()))
        }
        (ModelKind::Register, "cas") => Action::Register(RegisterOp::Cas {
            from: args[0].parse().unwrap(),
            to: args[1].parse().unwrap(),
        }),
        (ModelKind::Kv, "get") => Action::Kv(KvOp::Get),
        (ModelKind::Kv, "put") => Action::Kv(KvOp::Put(args[0].to_string())),
        (ModelKind::Kv, "append") => Action::Kv(KvOp::Append(args[0].to_string())),
        (ModelKind::Append, "append") => Action::Append(AppendOp::Append(args[0].parse().unwrap())),
        (ModelKind::Append, "read") => Action::Append(AppendOp::Read),
        (ModelKind::Set, "add") => Action::Set(SetOp::Add(args[0].parse().unwrap())),
        (ModelKind::Set, "read") => Action::Set(SetOp::Read),
        other => panic!("bad test line {other:?}"),
    };
    let output = match (&action, result) {
        (Action::Register(RegisterOp::Read), Some("nil")) => Output::Register(None),
        (Action::Register(RegisterOp::Read), Some(v)) => Output::Register(Some(v.parse().unwrap())),
        (Action::Register(RegisterOp::Cas { .. }), Some(r)) => Output::Cas {
            applied: r == "applied",
        },
        (Action::Kv(KvOp::Get), Some(s)) => Output::Text(s.trim_matches('"').to_string()),
        (Action::Append(AppendOp::Read), Some(s)) => Output::List(numbers(s)),
        (Action::Set(SetOp::Read), Some(s)) => {
            let mut xs = numbers(s);
            xs.sort();
            Output::Elements(xs)
        }
        _ => Output::Done,
    };
    let end = if to == "?" {
        End::Info(None)
    } else if let Some(t) = to.strip_suffix('?') {
        End::Info(Some(t.parse().unwrap()))
    } else if let Some(t) = to.strip_suffix('!') {
        End::Fail(t.parse().unwrap())
    } else {
        End::Ok(to.parse().unwrap(), output)
    };
    (client, invoked, end, Input::new(key, action))
}

fn history(kind: ModelKind, text: &str) -> History {
    let ops: Vec<_> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| parse_op(kind, l))
        .collect();
    // Events in time order; at equal times invocations first (the order the
    // checker treats as concurrent either way).
    let mut events: Vec<(u64, u8, usize)> = Vec::new();
    for (i, (_, invoked, end, _)) in ops.iter().enumerate() {
        events.push((*invoked, 0, i));
        match end {
            End::Ok(t, _) | End::Fail(t) | End::Info(Some(t)) => events.push((*t, 1, i)),
            End::Info(None) => {}
        }
    }
    events.sort();
    let mut b = HistoryBuilder::new(kind);
    let mut handles = vec![None; ops.len()];
    for (t, phase, i) in events {
        let (client, _, end, input) = &ops[i];
        if phase == 0 {
            handles[i] = Some(
                b.invoke(
                    RequestId(i as u64 + 1),
                    ClientId(*client),
                    Time(t),
                    input.clone(),
                )
                .unwrap(),
            );
        } else {
            let outcome = match end {
                End::Ok(_, out) => Outcome::Ok(out.clone()),
                End::Fail(_) => Outcome::Fail,
                End::Info(_) => Outcome::Info,
            };
            b.complete(handles[i].unwrap(), Time(t), outcome).unwrap();
        }
    }
    b.finish()
}

fn verdict(kind: ModelKind, text: &str) -> Verdict {
    let h = history(kind, text);
    let partitioned = check_history(&h, kind, true, &CheckOptions::default()).unwrap();
    let whole = check_history(&h, kind, false, &CheckOptions::default()).unwrap();
    assert_eq!(
        partitioned.verdict, whole.verdict,
        "partitioning changed the verdict"
    );
    partitioned.verdict
}

use Verdict::{Linearizable as LIN, NotLinearizable as NOT};

#[test]
fn register() {
    let k = ModelKind::Register;
    // Overlapping write and read may see either value.
    assert_eq!(
        verdict(
            k,
            "0 0-10 write x 1\n1 2-5 read x -> nil\n2 3-6 read x -> 1"
        ),
        LIN
    );
    // But once a read saw the new value, a later read cannot see the old one.
    assert_eq!(
        verdict(
            k,
            "0 0-10 write x 1\n1 2-5 read x -> 1\n2 6-7 read x -> nil"
        ),
        NOT
    );
    // A successful CAS needs the value it compares with.
    assert_eq!(
        verdict(
            k,
            "0 0-1 write x 1\n1 2-3 cas x 1 2 -> applied\n2 4-5 read x -> 2"
        ),
        LIN
    );
    assert_eq!(
        verdict(k, "0 0-1 write x 1\n1 2-3 cas x 3 2 -> applied"),
        NOT
    );
    // An old value comes back only if something writes it again (growth
    // pruning treats a register as a state that never grows).
    assert_eq!(
        verdict(k, "0 0-1 write x 1\n0 2-3 write x 2\n1 4-5 read x -> 1"),
        NOT
    );
    assert_eq!(
        verdict(
            k,
            "0 0-1 write x 1\n0 2-3 write x 2\n2 2-6 cas x 2 1 -> applied\n1 4-8 read x -> 1"
        ),
        LIN
    );
    assert_eq!(
        verdict(
            k,
            "0 0-1 write x 1\n0 2-3 write x 2\n2 3-9 write x 1\n1 4-8 read x -> 1\n1 10-11 read x -> 2"
        ),
        NOT
    );
    // Keys are independent: y's history is fine, x's is not.
    assert_eq!(
        verdict(
            k,
            "0 0-1 write y 5\n1 2-3 read y -> 5\n2 0-1 write x 1\n3 2-3 read x -> 2"
        ),
        NOT
    );
}

#[test]
fn register_indeterminate() {
    let k = ModelKind::Register;
    // A timed-out write may land long after the client gave up...
    assert_eq!(
        verdict(
            k,
            "0 0-2? write x 1\n1 5-6 read x -> nil\n1 8-9 read x -> 1"
        ),
        LIN
    );
    // ...or never.
    assert_eq!(verdict(k, "0 0-? write x 1\n1 5-6 read x -> nil"), LIN);
    // A timed-out write of an old value may bring it back, long after.
    assert_eq!(
        verdict(
            k,
            "0 0-1 write x 1\n2 1-2? write x 1\n0 3-4 write x 2\n1 8-9 read x -> 1"
        ),
        LIN
    );
    // But a failed write never happened.
    assert_eq!(verdict(k, "0 0-2! write x 1\n1 5-6 read x -> 1"), NOT);
    // A timed-out CAS takes effect only where its compare holds.
    assert_eq!(
        verdict(k, "0 0-1 write x 1\n1 2-3? cas x 1 7\n2 5-6 read x -> 7"),
        LIN
    );
    assert_eq!(
        verdict(k, "0 0-1 write x 1\n1 2-3? cas x 2 7\n2 5-6 read x -> 7"),
        NOT
    );
}

#[test]
fn kv() {
    let k = ModelKind::Kv;
    assert_eq!(
        verdict(k, "0 0-1 put a x\n1 2-3 append a y\n2 4-5 get a -> \"xy\""),
        LIN
    );
    // Appends are ordered: the result cannot be "yx" when append y began after x was acknowledged.
    assert_eq!(
        verdict(
            k,
            "0 0-1 append a x\n1 2-3 append a y\n2 4-5 get a -> \"yx\""
        ),
        NOT
    );
    // Concurrent appends may land in either order.
    assert_eq!(
        verdict(
            k,
            "0 0-4 append a x\n1 1-3 append a y\n2 5-6 get a -> \"yx\""
        ),
        LIN
    );
    // A key never written reads as the empty string.
    assert_eq!(verdict(k, "0 0-1 get b -> \"\""), LIN);
}

#[test]
fn kv_indeterminate() {
    let k = ModelKind::Kv;
    assert_eq!(
        verdict(
            k,
            "0 0-1? append a x\n1 2-3 get a -> \"\"\n1 4-5 get a -> \"x\""
        ),
        LIN
    );
    // It took effect once only: "xx" is impossible.
    assert_eq!(verdict(k, "0 0-1? append a x\n1 4-5 get a -> \"xx\""), NOT);
}

#[test]
fn append() {
    let k = ModelKind::Append;
    assert_eq!(
        verdict(
            k,
            "0 0-1 append l 1\n1 2-3 append l 2\n2 4-5 read l -> [1,2]"
        ),
        LIN
    );
    assert_eq!(
        verdict(
            k,
            "0 0-1 append l 1\n1 2-3 append l 2\n2 4-5 read l -> [2,1]"
        ),
        NOT
    );
    // A read that lost an acknowledged element (async replication failover).
    assert_eq!(verdict(k, "0 0-1 append l 1\n1 2-3 read l -> []"), NOT);
}

#[test]
fn append_indeterminate() {
    let k = ModelKind::Append;
    // Seed 002's ghost is linearizable: W may be placed after R1.
    assert_eq!(
        verdict(
            k,
            "0 0-5 append l 1\n0 10-30? append l 2\n1 40-45 read l -> [1]\n1 60-65 read l -> [1,2]"
        ),
        LIN
    );
    // Once seen, it cannot vanish again.
    assert_eq!(
        verdict(
            k,
            "0 10-30? append l 2\n1 40-45 read l -> [2]\n1 60-65 read l -> []"
        ),
        NOT
    );
}

#[test]
fn set() {
    let k = ModelKind::Set;
    assert_eq!(
        verdict(k, "0 0-1 add s 1\n1 2-3 add s 2\n2 4-5 read s -> [2,1]"),
        LIN
    );
    assert_eq!(verdict(k, "0 0-1 add s 1\n1 2-3 read s -> [1,2]"), NOT);
    assert_eq!(
        verdict(k, "0 0-10 add s 1\n1 2-3 read s -> []\n2 4-5 read s -> [1]"),
        LIN
    );
    assert_eq!(
        verdict(k, "0 0-10 add s 1\n1 2-3 read s -> [1]\n2 4-5 read s -> []"),
        NOT
    );
    // From Porcupine's set-model tests: a read listing an element twice is a
    // verdict, not bad input; a set never holds an element twice.
    assert_eq!(
        verdict(
            k,
            "0 0-1 add s 100\n0 2-3 add s 110\n1 4-5 read s -> [100,100,110]"
        ),
        NOT
    );
    assert_eq!(
        verdict(
            k,
            "0 0-1? add s 100\n0 2-3? add s 110\n1 4-5 read s -> [100,110,100]"
        ),
        NOT
    );
}

#[test]
fn set_indeterminate() {
    let k = ModelKind::Set;
    assert_eq!(
        verdict(k, "0 0-2? add s 1\n1 3-4 read s -> []\n1 5-6 read s -> [1]"),
        LIN
    );
    assert_eq!(verdict(k, "0 0-2! add s 1\n1 5-6 read s -> [1]"), NOT);
    // Still open at the end: it may already have taken effect.
    assert_eq!(verdict(k, "0 0-? add s 1\n1 1-2 read s -> [1]"), LIN);
    // But not before it was invoked.
    assert_eq!(verdict(k, "1 1-2 read s -> [1]\n0 3-? add s 1"), NOT);
}
