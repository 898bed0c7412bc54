//! The replicated state machine: a store of registers, strings, logs and sets on
//! named keys. Every replicating protocol applies the same committed operations
//! to its own copy; the history checkers' models define the same semantics.

use crate::history::{Action, AppendOp, Input, Key, KvOp, Output, RegisterOp, SetOp};
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Store {
    registers: BTreeMap<Key, i64>,
    texts: BTreeMap<Key, String>,
    logs: BTreeMap<Key, Vec<u64>>,
    sets: BTreeMap<Key, BTreeSet<u64>>,
}

/// A store is written as one JSON object, key by key, with each key's value
/// (a snapshot in a trace shows the state it carries).
impl Serialize for Store {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let len = self.registers.len() + self.texts.len() + self.logs.len() + self.sets.len();
        let mut map = s.serialize_map(Some(len))?;
        for (k, v) in &self.registers {
            map.serialize_entry(&*k.0, v)?;
        }
        for (k, v) in &self.texts {
            map.serialize_entry(&*k.0, v)?;
        }
        for (k, v) in &self.logs {
            map.serialize_entry(&*k.0, v)?;
        }
        for (k, v) in &self.sets {
            map.serialize_entry(&*k.0, v)?;
        }
        map.end()
    }
}

impl Store {
    /// Applies an operation (reads change nothing) and returns what a client sees.
    pub fn apply(&mut self, input: &Input) -> Output {
        if input.action.is_read() {
            return self.read(input);
        }
        let key = &input.key;
        match &input.action {
            Action::Register(RegisterOp::Write(v)) => {
                self.registers.insert(key.clone(), *v);
                Output::Done
            }
            Action::Register(RegisterOp::Cas { from, to }) => {
                let applied = self.registers.get(key) == Some(from);
                if applied {
                    self.registers.insert(key.clone(), *to);
                }
                Output::Cas { applied }
            }
            Action::Kv(KvOp::Put(v)) => {
                self.texts.insert(key.clone(), v.clone());
                Output::Done
            }
            Action::Kv(KvOp::Append(v)) => {
                self.texts.entry(key.clone()).or_default().push_str(v);
                Output::Done
            }
            Action::Append(AppendOp::Append(e)) => {
                self.logs.entry(key.clone()).or_default().push(*e);
                Output::Done
            }
            Action::Set(SetOp::Add(e)) => {
                self.sets.entry(key.clone()).or_default().insert(*e);
                Output::Done
            }
            Action::Register(RegisterOp::Read)
            | Action::Kv(KvOp::Get)
            | Action::Append(AppendOp::Read)
            | Action::Set(SetOp::Read) => unreachable!("reads are answered by read()"),
        }
    }

    /// What a read returns, without changing anything (and without copying the
    /// store: reads are the primary's hot path). Updates are not reads.
    pub fn read(&self, input: &Input) -> Output {
        let key = &input.key;
        match &input.action {
            Action::Register(RegisterOp::Read) => {
                Output::Register(self.registers.get(key).copied())
            }
            Action::Kv(KvOp::Get) => Output::Text(self.texts.get(key).cloned().unwrap_or_default()),
            Action::Append(AppendOp::Read) => {
                Output::List(self.logs.get(key).cloned().unwrap_or_default())
            }
            Action::Set(SetOp::Read) => Output::Elements(
                self.sets
                    .get(key)
                    .map(|s| s.iter().copied().collect())
                    .unwrap_or_default(),
            ),
            _ => self.clone().apply(input),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(key: &str, action: Action) -> Input {
        Input::new(key, action)
    }

    #[test]
    fn registers_start_nil_and_cas_compares() {
        let mut s = Store::default();
        assert_eq!(
            s.apply(&op("x", Action::Register(RegisterOp::Read))),
            Output::Register(None)
        );
        s.apply(&op("x", Action::Register(RegisterOp::Write(1))));
        let cas = |from, to| op("x", Action::Register(RegisterOp::Cas { from, to }));
        assert_eq!(s.apply(&cas(2, 3)), Output::Cas { applied: false });
        assert_eq!(s.apply(&cas(1, 3)), Output::Cas { applied: true });
        assert_eq!(
            s.apply(&op("x", Action::Register(RegisterOp::Read))),
            Output::Register(Some(3))
        );
    }

    #[test]
    fn logs_keep_order_and_sets_read_sorted() {
        let mut s = Store::default();
        for e in [5, 1, 3] {
            s.apply(&op("l", Action::Append(AppendOp::Append(e))));
            s.apply(&op("s", Action::Set(SetOp::Add(e))));
        }
        assert_eq!(
            s.apply(&op("l", Action::Append(AppendOp::Read))),
            Output::List(vec![5, 1, 3])
        );
        assert_eq!(
            s.apply(&op("s", Action::Set(SetOp::Read))),
            Output::Elements(vec![1, 3, 5])
        );
        assert_eq!(
            s.apply(&op("other", Action::Append(AppendOp::Read))),
            Output::List(vec![])
        );
    }

    #[test]
    fn texts_concatenate() {
        let mut s = Store::default();
        s.apply(&op("k", Action::Kv(KvOp::Append("ab".into()))));
        s.apply(&op("k", Action::Kv(KvOp::Append("c".into()))));
        assert_eq!(
            s.read(&op("k", Action::Kv(KvOp::Get))),
            Output::Text("abc".into())
        );
        s.apply(&op("k", Action::Kv(KvOp::Put("z".into()))));
        assert_eq!(
            s.apply(&op("k", Action::Kv(KvOp::Get))),
            Output::Text("z".into())
        );
    }
}
