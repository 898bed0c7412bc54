//! Jepsen-style EDN maps of a string key/value store (the `porcupine-kv` format),
//! one event per line:
//!
//! ```text
//! {:process 4, :type :invoke, :f :get, :key "5", :value nil}
//! {:process 4, :type :ok, :f :get, :key "5", :value "x 9 1 y"}
//! ```
//!
//! Only the small subset of EDN these lines use is read: a map of keywords to
//! keywords, integers, strings or `nil`. As for the etcd logs, an event's time is
//! its line number and an operation's id the line number of its invocation.

use super::{Action, History, HistoryBuilder, Input, Key, KvOp, ModelKind, Outcome, Output};
use crate::error::InputError;
use crate::ids::{ClientId, RequestId};
use crate::time::Time;

pub fn parse(source: &str, text: &str) -> Result<History, InputError> {
    super::format::line_by_line(source, text, ModelKind::Kv, parse_line)
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Edn {
    Nil,
    Keyword(String),
    Int(i64),
    Str(String),
}

impl Edn {
    fn describe(&self) -> String {
        match self {
            Edn::Nil => "nil".to_string(),
            Edn::Keyword(k) => format!(":{k}"),
            Edn::Int(n) => n.to_string(),
            Edn::Str(s) => format!("{s:?}"),
        }
    }
}

/// The five fields every line has.
struct Event {
    process: u32,
    kind: String,
    f: String,
    key: String,
    value: Edn,
}

fn parse_line(builder: &mut HistoryBuilder, raw: &str, line_no: usize) -> Result<(), String> {
    let event = read_event(raw)?;
    let client = ClientId(event.process);
    let time = Time(line_no as u64);
    if !matches!(event.kind.as_str(), "invoke" | "ok" | "fail" | "info") {
        return Err(format!(
            "unknown :type :{}; expected :invoke, :ok, :fail or :info",
            event.kind
        ));
    }
    if event.kind == "invoke" {
        let op = match (event.f.as_str(), &event.value) {
            ("get", Edn::Nil) => KvOp::Get,
            ("put", Edn::Str(s)) => KvOp::Put(s.clone()),
            ("append", Edn::Str(s)) => KvOp::Append(s.clone()),
            ("get", other) => {
                return Err(format!(
                    "a get invocation carries :value nil, found {}",
                    other.describe()
                ));
            }
            ("put" | "append", other) => {
                return Err(format!(
                    "expected a string :value, found {}",
                    other.describe()
                ));
            }
            (other, _) => return Err(format!("expected :f :get, :put or :append, found :{other}")),
        };
        let input = Input {
            key: Key(event.key.into()),
            action: Action::Kv(op),
        };
        builder
            .invoke(RequestId(line_no as u64), client, time, input)
            .map_err(|e| e.to_string())?;
        return Ok(());
    }
    let process = event.process;
    let op = builder.open_op(client).ok_or_else(|| {
        format!(
            ":{} :{} of process {process}, which has no operation open",
            event.kind, event.f
        )
    })?;
    let invoked = builder.op(op).input.clone();
    if event.f != invoked.action.function() || *event.key != *invoked.key.0 {
        return Err(format!(
            "process {process} completes :{} on key {:?} but invoked {}",
            event.f, event.key, invoked
        ));
    }
    let outcome = match event.kind.as_str() {
        "ok" => match (&invoked.action, &event.value) {
            (Action::Kv(KvOp::Get), Edn::Str(s)) => Outcome::Ok(Output::Text(s.clone())),
            (Action::Kv(KvOp::Put(v) | KvOp::Append(v)), Edn::Str(s)) if s == v => {
                Outcome::Ok(Output::Done)
            }
            (_, other) => {
                return Err(format!(
                    "unexpected :value {} in the answer to {invoked}",
                    other.describe()
                ));
            }
        },
        "fail" => Outcome::Fail,
        "info" => Outcome::Info,
        other => unreachable!(":type :{other} was checked above"),
    };
    builder
        .complete(op, time, outcome)
        .map_err(|e| e.to_string())
}

fn read_event(raw: &str) -> Result<Event, String> {
    let pairs = read_map(raw)?;
    let field = |name: &str| -> Result<&Edn, String> {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
            .ok_or_else(|| format!("missing :{name}"))
    };
    let keyword = |name: &str| -> Result<String, String> {
        match field(name)? {
            Edn::Keyword(k) => Ok(k.clone()),
            other => Err(format!(
                "expected a keyword after :{name}, found {}",
                other.describe()
            )),
        }
    };
    let process = match field("process")? {
        Edn::Int(n) if (0..=u32::MAX as i64).contains(n) => *n as u32,
        other => {
            return Err(format!(
                "expected a process number after :process, found {}",
                other.describe()
            ));
        }
    };
    let key = match field("key")? {
        Edn::Str(s) => s.clone(),
        other => {
            return Err(format!(
                "expected a string after :key, found {}",
                other.describe()
            ));
        }
    };
    if let Some((k, _)) = pairs
        .iter()
        .find(|(k, _)| !["process", "type", "f", "key", "value"].contains(&k.as_str()))
    {
        return Err(format!(
            "unknown field :{k}; expected :process, :type, :f, :key, :value"
        ));
    }
    Ok(Event {
        process,
        kind: keyword("type")?,
        f: keyword("f")?,
        key,
        value: field("value")?.clone(),
    })
}

/// `{:k v, :k v}` → pairs in order. Duplicated keys are an error.
fn read_map(raw: &str) -> Result<Vec<(String, Edn)>, String> {
    let mut r = Reader {
        chars: raw.trim().chars().collect(),
        at: 0,
    };
    r.expect('{')?;
    let mut pairs: Vec<(String, Edn)> = Vec::new();
    loop {
        r.skip_separators();
        match r.peek() {
            Some('}') => {
                r.at += 1;
                break;
            }
            Some(':') => {
                let key = match r.value()? {
                    Edn::Keyword(k) => k,
                    other => return Err(format!("expected a keyword, found {}", other.describe())),
                };
                r.skip_separators();
                let value = r.value()?;
                if pairs.iter().any(|(k, _)| *k == key) {
                    return Err(format!(":{key} appears twice"));
                }
                pairs.push((key, value));
            }
            Some(c) => return Err(format!("expected a keyword or `}}`, found {c:?}")),
            None => return Err("the map is not closed with `}`".to_string()),
        }
    }
    r.skip_separators();
    if let Some(c) = r.peek() {
        return Err(format!("unexpected {c:?} after the closing `}}`"));
    }
    Ok(pairs)
}

/// Digits with an optional leading minus: an integer, whatever its size.
fn is_integer_text(w: &str) -> bool {
    let digits = w.strip_prefix('-').unwrap_or(w);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

struct Reader {
    chars: Vec<char>,
    at: usize,
}

impl Reader {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        match self.peek() {
            Some(x) if x == c => {
                self.at += 1;
                Ok(())
            }
            Some(x) => Err(format!("expected {c:?}, found {x:?}")),
            None => Err(format!("expected {c:?}, found the end of the line")),
        }
    }

    /// EDN treats commas as whitespace.
    fn skip_separators(&mut self) {
        while matches!(self.peek(), Some(c) if c.is_whitespace() || c == ',') {
            self.at += 1;
        }
    }

    fn word(&mut self) -> String {
        let start = self.at;
        while matches!(self.peek(), Some(c) if !c.is_whitespace() && !matches!(c, ',' | '}' | '{' | '"'))
        {
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }

    fn value(&mut self) -> Result<Edn, String> {
        match self.peek() {
            Some(':') => {
                self.at += 1;
                let w = self.word();
                if w.is_empty() {
                    return Err("a `:` without a keyword name".to_string());
                }
                Ok(Edn::Keyword(w))
            }
            Some('"') => {
                self.at += 1;
                let mut s = String::new();
                loop {
                    match self.peek() {
                        None => return Err("a string is not closed".to_string()),
                        Some('"') => {
                            self.at += 1;
                            return Ok(Edn::Str(s));
                        }
                        Some('\\') => {
                            self.at += 1;
                            let escaped = match self.peek() {
                                Some('n') => '\n',
                                Some('t') => '\t',
                                Some('r') => '\r',
                                Some(c @ ('"' | '\\')) => c,
                                Some(c) => return Err(format!("unknown escape \\{c} in a string")),
                                None => return Err("a string is not closed".to_string()),
                            };
                            s.push(escaped);
                            self.at += 1;
                        }
                        Some(c) => {
                            s.push(c);
                            self.at += 1;
                        }
                    }
                }
            }
            Some(_) => {
                let w = self.word();
                if w == "nil" {
                    Ok(Edn::Nil)
                } else if let Ok(n) = w.parse::<i64>() {
                    Ok(Edn::Int(n))
                } else if is_integer_text(&w) {
                    Err(format!(
                        "integer {w} is out of range: integers run from {} to {}",
                        i64::MIN,
                        i64::MAX
                    ))
                } else if w.is_empty() {
                    Err(format!(
                        "expected a value, found {:?}",
                        self.peek().unwrap_or(' ')
                    ))
                } else {
                    Err(format!(
                        "expected a keyword, string, integer or nil, found {w:?}"
                    ))
                }
            }
            None => Err("expected a value, found the end of the line".to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Completion;

    #[test]
    fn reads_the_kv_lines() {
        let text = "{:process 4, :type :invoke, :f :get, :key \"5\", :value nil}\n\
                    {:process 9, :type :invoke, :f :put, :key \"6\", :value \"x 9 3 y\"}\n\
                    {:process 4, :type :ok, :f :get, :key \"5\", :value \"x 9 1 y\"}\n\
                    {:process 9, :type :ok, :f :put, :key \"6\", :value \"x 9 3 y\"}\n";
        let h = parse("c.txt", text).unwrap();
        assert_eq!(h.ops.len(), 2);
        assert_eq!(
            h.ops[0].completion,
            Completion::Ok {
                at: Time(3),
                output: Output::Text("x 9 1 y".to_string())
            }
        );
        assert_eq!(h.ops[1].input.key, Key::new("6"));
    }

    #[test]
    fn rejects_malformed_maps_with_line_numbers() {
        for bad in [
            "{:process 4, :type :invoke, :f :get, :key \"5\"",
            "{:process 4, :type :invoke, :f :get, :key \"5\", :value nil} x",
            "{:process -1, :type :invoke, :f :get, :key \"5\", :value nil}",
            "{:process 4, :type :invoke, :f :frob, :key \"5\", :value nil}",
            "{:process 4, :type :ok, :f :get, :key \"5\", :value \"\"}",
            "{:process 4 :process 4, :type :invoke, :f :get, :key \"5\", :value nil}",
            "{:process 4, :type :invokx, :f :get, :key \"5\", :value nil}",
            "{:process 9223372036854775808, :type :invoke, :f :get, :key \"5\", :value nil}",
        ] {
            let text =
                format!("{{:process 1, :type :invoke, :f :get, :key \"1\", :value nil}}\n{bad}\n");
            let e = parse("c.txt", &text).unwrap_err();
            assert_eq!(e.line, Some(2), "{bad}: {e}");
        }
        let text = "{:process 4, :type :invokx, :f :get, :key \"5\", :value nil}\n";
        let e = parse("c.txt", text).unwrap_err();
        assert!(e.message.contains("unknown :type :invokx"), "{e}");
        let text = "{:process 1, :type :invoke, :f :get, :key \"5\", :value 9223372036854775808}\n";
        let e = parse("c.txt", text).unwrap_err();
        assert!(e.message.contains("out of range"), "{e}");
    }
}
