//! Jepsen's text logs of etcd (the `porcupine-etcd` format): one compare-and-set
//! register, one event per line:
//!
//! ```text
//! INFO  jepsen.util - 2    :invoke    :cas    [3 0]
//! INFO  jepsen.util - 2    :ok    :cas    [3 0]
//! INFO  jepsen.util - 4    :info    :write    :timed-out
//! ```
//!
//! (TABs between the last four fields in most files, runs of spaces in some:
//! fields are split on any whitespace.)
//!
//! How the lines are read (the reading that fixes upstream's verdicts):
//! - `:fail :cas [a b]` is an answered CAS whose compare failed: `ok` with
//!   `applied: false`, so the register must not hold `a` where it is placed.
//! - `:fail :read :timed-out` is a read that observed nothing: `fail`, which the
//!   checker drops (a read with no value constrains nothing).
//! - `:info ...` is indeterminate.
//!
//! The log has no times; an event's time is its line number, and an operation's
//! id is the line number of its invocation, so messages point into the file.

use super::{Action, History, HistoryBuilder, Input, ModelKind, Outcome, Output, RegisterOp};
use crate::error::InputError;
use crate::ids::{ClientId, RequestId};
use crate::time::Time;

/// The key the one etcd register is reported under.
pub const KEY: &str = "x";

pub fn parse(source: &str, text: &str) -> Result<History, InputError> {
    super::format::line_by_line(source, text, ModelKind::Register, parse_line)
}

fn parse_line(builder: &mut HistoryBuilder, raw: &str, line_no: usize) -> Result<(), String> {
    let tokens: Vec<&str> = raw.split_whitespace().collect();
    if tokens.len() < 6 || tokens[0] != "INFO" || tokens[1] != "jepsen.util" || tokens[2] != "-" {
        return Err(
            "expected `INFO  jepsen.util - <process> <:invoke|:ok|:fail|:info> <:read|:write|:cas> <value>`"
                .to_string(),
        );
    }
    let process: u32 = tokens[3].parse().map_err(|_| {
        format!(
            "expected a process number (0 to {}), found {:?}",
            u32::MAX,
            tokens[3]
        )
    })?;
    let client = ClientId(process);
    let kind = tokens[4];
    let f = tokens[5];
    if !matches!(kind, ":invoke" | ":ok" | ":fail" | ":info") {
        return Err(format!(
            "unknown event type {kind:?}; expected :invoke, :ok, :fail or :info"
        ));
    }
    let value = tokens[6..].join(" ");
    let time = Time(line_no as u64);
    if kind == ":invoke" {
        let action = match f {
            ":read" => RegisterOp::Read,
            ":write" => RegisterOp::Write(parse_int(&value)?),
            ":cas" => {
                let (from, to) = parse_pair(&value)?;
                RegisterOp::Cas { from, to }
            }
            other => return Err(format!("expected :read, :write or :cas, found {other:?}")),
        };
        let input = Input::new(KEY, Action::Register(action));
        builder
            .invoke(RequestId(line_no as u64), client, time, input)
            .map_err(|e| e.to_string())?;
        return Ok(());
    }
    let op = builder
        .open_op(client)
        .ok_or_else(|| format!("{kind} {f} of process {process}, which has no operation open"))?;
    let invoked_f = builder.op(op).input.action.function();
    if f.strip_prefix(':') != Some(invoked_f) {
        return Err(format!(
            "process {process} completes {f} but invoked :{invoked_f}"
        ));
    }
    let action = builder.op(op).input.action.clone();
    let outcome = match (kind, &action) {
        (":info", _) => Outcome::Info,
        (":ok", Action::Register(RegisterOp::Read)) => {
            Outcome::Ok(Output::Register(if value == "nil" {
                None
            } else {
                Some(parse_int(&value)?)
            }))
        }
        (":ok", Action::Register(RegisterOp::Write(_))) => Outcome::Ok(Output::Done),
        (":ok" | ":fail", Action::Register(RegisterOp::Cas { from, to })) => {
            if parse_pair(&value)? != (*from, *to) {
                return Err(format!(
                    "CAS answer {value} does not match the invoked [{from} {to}]"
                ));
            }
            Outcome::Ok(Output::Cas {
                applied: kind == ":ok",
            })
        }
        (":fail", _) => Outcome::Fail,
        (other, _) => unreachable!("event type {other} was checked above"),
    };
    builder
        .complete(op, time, outcome)
        .map_err(|e| e.to_string())
}

fn parse_int(s: &str) -> Result<i64, String> {
    s.parse().map_err(|_| {
        let digits = s.strip_prefix('-').unwrap_or(s);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            format!(
                "integer {s} is out of range: values run from {} to {}",
                i64::MIN,
                i64::MAX
            )
        } else {
            format!("expected an integer value, found {s:?}")
        }
    })
}

/// `[a b]`
fn parse_pair(s: &str) -> Result<(i64, i64), String> {
    let inner = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .ok_or_else(|| format!("expected `[from to]`, found {s:?}"))?;
    let mut parts = inner.split_whitespace();
    match (parts.next(), parts.next(), parts.next()) {
        (Some(a), Some(b), None) => Ok((parse_int(a)?, parse_int(b)?)),
        _ => Err(format!("expected `[from to]`, found {s:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Completion;

    #[test]
    fn reads_every_line_form() {
        let text = "INFO  jepsen.util - 2\t:invoke\t:cas\t[3 0]\n\
                    INFO  jepsen.util - 1\t:invoke\t:read\tnil\n\
                    INFO  jepsen.util - 2\t:fail\t:cas\t[3 0]\n\
                    INFO  jepsen.util - 1\t:ok\t:read\tnil\n\
                    INFO  jepsen.util - 4   :invoke  :write  3\n\
                    INFO  jepsen.util - 4\t:info\t:write\t:timed-out\n\
                    INFO  jepsen.util - 1\t:invoke\t:read\tnil\n\
                    INFO  jepsen.util - 1\t:fail\t:read\t:timed-out\n";
        let h = parse("t.log", text).unwrap();
        assert_eq!(h.ops.len(), 4);
        assert_eq!(
            h.ops[0].completion,
            Completion::Ok {
                at: Time(3),
                output: Output::Cas { applied: false }
            }
        );
        assert_eq!(h.ops[0].id, RequestId(1));
        assert_eq!(h.ops[1].output(), Some(&Output::Register(None)));
        assert_eq!(h.ops[2].completion, Completion::Info { at: Some(Time(6)) });
        assert_eq!(h.ops[3].completion, Completion::Fail { at: Time(8) });
    }

    #[test]
    fn unknown_event_types_and_out_of_range_values_are_named() {
        let e = parse("t.log", "INFO  jepsen.util - 2\t:invokx\t:read\tnil\n").unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.message.contains("unknown event type \":invokx\""), "{e}");
        let e = parse(
            "t.log",
            "INFO  jepsen.util - 2\t:invoke\t:write\t9223372036854775808\n",
        )
        .unwrap_err();
        assert!(e.message.contains("out of range"), "{e}");
        assert!(e.message.contains("9223372036854775807"), "{e}");
    }

    #[test]
    fn rejects_completion_without_invocation() {
        let e = parse("t.log", "INFO  jepsen.util - 2\t:ok\t:read\t3\n").unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.message.contains("no operation open"), "{e}");
    }
}
