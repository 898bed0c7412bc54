//! A run read back from its trace file, without re-running anything.
//!
//! Checkers read only facts, client invocations and completions, and the run's
//! end; all of them are trace lines. Rebuilding the record from those lines and
//! judging it must give the verdicts of the live run — which is how the tests
//! prove that every fact a checker needs is in the trace.

use crate::engine::{FactRecord, RunRecord, Stats};
use crate::error::InputError;
use crate::fact::Fact;
use crate::scenario::Scenario;
use crate::time::Time;
use crate::trace::{self, EndReason};
use serde_json::{Map, Value};
use std::fmt::Write as _;
use std::path::Path;

/// Reads a trace: its scenario (from the header) and the record of the run.
pub fn read_trace(path: &Path) -> Result<(Scenario, RunRecord), InputError> {
    let source = path.display().to_string();
    let (header, lines) = trace::open(path)?;
    let scenario = Scenario::from_spec(header.scenario, &format!("{source} (header)"))?;
    let mut record = RunRecord {
        stats: Stats::default(),
        end_time: Time::ZERO,
        end_reason: EndReason::Quiescent,
        facts: Vec::new(),
        replies: Vec::new(),
        history: None,
    };
    // Client events, re-written in the history format; `origin[i]` is the trace
    // line of history line i + 2 (after its header), for error messages.
    let mut history_text = String::new();
    let mut origin: Vec<usize> = Vec::new();
    let mut ended = false;
    for (i, line) in lines.enumerate() {
        let line_no = i + 2;
        let err = |msg: String| InputError::new(&source, msg).at_line(line_no);
        let line = line.map_err(|e| err(format!("cannot read: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let value: Value =
            serde_json::from_str(&line).map_err(|e| err(format!("not a JSON object: {e}")))?;
        let Value::Object(map) = value else {
            return Err(err("expected a JSON object".into()));
        };
        let field = |name: &str| -> Result<&Value, InputError> {
            map.get(name)
                .ok_or_else(|| err(format!("missing field {name:?}")).at(name))
        };
        let t = Time(
            field("t")?
                .as_u64()
                .ok_or_else(|| err("expected a time in ticks".into()).at("t"))?,
        );
        let kind = field("kind")?
            .as_str()
            .ok_or_else(|| err("expected a string".into()).at("kind"))?;
        let s = &mut record.stats;
        match kind {
            "send" => s.messages_sent += 1,
            "deliver" => s.messages_delivered += 1,
            "drop" => s.messages_dropped += 1,
            "duplicate" => s.messages_duplicated += 1,
            "timer" => s.timers_fired += 1,
            "fact" => {
                let name = field("node")?.as_str().unwrap_or_default();
                let node = scenario
                    .node_id(name)
                    .ok_or_else(|| err(format!("unknown node {name:?}")).at("node"))?;
                let fact: Fact = serde_json::from_value(Value::Object(map.clone()))
                    .map_err(|e| err(format!("not a fact this parliament knows: {e}")))?;
                record.facts.push(FactRecord { t, node, fact });
            }
            "invoke" | "complete" => {
                history_line(&mut history_text, kind, t, &map).map_err(err)?;
                origin.push(line_no);
            }
            "end" => {
                record.end_time = t;
                record.end_reason = serde_json::from_value(field("reason")?.clone())
                    .map_err(|e| err(e.to_string()).at("reason"))?;
                record.stats.events = field("events")?.as_u64().unwrap_or_default();
                ended = true;
            }
            _ => {}
        }
    }
    if !ended {
        return Err(InputError::new(
            &source,
            "the trace has no end line: the run was interrupted, so its verdicts \
             would be about an unfinished run",
        ));
    }
    if let Some(workload) = &scenario.workload {
        let text = format!(
            "{{\"format\":\"{}\",\"version\":{},\"model\":\"{}\"}}\n{history_text}",
            crate::history::jsonl::FORMAT_NAME,
            crate::history::jsonl::FORMAT_VERSION,
            workload.model.name()
        );
        let history = crate::history::jsonl::parse(&source, &text).map_err(|mut e| {
            e.line = e.line.and_then(|l| origin.get(l.wrapping_sub(2)).copied());
            e
        })?;
        record.history = Some(history);
    }
    Ok((scenario, record))
}

/// Re-writes a trace's `invoke` / `complete` line as a history line.
fn history_line(
    out: &mut String,
    kind: &str,
    t: Time,
    map: &Map<String, Value>,
) -> Result<(), String> {
    let client = map
        .get("client")
        .and_then(Value::as_str)
        .and_then(|c| c.strip_prefix('c'))
        .and_then(|n| n.parse::<u32>().ok())
        .ok_or("expected a client named c1, c2, ...")?;
    let request = map
        .get("request")
        .and_then(Value::as_u64)
        .ok_or("expected a request id")?;
    let mut line = Map::new();
    if kind == "invoke" {
        line.insert("event".into(), "invoke".into());
        for field in ["f", "key", "value", "from", "to"] {
            if let Some(v) = map.get(field) {
                line.insert(field.into(), v.clone());
            }
        }
    } else {
        let outcome = map
            .get("outcome")
            .and_then(Value::as_str)
            .ok_or("expected an outcome")?;
        line.insert("event".into(), outcome.into());
        match map.get("value") {
            // A compare-and-set's answer is written {"applied": b} in traces.
            Some(Value::Object(o)) => {
                if let Some(applied) = o.get("applied") {
                    line.insert("applied".into(), applied.clone());
                }
            }
            Some(v) => {
                line.insert("value".into(), v.clone());
            }
            None => {}
        }
    }
    line.insert("id".into(), request.into());
    line.insert("client".into(), client.into());
    line.insert("time".into(), t.0.into());
    let _ = writeln!(out, "{}", Value::Object(line));
    Ok(())
}
