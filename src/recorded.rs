//! A run read back from its trace file, without re-running anything.
//!
//! Checkers read only facts, client invocations and completions, and the run's
//! end; all of them are trace lines. Rebuilding the record from the typed
//! trace records and judging it must give the verdicts of the live run — which
//! is how the tests prove that every fact a checker needs is in the trace.
//!
//! The trace is read as a stream: lines are hashed as they go by and only what
//! a check reads is kept. A trace that cannot have been written by a run is
//! refused with the line that shows it: a sequence number out of order or
//! repeated, an unknown kind of line, a line after the `end` line, a node or
//! client the scenario does not have.

use crate::engine::{RunRecord, Stats};
use crate::error::InputError;
use crate::fact::FactRecord;
use crate::history::{HistoryBuilder, Outcome};
use crate::ids::ClientId;
use crate::scenario::Scenario;
use crate::time::Time;
use crate::trace::{self, CompletionWord, Header, Record, RecordedEvent};
use serde_json::{Map, Value};
use std::path::Path;

/// What reading a trace yields.
pub struct ReadTrace {
    pub header: Header,
    pub scenario: Scenario,
    pub record: RunRecord,
    /// The SHA-256 (hex) of the whole file.
    pub sha256: String,
}

/// Reads a trace (`-`: standard input): its scenario (from the header) and
/// the record of the run.
pub fn read_trace(path: &Path) -> Result<ReadTrace, InputError> {
    let source = path.display().to_string();
    let (header, mut lines) = trace::open(path)?;
    let scenario = header.scenario(&source)?;
    let mut record = RunRecord {
        stats: Stats::default(),
        end_time: Time::ZERO,
        end_reason: trace::EndReason::Quiescent,
        facts: Vec::new(),
        history: None,
        memory_overrun: None,
    };
    let mut history = scenario
        .workload
        .as_ref()
        .map(|w| HistoryBuilder::new(w.model));
    let kept_facts = scenario.kept_facts();
    let mut ended = false;
    let mut expected_seq = 0u64;
    let mut last_t = Time::ZERO;
    loop {
        let line = match lines.next_line() {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(e) => {
                return Err(InputError::new(&source, format!("cannot read: {e}"))
                    .at_line(lines.line_no + 1));
            }
        };
        let line_no = lines.line_no;
        let err = |msg: String| InputError::new(&source, msg).at_line(line_no);
        if line.trim().is_empty() {
            continue;
        }
        if ended {
            return Err(err(
                "a line after the end line: a run writes nothing after it ends".into(),
            ));
        }
        // Most lines (messages, timers, disk writes) only count: read their
        // time, number and kind, and parse in full only what a check reads.
        if let Ok(head) = serde_json::from_str::<LineHead<'_>>(&line)
            && let Some(count) = counted_only(&head.kind)
        {
            check_order(head.seq, head.t, &mut expected_seq, &mut last_t)
                .map_err(|(at, msg)| err(msg).at(at))?;
            let s = &mut record.stats;
            match count {
                Count::Sent => s.messages_sent += 1,
                Count::Delivered => s.messages_delivered += 1,
                Count::Dropped => s.messages_dropped += 1,
                Count::Duplicated => s.messages_duplicated += 1,
                Count::TimerFired => s.timers_fired += 1,
                Count::Nothing => {}
            }
            continue;
        }
        let rec: Record = serde_json::from_str(&line)
            .map_err(|e| err(format!("not a trace line this parliament knows: {e}")))?;
        check_order(rec.seq, rec.t, &mut expected_seq, &mut last_t)
            .map_err(|(at, msg)| err(msg).at(at))?;
        let node = |name: &str| {
            scenario.node_id(name).ok_or_else(|| {
                err(format!(
                    "unknown node {name:?}: the scenario has no such node"
                ))
                .at("node")
            })
        };
        let s = &mut record.stats;
        match rec.event {
            RecordedEvent::Send { .. } => s.messages_sent += 1,
            RecordedEvent::Deliver { .. } => s.messages_delivered += 1,
            RecordedEvent::Drop { .. } => s.messages_dropped += 1,
            RecordedEvent::Duplicate { .. } => s.messages_duplicated += 1,
            RecordedEvent::Timer { .. } => s.timers_fired += 1,
            RecordedEvent::Fact { node: name, fact } => {
                let node = node(&name)?;
                if kept_facts.contains(fact.kind()) {
                    record.facts.push(FactRecord {
                        t: rec.t,
                        node,
                        fact,
                    });
                }
            }
            RecordedEvent::Invoke {
                client,
                request,
                op,
            } => {
                let (builder, client) = client_line(&mut history, &client, &err)?;
                let input = crate::history::jsonl::input_of(&source, line_no, op, builder.kind())?;
                builder
                    .invoke(request, client, rec.t, input)
                    .map_err(|e| err(e.to_string()))?;
            }
            RecordedEvent::Complete {
                client,
                request,
                outcome,
                value,
            } => {
                let (builder, client) = client_line(&mut history, &client, &err)?;
                let outcome = match outcome {
                    CompletionWord::Fail => Outcome::Fail,
                    CompletionWord::Info => Outcome::Info,
                    CompletionWord::Ok => {
                        let op = builder.find(request).ok_or_else(|| {
                            err(format!("completes {request}, which was never invoked"))
                        })?;
                        let action = builder.op(op).input.action.clone();
                        // A compare-and-set's answer is written {"applied": b}.
                        let fields: Map<String, Value> = match value {
                            Some(Value::Object(o)) => o,
                            Some(v) => Map::from_iter([("value".to_string(), v)]),
                            None => Map::new(),
                        };
                        Outcome::Ok(crate::history::jsonl::output_of(
                            &source, line_no, fields, &action,
                        )?)
                    }
                };
                builder
                    .complete_id(request, Some(client), rec.t, outcome)
                    .map_err(|e| err(e.to_string()))?;
            }
            RecordedEvent::End { reason, events } => {
                record.end_time = rec.t;
                record.end_reason = reason;
                record.stats.events = events;
                ended = true;
            }
            RecordedEvent::Request { .. }
            | RecordedEvent::Persist { .. }
            | RecordedEvent::Reply { .. }
            | RecordedEvent::Crash { .. }
            | RecordedEvent::Restart { .. }
            | RecordedEvent::Pause { .. }
            | RecordedEvent::Resume { .. }
            | RecordedEvent::Partition { .. }
            | RecordedEvent::Cut { .. }
            | RecordedEvent::Heal => {}
        }
    }
    if !ended {
        return Err(InputError::new(
            &source,
            "the trace has no end line: the run was interrupted, so its verdicts \
             would be about an unfinished run",
        ));
    }
    record.history = history.map(HistoryBuilder::finish);
    Ok(ReadTrace {
        header,
        scenario,
        record,
        sha256: lines.sha256(),
    })
}

/// The first fields of a trace line: enough for lines that only count.
#[derive(serde::Deserialize)]
struct LineHead<'a> {
    t: Time,
    seq: u64,
    #[serde(borrow)]
    kind: std::borrow::Cow<'a, str>,
}

/// What a line that only counts adds to the run's counters.
enum Count {
    Sent,
    Delivered,
    Dropped,
    Duplicated,
    TimerFired,
    Nothing,
}

/// The counter of a kind of line no check reads; `None` for the kinds a
/// check reads (and for unknown kinds, which the full parse refuses).
fn counted_only(kind: &str) -> Option<Count> {
    Some(match kind {
        "send" => Count::Sent,
        "deliver" => Count::Delivered,
        "drop" => Count::Dropped,
        "duplicate" => Count::Duplicated,
        "timer" => Count::TimerFired,
        "request" | "persist" | "reply" | "crash" | "restart" | "partition" | "cut" | "heal" => {
            Count::Nothing
        }
        _ => return None,
    })
}

/// Lines come numbered 0, 1, 2, ... and never go back in time; an error
/// is the field and what is wrong with it.
fn check_order(
    seq: u64,
    t: Time,
    expected_seq: &mut u64,
    last_t: &mut Time,
) -> Result<(), (&'static str, String)> {
    if seq != *expected_seq {
        return Err((
            "seq",
            format!(
                "sequence number {seq} where {expected_seq} was due: lines are missing, \
                 repeated or out of order"
            ),
        ));
    }
    if t < *last_t {
        return Err((
            "t",
            format!("time {t} is before the previous line's {last_t}: time never runs backwards"),
        ));
    }
    *expected_seq += 1;
    *last_t = t;
    Ok(())
}

/// The history a client line goes into, and its client (`c3` → client 3).
fn client_line<'h>(
    history: &'h mut Option<HistoryBuilder>,
    name: &str,
    err: &dyn Fn(String) -> InputError,
) -> Result<(&'h mut HistoryBuilder, ClientId), InputError> {
    let Some(builder) = history.as_mut() else {
        return Err(err("a client line, but the scenario has no workload".into()));
    };
    let client = name
        .strip_prefix('c')
        .and_then(|n| n.parse().ok())
        .map(ClientId)
        .ok_or_else(|| err("expected a client named c1, c2, ...".into()).at("client"))?;
    Ok((builder, client))
}
