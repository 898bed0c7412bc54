//! The English event log `parliament run` prints: one line per event.
//!
//! [`describe`] words one trace event; the interaction harness and step mode
//! print the same lines. A few things a node does are not trace events (arming
//! and cancelling a timer, time passing between hand-driven steps); the lines
//! for them are here too, so every reader of a node sees one vocabulary.

use crate::fact::Fact;
use crate::net::DropReason;
use crate::op::{Op, Reply};
use crate::time::Time;
use crate::trace::Event;
use serde::Serialize;
use std::fmt::Display;

/// A human-readable line for an event (the `run` log).
pub fn describe<M: Display, T: Serialize, W: Serialize>(ev: &Event<'_, M, T, W>) -> String {
    match ev {
        Event::Request {
            node,
            client,
            request,
            op,
            node_down,
        } => {
            let op = match op {
                Op::Propose(v) => format!("propose {v}"),
                Op::Data(input) => input.to_string(),
                Op::Transfer(t) => t.to_string(),
            };
            let from = client.map(|c| format!(" from {c}")).unwrap_or_default();
            if *node_down {
                format!("{node:<4} request {request}{from}: {op} — lost, node is down")
            } else {
                format!("{node:<4} request {request}{from}: {op}")
            }
        }
        Event::Invoke {
            client,
            request,
            op,
        } => format!("{client:<4} invokes {request}: {op}"),
        Event::Complete {
            client,
            request,
            outcome,
            value,
        } => match value {
            Some(v) => format!("{client:<4} completes {request}: {outcome} {v}"),
            None if *outcome == "info" => {
                format!("{client:<4} gives up on {request}: info (outcome unknown)")
            }
            None => format!("{client:<4} completes {request}: {outcome}"),
        },
        Event::Send { mid, from, to, msg } => format!("{from:<4} → {to:<4} {msg}  [{mid}]"),
        Event::Duplicate { mid, copy } => format!("     network duplicates {mid} as {copy}"),
        Event::Deliver { mid, from, to, msg } => format!("{to:<4} ← {from:<4} {msg}  [{mid}]"),
        Event::Drop {
            mid,
            from,
            to,
            reason,
            msg,
        } => {
            let why = match reason {
                DropReason::Loss => "lost",
                DropReason::Partition => "dropped by a partition",
                DropReason::Filter => "dropped by a filter",
                DropReason::Crashed => "dropped: destination is down",
            };
            format!("{from:<4} ✗ {to:<4} {msg}  [{mid}] {why}")
        }
        Event::Timer { node, timer } => format!("{node:<4} timer {} fires", timer_label(*timer)),
        Event::Persist { node, write } => format!(
            "{node:<4} persists {}",
            serde_json::to_string(write).unwrap_or_default()
        ),
        Event::Fact { node, fact } => format!("{node:<4} ★ {}", describe_fact(fact)),
        Event::Reply {
            node,
            request,
            reply,
        } => match reply {
            Reply::Chosen(v) => format!("{node:<4} answers {request}: chosen {v}"),
            Reply::Ok(crate::history::Output::Done) => format!("{node:<4} answers {request}: ok"),
            Reply::Ok(output) => format!("{node:<4} answers {request}: ok {output}"),
            Reply::Fail { reason, .. } => format!("{node:<4} answers {request}: failed ({reason})"),
            Reply::Decided { commit } => format!(
                "{node:<4} answers {request}: {}",
                if *commit { "committed" } else { "aborted" }
            ),
        },
        Event::Crash { node } => format!("{node:<4} ☠ crashes"),
        Event::Restart { node } => format!("{node:<4} ↻ restarts from its disk"),
        Event::Pause { node } => format!("{node:<4} ⏸ pauses (handles nothing until it resumes)"),
        Event::Resume { node } => format!("{node:<4} ▶ resumes, handling what waited"),
        Event::Partition { groups } => {
            let g: Vec<String> = groups
                .iter()
                .map(|g| format!("{{{}}}", g.join(", ")))
                .collect();
            format!("network partitioned: {}", g.join(" | "))
        }
        Event::Cut { from, to } => {
            format!("network cut: {} ↛ {}", from.join(", "), to.join(", "))
        }
        Event::Heal => "network healed".to_string(),
        Event::End { reason, events } => {
            format!("end of run ({}, {events} events)", reason.as_str())
        }
    }
}

/// A node armed (or re-armed) a timer that fires at `at`.
pub fn timer_set<T: Serialize>(node: &str, timer: &T, at: Time) -> String {
    format!(
        "{node:<4} sets timer {} to fire at {at}",
        timer_label(timer)
    )
}

/// A node cancelled a timer.
pub fn timer_cancelled<T: Serialize>(node: &str, timer: &T) -> String {
    format!("{node:<4} cancels timer {}", timer_label(timer))
}

/// A timer as diagrams and narration name it: `Election`, `Votes(0)`.
fn timer_label<T: Serialize + ?Sized>(timer: &T) -> String {
    crate::payload::Payload::of(timer).label()
}

/// The clock moved from `from` to `to` before the next event.
pub fn time_passes(from: Time, to: Time) -> String {
    format!("     time passes: {from} → {to}")
}

/// Terms of consecutive log entries, runs shortened: `[1, 1, 4×3]`.
pub fn epoch_list(epochs: &[u64]) -> String {
    let mut runs: Vec<(u64, usize)> = Vec::new();
    for &e in epochs {
        match runs.last_mut() {
            Some((last, n)) if *last == e => *n += 1,
            _ => runs.push((e, 1)),
        }
    }
    let shown: Vec<String> = runs
        .iter()
        .map(|&(e, n)| match n {
            1 => e.to_string(),
            2 => format!("{e} {e}"),
            _ => format!("{e}×{n}"),
        })
        .collect();
    format!("[{}]", shown.join(" "))
}

pub fn describe_fact(fact: &Fact) -> String {
    match fact {
        Fact::Promised { ballot } => format!("promised {ballot}"),
        Fact::Accepted { ballot, value } => format!("accepted ({ballot}, {value})"),
        Fact::Proposed {
            ballot,
            value,
            adopted: true,
        } => format!("proposes ({ballot}, {value}), adopting the reported value"),
        Fact::Proposed { ballot, value, .. } => format!("proposes ({ballot}, {value})"),
        Fact::Learned { value } => format!("learned {value}"),
        Fact::Leading { epoch } => format!("leads epoch {epoch}"),
        Fact::Stored { request, epoch } => format!("stores {request} in epoch {epoch}"),
        Fact::Served { request, epoch } => format!("serves read {request} in epoch {epoch}"),
        Fact::Committed {
            index,
            epoch,
            command,
        } => format!("commits #{index} (epoch {epoch}): {command}"),
        Fact::Applied {
            index,
            epoch,
            command,
            ..
        } => format!("applies #{index} (epoch {epoch}): {command}"),
        Fact::Appended {
            index,
            prev_epoch,
            epochs,
        } => format!(
            "holds from #{index} terms {} (after term {prev_epoch})",
            epoch_list(epochs)
        ),
        Fact::SnapshotInstalled { index, epoch } => {
            format!("installs a snapshot up to #{index} (epoch {epoch})")
        }
        Fact::Opened { account, balance } => format!("opens account {account} with {balance}"),
        Fact::TxBegun { tx, participants } => {
            format!("begins {tx} with {} participants", participants.len())
        }
        Fact::Voted {
            tx,
            yes: true,
            delta,
            ..
        } => format!("votes Yes on {tx}: prepared (change {delta:+}), accounts locked"),
        Fact::Voted { tx, reason, .. } => format!(
            "votes No on {tx} ({})",
            reason.as_deref().unwrap_or("no reason given")
        ),
        Fact::Decided { tx, commit } => {
            format!("decides {}: {tx}", if *commit { "COMMIT" } else { "ABORT" })
        }
        Fact::TxCommitted { tx, delta } => format!("commits {tx} (change {delta:+}), unlocks"),
        Fact::TxAborted { tx } => format!("rolls back {tx}, unlocks"),
        Fact::Blocked { tx } => format!("is blocked on {tx}: prepared, uncertain, holding locks"),
        Fact::Answered { tx, commit } => format!(
            "tells the client {tx} {}",
            if *commit { "committed" } else { "aborted" }
        ),
    }
}
