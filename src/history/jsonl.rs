//! The project's own history format: JSON Lines, one event per line, after a
//! header line that names the model. Described with an example in
//! docs/history-format.md.

use super::{
    Action, AppendOp, Completion, EventRef, History, HistoryBuilder, Input, Key, KvOp, ModelKind,
    Outcome, Output, RegisterOp, SetOp,
};
use crate::error::InputError;
use crate::ids::{ClientId, RequestId};
use crate::time::Time;
use serde_json::{Map, Value};
use std::fmt::Write as _;

/// The value of the header's `format` field.
pub const FORMAT_NAME: &str = "parliament-history";
pub const FORMAT_VERSION: u64 = 1;

/// Parse a history in the JSON Lines format. `source` names the input in errors.
pub fn parse(source: &str, text: &str) -> Result<History, InputError> {
    let mut builder: Option<HistoryBuilder> = None;
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let fields = Fields::parse(source, line_no, raw)?;
        match builder.as_mut() {
            None => builder = Some(fields.header()?),
            Some(b) => fields.event(b)?,
        }
    }
    match builder {
        Some(b) => Ok(b.finish()),
        None => Err(InputError::new(
            source,
            format!(
                "the history is empty: expected a header line such as \
                 {{\"format\":\"{FORMAT_NAME}\",\"version\":{FORMAT_VERSION},\"model\":\"register\"}} \
                 and then events"
            ),
        )),
    }
}

/// One line's JSON object, with the location to blame in errors.
struct Fields<'a> {
    source: &'a str,
    line: usize,
    map: Map<String, Value>,
}

impl<'a> Fields<'a> {
    fn parse(source: &'a str, line: usize, raw: &str) -> Result<Fields<'a>, InputError> {
        let value: Value = serde_json::from_str(raw).map_err(|e| {
            // serde_json appends " at line L column C"; the location is ours to give.
            let text = e.to_string();
            let what = text
                .rsplit_once(" at line ")
                .map_or(text.as_str(), |(w, _)| w);
            InputError::new(source, format!("not valid JSON: {what}"))
                .at_line_column(line, e.column().max(1))
        })?;
        match value {
            Value::Object(map) => Ok(Fields { source, line, map }),
            other => Err(InputError::new(
                source,
                format!("expected a JSON object, found {}", json_type(&other)),
            )
            .at_line(line)),
        }
    }

    fn error(&self, field: &str, message: impl Into<String>) -> InputError {
        let e = InputError::new(self.source, message).at_line(self.line);
        if field.is_empty() { e } else { e.at(field) }
    }

    fn only(&self, allowed: &[&str]) -> Result<(), InputError> {
        // Map iteration is sorted (serde_json without preserve_order), so the
        // reported field is the same every time.
        match self.map.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => Err(self.error(
                k,
                format!("unknown field; expected one of: {}", allowed.join(", ")),
            )),
            None => Ok(()),
        }
    }

    fn get(&self, field: &str) -> Result<&Value, InputError> {
        self.map
            .get(field)
            .ok_or_else(|| self.error(field, "missing field"))
    }

    fn str(&self, field: &str) -> Result<&str, InputError> {
        match self.get(field)? {
            Value::String(s) => Ok(s),
            other => Err(self.error(
                field,
                format!("expected a string, found {}", json_type(other)),
            )),
        }
    }

    fn u64(&self, field: &str) -> Result<u64, InputError> {
        let v = self.get(field)?;
        v.as_u64()
            .ok_or_else(|| self.error(field, not_an_integer(v, U64_RANGE)))
    }

    fn u32(&self, field: &str) -> Result<u32, InputError> {
        let n = self.u64(field)?;
        u32::try_from(n).map_err(|_| self.error(field, format!("{n} is too large for a client id")))
    }

    fn i64(&self, field: &str) -> Result<i64, InputError> {
        let v = self.get(field)?;
        v.as_i64()
            .ok_or_else(|| self.error(field, not_an_integer(v, I64_RANGE)))
    }

    fn u64_list(&self, field: &str) -> Result<Vec<u64>, InputError> {
        let v = self.get(field)?;
        let items = v.as_array().ok_or_else(|| {
            self.error(
                field,
                format!(
                    "expected a list of non-negative integers, found {}",
                    json_type(v)
                ),
            )
        })?;
        items
            .iter()
            .enumerate()
            .map(|(i, x)| {
                x.as_u64().ok_or_else(|| {
                    self.error(&format!("{field}[{i}]"), not_an_integer(x, U64_RANGE))
                })
            })
            .collect()
    }

    fn header(&self) -> Result<HistoryBuilder, InputError> {
        if !self.map.contains_key("format") {
            return Err(self.error(
                "",
                format!(
                    "expected the header line first, such as \
                     {{\"format\":\"{FORMAT_NAME}\",\"version\":{FORMAT_VERSION},\"model\":\"append\"}}"
                ),
            ));
        }
        self.only(&["format", "version", "model"])?;
        let format = self.str("format")?;
        if format != FORMAT_NAME {
            return Err(self.error(
                "format",
                format!("expected \"{FORMAT_NAME}\", found {format:?}"),
            ));
        }
        let version = self.u64("version")?;
        if version != FORMAT_VERSION {
            return Err(self.error(
                "version",
                format!("this program reads version {FORMAT_VERSION}, found {version}"),
            ));
        }
        let name = self.str("model")?;
        let kind = ModelKind::from_name(name).ok_or_else(|| {
            self.error(
                "model",
                format!("unknown model {name:?}; expected one of: register, kv, append, set"),
            )
        })?;
        Ok(HistoryBuilder::new(kind))
    }

    fn event(&self, builder: &mut HistoryBuilder) -> Result<(), InputError> {
        let event = self.str("event")?;
        let id = RequestId(self.u64("id")?);
        let time = Time(self.u64("time")?);
        let located = |e: super::HistoryError| self.error("", e.to_string());
        match event {
            "invoke" => {
                let client = ClientId(self.u32("client")?);
                let input = self.input(builder.kind())?;
                builder
                    .invoke(id, client, time, input)
                    .map_err(|e| match e {
                        super::HistoryError::DuplicateElement { .. } => {
                            self.error("value", e.to_string())
                        }
                        other => located(other),
                    })?;
            }
            "ok" | "fail" | "info" => {
                let client = match self.map.get("client") {
                    Some(_) => Some(ClientId(self.u32("client")?)),
                    None => None,
                };
                let outcome = match event {
                    "ok" => {
                        let index = builder
                            .find(id)
                            .ok_or_else(|| located(super::HistoryError::UnknownId(id)))?;
                        let action = builder.op(index).input.action.clone();
                        Outcome::Ok(self.output(&action)?)
                    }
                    "fail" => {
                        self.only(&["event", "id", "client", "time"])?;
                        Outcome::Fail
                    }
                    _ => {
                        self.only(&["event", "id", "client", "time"])?;
                        Outcome::Info
                    }
                };
                builder
                    .complete_id(id, client, time, outcome)
                    .map_err(located)?;
            }
            other => {
                return Err(self.error(
                    "event",
                    format!("expected \"invoke\", \"ok\", \"fail\" or \"info\", found {other:?}"),
                ));
            }
        }
        Ok(())
    }

    fn input(&self, kind: ModelKind) -> Result<Input, InputError> {
        let key = Key::new(self.str("key")?);
        let f = self.str("f")?;
        const BASE: [&str; 6] = ["event", "id", "client", "time", "f", "key"];
        fn with(extra: &[&'static str]) -> Vec<&'static str> {
            BASE.iter().chain(extra).copied().collect()
        }
        let action = match (kind, f) {
            (ModelKind::Register, "read") => {
                self.only(&BASE)?;
                Action::Register(RegisterOp::Read)
            }
            (ModelKind::Register, "write") => {
                self.only(&with(&["value"]))?;
                Action::Register(RegisterOp::Write(self.i64("value")?))
            }
            (ModelKind::Register, "cas") => {
                self.only(&with(&["from", "to"]))?;
                Action::Register(RegisterOp::Cas {
                    from: self.i64("from")?,
                    to: self.i64("to")?,
                })
            }
            (ModelKind::Kv, "get") => {
                self.only(&BASE)?;
                Action::Kv(KvOp::Get)
            }
            (ModelKind::Kv, "put") => {
                self.only(&with(&["value"]))?;
                Action::Kv(KvOp::Put(self.str("value")?.to_string()))
            }
            (ModelKind::Kv, "append") => {
                self.only(&with(&["value"]))?;
                Action::Kv(KvOp::Append(self.str("value")?.to_string()))
            }
            (ModelKind::Append, "append") => {
                self.only(&with(&["value"]))?;
                Action::Append(AppendOp::Append(self.u64("value")?))
            }
            (ModelKind::Append, "read") => {
                self.only(&BASE)?;
                Action::Append(AppendOp::Read)
            }
            (ModelKind::Set, "add") => {
                self.only(&with(&["value"]))?;
                Action::Set(SetOp::Add(self.u64("value")?))
            }
            (ModelKind::Set, "read") => {
                self.only(&BASE)?;
                Action::Set(SetOp::Read)
            }
            (kind, f) => {
                let expected = match kind {
                    ModelKind::Register => "\"read\", \"write\" or \"cas\"",
                    ModelKind::Kv => "\"get\", \"put\" or \"append\"",
                    ModelKind::Append => "\"append\" or \"read\"",
                    ModelKind::Set => "\"add\" or \"read\"",
                };
                return Err(self.error(
                    "f",
                    format!("a {kind} history has functions {expected}, found {f:?}"),
                ));
            }
        };
        Ok(Input { key, action })
    }

    fn output(&self, action: &Action) -> Result<Output, InputError> {
        const BASE: [&str; 4] = ["event", "id", "client", "time"];
        fn with(extra: &'static str) -> Vec<&'static str> {
            BASE.iter().copied().chain([extra]).collect()
        }
        Ok(match action {
            Action::Register(RegisterOp::Read) => {
                self.only(&with("value"))?;
                match self.get("value")? {
                    Value::Null => Output::Register(None),
                    _ => Output::Register(Some(self.i64("value")?)),
                }
            }
            Action::Register(RegisterOp::Cas { .. }) => {
                self.only(&with("applied"))?;
                match self.get("applied")? {
                    Value::Bool(applied) => Output::Cas { applied: *applied },
                    other => {
                        return Err(self.error(
                            "applied",
                            format!("expected true or false, found {}", json_type(other)),
                        ));
                    }
                }
            }
            Action::Kv(KvOp::Get) => {
                self.only(&with("value"))?;
                Output::Text(self.str("value")?.to_string())
            }
            Action::Append(AppendOp::Read) => {
                self.only(&with("value"))?;
                Output::List(self.u64_list("value")?)
            }
            Action::Set(SetOp::Read) => {
                self.only(&with("value"))?;
                // Sorted; an element listed twice is kept: a real system can
                // answer that, and the checker judges it (a set never holds
                // an element twice), so it is a verdict, not bad input.
                let mut elements = self.u64_list("value")?;
                elements.sort_unstable();
                Output::Elements(elements)
            }
            Action::Register(RegisterOp::Write(_))
            | Action::Kv(KvOp::Put(_) | KvOp::Append(_))
            | Action::Append(AppendOp::Append(_))
            | Action::Set(SetOp::Add(_)) => {
                self.only(&BASE)?;
                Output::Done
            }
        })
    }
}

/// The integers a field of each kind accepts, as messages say them.
const U64_RANGE: &str = "a non-negative integer (0 to 18446744073709551615)";
const I64_RANGE: &str = "an integer from -9223372036854775808 to 9223372036854775807";

/// "expected <range>, found <what>": a number is quoted as written, so a
/// value just out of range says which one it is.
fn not_an_integer(v: &Value, range: &str) -> String {
    match v {
        Value::Number(n) => format!("expected {range}, found {n}"),
        other => format!("expected {range}, found {}", json_type(other)),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Serialise a history: the header, then one line per event in recorded order.
/// Operations still open at the end have no completion line.
pub fn write(history: &History) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{{\"format\":\"{FORMAT_NAME}\",\"version\":{FORMAT_VERSION},\"model\":\"{}\"}}",
        history.kind.name()
    );
    for event in &history.events {
        match *event {
            EventRef::Invoke(i) => write_invoke(&mut out, &history.ops[i]),
            EventRef::Complete(i) => write_completion(&mut out, &history.ops[i]),
        }
    }
    out
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

fn list(xs: &[u64]) -> String {
    let items: Vec<String> = xs.iter().map(u64::to_string).collect();
    format!("[{}]", items.join(","))
}

fn write_invoke(out: &mut String, op: &super::Operation) {
    let _ = write!(
        out,
        "{{\"event\":\"invoke\",\"id\":{},\"client\":{},\"time\":{},\"f\":\"{}\",\"key\":{}",
        op.id.0,
        op.client.0,
        op.invoked.0,
        op.input.action.function(),
        quoted(&op.input.key.0)
    );
    match &op.input.action {
        Action::Register(RegisterOp::Write(v)) => {
            let _ = write!(out, ",\"value\":{v}");
        }
        Action::Register(RegisterOp::Cas { from, to }) => {
            let _ = write!(out, ",\"from\":{from},\"to\":{to}");
        }
        Action::Kv(KvOp::Put(s) | KvOp::Append(s)) => {
            let _ = write!(out, ",\"value\":{}", quoted(s));
        }
        Action::Append(AppendOp::Append(e)) | Action::Set(SetOp::Add(e)) => {
            let _ = write!(out, ",\"value\":{e}");
        }
        Action::Register(RegisterOp::Read)
        | Action::Kv(KvOp::Get)
        | Action::Append(AppendOp::Read)
        | Action::Set(SetOp::Read) => {}
    }
    out.push_str("}\n");
}

fn write_completion(out: &mut String, op: &super::Operation) {
    let (name, time) = match &op.completion {
        Completion::Ok { at, .. } => ("ok", *at),
        Completion::Fail { at } => ("fail", *at),
        Completion::Info { at: Some(at) } => ("info", *at),
        // Still open at the end: no completion line (the builder never records
        // a completion event for such an operation).
        Completion::Info { at: None } => return,
    };
    let _ = write!(
        out,
        "{{\"event\":\"{name}\",\"id\":{},\"client\":{},\"time\":{}",
        op.id.0, op.client.0, time.0
    );
    if let Completion::Ok { output, .. } = &op.completion {
        match output {
            Output::Done => {}
            Output::Register(None) => out.push_str(",\"value\":null"),
            Output::Register(Some(v)) => {
                let _ = write!(out, ",\"value\":{v}");
            }
            Output::Cas { applied } => {
                let _ = write!(out, ",\"applied\":{applied}");
            }
            Output::Text(s) => {
                let _ = write!(out, ",\"value\":{}", quoted(s));
            }
            Output::List(xs) | Output::Elements(xs) => {
                let _ = write!(out, ",\"value\":{}", list(xs));
            }
        }
    }
    out.push_str("}\n");
}

/// Reads an operation written with this format's field names (`f`, `key`,
/// `value`, `from`, `to`), as trace `invoke` lines write it; `line` is where
/// the fields came from, for errors.
pub fn input_of(
    source: &str,
    line: usize,
    fields: Map<String, Value>,
    kind: ModelKind,
) -> Result<Input, InputError> {
    Fields {
        source,
        line,
        map: fields,
    }
    .input(kind)
}

/// Reads what an `ok` completion of `action` saw (`value`, or `applied` for a
/// compare-and-set), as trace `complete` lines write it.
pub fn output_of(
    source: &str,
    line: usize,
    fields: Map<String, Value>,
    action: &Action,
) -> Result<Output, InputError> {
    Fields {
        source,
        line,
        map: fields,
    }
    .output(action)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{"format":"parliament-history","version":1,"model":"register"}
{"event":"invoke","id":1,"client":0,"time":0,"f":"write","key":"x","value":1}
{"event":"invoke","id":2,"client":1,"time":2,"f":"read","key":"x"}
{"event":"ok","id":1,"client":0,"time":3}
{"event":"invoke","id":3,"client":2,"time":4,"f":"cas","key":"x","from":1,"to":2}
{"event":"ok","id":2,"client":1,"time":5,"value":1}
{"event":"info","id":3,"client":2,"time":9}
{"event":"invoke","id":4,"client":1,"time":10,"f":"read","key":"x"}
{"event":"ok","id":4,"client":1,"time":12,"value":null}
{"event":"invoke","id":5,"client":0,"time":13,"f":"write","key":"y","value":7}
"#;

    #[test]
    fn round_trips_byte_for_byte() {
        let h = parse("example", EXAMPLE).unwrap();
        assert_eq!(h.ops.len(), 5);
        assert_eq!(h.ops[2].completion, Completion::Info { at: Some(Time(9)) });
        assert_eq!(h.ops[4].completion, Completion::Info { at: None });
        assert_eq!(write(&h), EXAMPLE);
    }

    #[test]
    fn errors_name_the_line_and_field() {
        let bad = EXAMPLE.replace("\"time\":5,", "\"time\":\"5\",");
        let e = parse("h.jsonl", &bad).unwrap_err();
        assert_eq!(e.line, Some(6));
        assert_eq!(e.path, "time");
        assert!(
            e.to_string().starts_with("h.jsonl:6: at time: expected"),
            "{e}"
        );

        let bad = EXAMPLE.replace("\"model\":\"register\"", "\"model\":\"queue\"");
        let e = parse("h.jsonl", &bad).unwrap_err();
        assert!(e.to_string().contains("unknown model \"queue\""), "{e}");

        let bad = EXAMPLE.replace(
            "\"id\":2,\"client\":1,\"time\":5",
            "\"id\":22,\"client\":1,\"time\":5",
        );
        let e = parse("h.jsonl", &bad).unwrap_err();
        assert!(e.to_string().contains("never invoked"), "{e}");
        assert_eq!(e.line, Some(6));
    }

    #[test]
    fn integers_out_of_range_say_the_range() {
        let bad = EXAMPLE.replace("\"value\":1}", "\"value\":9223372036854775808}");
        let e = parse("h.jsonl", &bad).unwrap_err();
        assert_eq!((e.line, e.path.as_str()), (Some(2), "value"));
        assert!(
            e.message.contains(
                "from -9223372036854775808 to 9223372036854775807, found 9223372036854775808"
            ),
            "{e}"
        );
        let bad = EXAMPLE.replace("\"time\":5,", "\"time\":-5,");
        let e = parse("h.jsonl", &bad).unwrap_err();
        assert!(e.message.contains("non-negative integer"), "{e}");
        assert!(e.message.ends_with("found -5"), "{e}");
    }

    #[test]
    fn duplicate_append_values_are_refused_at_their_line() {
        let text = "{\"format\":\"parliament-history\",\"version\":1,\"model\":\"append\"}\n\
            {\"event\":\"invoke\",\"id\":1,\"client\":0,\"time\":0,\"f\":\"append\",\"key\":\"l\",\"value\":3}\n\
            {\"event\":\"ok\",\"id\":1,\"time\":1}\n\
            {\"event\":\"invoke\",\"id\":2,\"client\":0,\"time\":2,\"f\":\"append\",\"key\":\"l\",\"value\":3}\n";
        let e = parse("a.jsonl", text).unwrap_err();
        assert_eq!((e.line, e.path.as_str()), (Some(4), "value"));
        assert!(e.message.contains("must be unique"), "{e}");
    }

    #[test]
    fn a_set_read_listing_an_element_twice_is_read_as_given() {
        let text = "{\"format\":\"parliament-history\",\"version\":1,\"model\":\"set\"}\n\
            {\"event\":\"invoke\",\"id\":1,\"client\":0,\"time\":0,\"f\":\"read\",\"key\":\"s\"}\n\
            {\"event\":\"ok\",\"id\":1,\"time\":1,\"value\":[110,100,100]}\n";
        let h = parse("s.jsonl", text).unwrap();
        assert_eq!(
            h.ops[0].output(),
            Some(&Output::Elements(vec![100, 100, 110]))
        );
    }
}
