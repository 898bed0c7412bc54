//! A protocol payload read back from a trace (a message, a timer), with its
//! fields in the order the protocol wrote them.
//!
//! `serde_json::Value` sorts object keys, which turns `promise(ballot 1,
//! accepted null)` into `(null, 1)`; a diagram label must read in the
//! protocol's own order. [`Payload::label`] words any payload the way seed 002
//! draws messages: `Prepare(1)`, `Promise(1,null)`, `Accepted(1,Vn)`.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    Null,
    Bool(bool),
    /// A number, as written.
    Number(String),
    String(String),
    List(Vec<Payload>),
    /// An object's fields in written order.
    Fields(Vec<(String, Payload)>),
}

impl Payload {
    /// The payload's kind: the tag of an externally tagged enum
    /// (`{"prepare":{..}}` → `prepare`), or a unit variant's name.
    pub fn kind(&self) -> Option<&str> {
        match self {
            Payload::Fields(fields) if fields.len() == 1 => Some(&fields[0].0),
            Payload::String(s) => Some(s),
            _ => None,
        }
    }

    /// The payload of a protocol's own value, as its trace line would carry
    /// it (`null` for the rare value JSON cannot hold).
    pub fn of<T: serde::Serialize + ?Sized>(value: &T) -> Payload {
        serde_json::to_string(value)
            .ok()
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or(Payload::Null)
    }

    /// `Kind(arg,arg)`: the kind in upper camel case, then the values of its
    /// fields in order; a unit kind is just `Kind`.
    pub fn label(&self) -> String {
        match self {
            Payload::Fields(fields) if fields.len() == 1 => {
                let (kind, body) = &fields[0];
                let mut out = camel(kind);
                match body {
                    Payload::Fields(args) => {
                        out.push('(');
                        for (i, (_, v)) in args.iter().enumerate() {
                            if i > 0 {
                                out.push(',');
                            }
                            v.write_arg(&mut out);
                        }
                        out.push(')');
                    }
                    Payload::Null => {}
                    other => {
                        out.push('(');
                        other.write_arg(&mut out);
                        out.push(')');
                    }
                }
                out
            }
            Payload::String(s) => camel(s),
            other => {
                let mut out = String::new();
                other.write_arg(&mut out);
                out
            }
        }
    }

    fn write_arg(&self, out: &mut String) {
        match self {
            Payload::Null => out.push_str("null"),
            Payload::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Payload::Number(n) => out.push_str(n),
            Payload::String(s) => out.push_str(s),
            Payload::List(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write_arg(out);
                }
                out.push(']');
            }
            // A nested tagged value (`{"put": {..}}`) keeps its tag.
            Payload::Fields(fields) if fields.len() == 1 && fields[0].1.is_compound() => {
                out.push_str(&self.label())
            }
            Payload::Fields(fields) => {
                out.push('(');
                for (i, (_, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write_arg(out);
                }
                out.push(')');
            }
        }
    }

    fn is_compound(&self) -> bool {
        matches!(self, Payload::Fields(_) | Payload::List(_))
    }
}

/// `append_entries` → `AppendEntries`.
fn camel(name: &str) -> String {
    name.split(['_', '-'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(first) => first.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Payload, D::Error> {
        deserializer.deserialize_any(PayloadVisitor)
    }
}

struct PayloadVisitor;

impl<'de> Visitor<'de> for PayloadVisitor {
    type Value = Payload;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Payload, E> {
        Ok(Payload::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Payload, E> {
        Ok(Payload::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Payload, D::Error> {
        Payload::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Payload, E> {
        Ok(Payload::Bool(b))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Payload, E> {
        Ok(Payload::Number(n.to_string()))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Payload, E> {
        Ok(Payload::Number(n.to_string()))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Payload, E> {
        Ok(Payload::Number(n.to_string()))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Payload, E> {
        Ok(Payload::String(s.to_string()))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Payload, E> {
        Ok(Payload::String(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Payload, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Payload::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Payload, A::Error> {
        let mut fields = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Payload>()? {
            fields.push((k, v));
        }
        Ok(Payload::Fields(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(json: &str) -> String {
        serde_json::from_str::<Payload>(json).unwrap().label()
    }

    #[test]
    fn labels_keep_the_protocols_field_order() {
        assert_eq!(label(r#"{"prepare":{"ballot":1}}"#), "Prepare(1)");
        assert_eq!(
            label(r#"{"promise":{"ballot":2,"accepted":[1,"bridge"]}}"#),
            "Promise(2,[1,bridge])"
        );
        assert_eq!(
            label(r#"{"promise":{"ballot":1,"accepted":null}}"#),
            "Promise(1,null)"
        );
        assert_eq!(label(r#""heartbeat""#), "Heartbeat");
        assert_eq!(
            Payload::of(&serde_json::json!({"votes": 0})).label(),
            "Votes(0)"
        );
        assert_eq!(
            label(r#"{"append_entries":{"term":3,"entries":[]}}"#),
            "AppendEntries(3,[])"
        );
    }

    #[test]
    fn kinds_are_the_tags() {
        let p: Payload = serde_json::from_str(r#"{"nack":{"ballot":2,"promised":3}}"#).unwrap();
        assert_eq!(p.kind(), Some("nack"));
        let p: Payload = serde_json::from_str(r#""retry""#).unwrap();
        assert_eq!(p.kind(), Some("retry"));
    }
}
