//! Sequential specifications that the linearizability checker checks histories
//! against. A model says what a single correct copy of the service would do:
//! its initial state, and for one operation with the output the client saw,
//! whether that output is possible and what the state becomes.
//!
//! An indeterminate operation (`info`) comes with no output: the model accepts
//! it and applies its effect as it would take effect at that point (a CAS only
//! if its compare holds). "Never took effect" needs no case of its own: the
//! checker may always place such an operation last, where it changes nothing
//! anyone observed.

use crate::history::{Action, AppendOp, Input, Key, KvOp, ModelKind, Output, RegisterOp, SetOp};
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::hash::Hash;

pub trait Model {
    type State: Clone + Eq + Hash + Debug;

    /// The kind of operations this model understands.
    fn kind(&self) -> ModelKind;

    /// A name for reports ("register", "kv (all keys as one state)").
    fn name(&self) -> String {
        self.kind().name().to_string()
    }

    fn init(&self) -> Self::State;

    /// The state after `input` if `output` is possible from `state`, else `None`.
    /// `output` is `None` for an indeterminate operation.
    fn step(
        &self,
        state: &Self::State,
        input: &Input,
        output: Option<&Output>,
    ) -> Option<Self::State>;

    /// True if this operation (with this output, `None` for indeterminate) can
    /// never change any state: for every state, `step` either rejects it or
    /// returns the same state. The checker linearizes such operations greedily,
    /// so answering `true` wrongly would make it wrong; `false` is always safe.
    fn is_read_only(&self, input: &Input, output: Option<&Output>) -> bool {
        let _ = (input, output);
        false
    }

    /// Why no state could ever give this operation this output (a set read
    /// that lists an element twice), or `None`. Such an operation can never
    /// be placed, so the checker reports it as the explanation without
    /// searching. `None` is always safe.
    fn impossible_output(&self, input: &Input, output: Option<&Output>) -> Option<String> {
        let _ = (input, output);
        None
    }

    /// For a read that observed the whole state: that state. The operation then
    /// fits exactly that state and leaves it unchanged, which the checker tests
    /// by comparing interned ids instead of calling `step`. `None` (always
    /// safe) when the operation is anything else.
    fn observed_state(&self, input: &Input, output: Option<&Output>) -> Option<Self::State> {
        let _ = (input, output);
        None
    }

    /// For models whose states only grow (a string by appending, a log, a set)
    /// apart from operations that reset them (a put): whether `to` can be
    /// reached from `from` by growing alone. `None` when the model has no such
    /// order. The checker uses it to abandon a search path as soon as a read
    /// that must come next observed a state the current one cannot grow into.
    fn grows_into(&self, from: &Self::State, to: &Self::State) -> Option<bool> {
        let _ = (from, to);
        None
    }

    /// Whether this operation could reset the state to something that grows
    /// into `to` (a put of a prefix of `to`). Must be `true` whenever unsure.
    fn may_reset_toward(&self, input: &Input, to: &Self::State) -> bool {
        let _ = (input, to);
        true
    }

    /// What this operation adds, when adding it is all it does and every
    /// read of a state after it (until a reset) shows what it added: an
    /// append's or an add's element, a kv append's text. `None` (always safe)
    /// otherwise. An indeterminate such operation that no answered read shows
    /// can be left out of the search: in any linearization no read sees its
    /// effect, so it may as well come last, which its endless return allows.
    fn addition<'i>(&self, input: &'i Input) -> Option<Addition<'i>> {
        let _ = input;
        None
    }

    /// What an answered operation's output shows, for `addition`.
    fn shown<'o>(&self, output: &'o Output) -> Shown<'o> {
        let _ = output;
        Shown::Nothing
    }

    /// Heap bytes behind a state (its list, its string), for the checker's
    /// memory limit.
    fn state_heap_bytes(&self, state: &Self::State) -> usize {
        let _ = state;
        0
    }

    /// Operations with different partition keys never interact, so each
    /// partition can be checked alone (P-compositionality). `None` puts every
    /// operation in one partition.
    fn partition_key<'a>(&self, input: &'a Input) -> Option<&'a Key> {
        Some(&input.key)
    }

    /// The state as a person reads it.
    fn describe(&self, state: &Self::State) -> String;
}

/// What an operation adds to a state (`Model::addition`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Addition<'i> {
    /// An element of a log or a set.
    Element(u64),
    /// Text concatenated to a string.
    Text(&'i str),
}

/// What a read's output shows (`Model::shown`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown<'o> {
    Nothing,
    Elements(&'o [u64]),
    Text(&'o str),
}

/// The additions of `model` that `answered` outputs show: an index built once
/// per partition, asked once per indeterminate operation.
pub struct ShownIndex<'o> {
    elements: Vec<u64>,
    texts: Vec<&'o str>,
}

impl<'o> ShownIndex<'o> {
    pub fn new<M: Model>(model: &M, answered: impl IntoIterator<Item = &'o Output>) -> Self {
        let mut elements = Vec::new();
        let mut texts = Vec::new();
        for output in answered {
            match model.shown(output) {
                Shown::Nothing => {}
                Shown::Elements(seen) => elements.extend_from_slice(seen),
                Shown::Text(seen) => texts.push(seen),
            }
        }
        elements.sort_unstable();
        elements.dedup();
        ShownIndex { elements, texts }
    }

    /// Some answered read shows `addition` (an empty text counts as shown:
    /// it changes nothing anyway).
    pub fn shows(&self, addition: Addition<'_>) -> bool {
        match addition {
            Addition::Element(e) => self.elements.binary_search(&e).is_ok(),
            Addition::Text(t) => t.is_empty() || self.texts.iter().any(|seen| seen.contains(t)),
        }
    }
}

/// One integer register per key, etcd semantics: starts as nil; a read returns
/// the current value; a write always succeeds; an answered CAS either applied
/// (the value was `from`) or failed its compare (the value was not `from`).
#[derive(Clone, Copy, Debug, Default)]
pub struct RegisterModel;

impl Model for RegisterModel {
    type State = Option<i64>;

    fn kind(&self) -> ModelKind {
        ModelKind::Register
    }

    fn init(&self) -> Option<i64> {
        None
    }

    fn step(
        &self,
        state: &Option<i64>,
        input: &Input,
        output: Option<&Output>,
    ) -> Option<Option<i64>> {
        let Action::Register(op) = &input.action else {
            return None;
        };
        match (op, output) {
            (RegisterOp::Read, None) => Some(*state),
            (RegisterOp::Read, Some(Output::Register(seen))) => (seen == state).then_some(*state),
            (RegisterOp::Write(v), _) => Some(Some(*v)),
            (RegisterOp::Cas { from, to }, None) => Some(if *state == Some(*from) {
                Some(*to)
            } else {
                *state
            }),
            (RegisterOp::Cas { from, to }, Some(Output::Cas { applied: true })) => {
                (*state == Some(*from)).then_some(Some(*to))
            }
            (RegisterOp::Cas { from, .. }, Some(Output::Cas { applied: false })) => {
                (*state != Some(*from)).then_some(*state)
            }
            (RegisterOp::Read | RegisterOp::Cas { .. }, Some(_)) => None,
        }
    }

    fn observed_state(&self, input: &Input, output: Option<&Output>) -> Option<Option<i64>> {
        match (&input.action, output) {
            (Action::Register(RegisterOp::Read), Some(Output::Register(seen))) => Some(*seen),
            _ => None,
        }
    }

    fn is_read_only(&self, input: &Input, output: Option<&Output>) -> bool {
        matches!(
            (&input.action, output),
            (Action::Register(RegisterOp::Read), _)
                | (
                    Action::Register(RegisterOp::Cas { .. }),
                    Some(Output::Cas { applied: false })
                )
        )
    }

    /// A register never grows: only a write or CAS can bring it to a value.
    fn grows_into(&self, from: &Option<i64>, to: &Option<i64>) -> Option<bool> {
        Some(from == to)
    }

    fn may_reset_toward(&self, input: &Input, to: &Option<i64>) -> bool {
        match &input.action {
            Action::Register(RegisterOp::Write(v) | RegisterOp::Cas { to: v, .. }) => {
                *to == Some(*v)
            }
            Action::Register(RegisterOp::Read) => false,
            Action::Kv(_) | Action::Append(_) | Action::Set(_) => true,
        }
    }

    fn describe(&self, state: &Option<i64>) -> String {
        match state {
            None => "nil".to_string(),
            Some(v) => v.to_string(),
        }
    }
}

/// One string per key, starting empty: put replaces, append concatenates, get
/// returns the whole string.
#[derive(Clone, Copy, Debug, Default)]
pub struct KvModel;

impl Model for KvModel {
    type State = String;

    fn kind(&self) -> ModelKind {
        ModelKind::Kv
    }

    fn init(&self) -> String {
        String::new()
    }

    fn step(&self, state: &String, input: &Input, output: Option<&Output>) -> Option<String> {
        let Action::Kv(op) = &input.action else {
            return None;
        };
        match (op, output) {
            (KvOp::Get, None) => Some(state.clone()),
            (KvOp::Get, Some(Output::Text(seen))) => (seen == state).then(|| state.clone()),
            (KvOp::Put(v), _) => Some(v.clone()),
            (KvOp::Append(v), _) => Some(format!("{state}{v}")),
            (KvOp::Get, Some(_)) => None,
        }
    }

    fn observed_state(&self, input: &Input, output: Option<&Output>) -> Option<String> {
        match (&input.action, output) {
            (Action::Kv(KvOp::Get), Some(Output::Text(seen))) => Some(seen.clone()),
            _ => None,
        }
    }

    /// A get shows every text appended since the last put, contiguously.
    fn addition<'i>(&self, input: &'i Input) -> Option<Addition<'i>> {
        match &input.action {
            Action::Kv(KvOp::Append(text)) => Some(Addition::Text(text)),
            _ => None,
        }
    }

    fn shown<'o>(&self, output: &'o Output) -> Shown<'o> {
        match output {
            Output::Text(seen) => Shown::Text(seen),
            _ => Shown::Nothing,
        }
    }

    fn state_heap_bytes(&self, state: &String) -> usize {
        state.capacity()
    }

    fn is_read_only(&self, input: &Input, _output: Option<&Output>) -> bool {
        matches!(input.action, Action::Kv(KvOp::Get))
    }

    fn grows_into(&self, from: &String, to: &String) -> Option<bool> {
        Some(to.starts_with(from.as_str()))
    }

    fn may_reset_toward(&self, input: &Input, to: &String) -> bool {
        match &input.action {
            Action::Kv(KvOp::Put(v)) => to.starts_with(v.as_str()),
            Action::Kv(KvOp::Get | KvOp::Append(_)) => false,
            Action::Register(_) | Action::Append(_) | Action::Set(_) => true,
        }
    }

    fn describe(&self, state: &String) -> String {
        format!("{state:?}")
    }
}

/// One append-only log per key: append adds an element at the end, read returns
/// the whole log.
#[derive(Clone, Copy, Debug, Default)]
pub struct AppendModel;

impl Model for AppendModel {
    type State = Vec<u64>;

    fn kind(&self) -> ModelKind {
        ModelKind::Append
    }

    fn init(&self) -> Vec<u64> {
        Vec::new()
    }

    fn step(&self, state: &Vec<u64>, input: &Input, output: Option<&Output>) -> Option<Vec<u64>> {
        let Action::Append(op) = &input.action else {
            return None;
        };
        match (op, output) {
            (AppendOp::Read, None) => Some(state.clone()),
            (AppendOp::Read, Some(Output::List(seen))) => (seen == state).then(|| state.clone()),
            (AppendOp::Append(e), _) => {
                let mut next = state.clone();
                next.push(*e);
                Some(next)
            }
            (AppendOp::Read, Some(_)) => None,
        }
    }

    fn observed_state(&self, input: &Input, output: Option<&Output>) -> Option<Vec<u64>> {
        match (&input.action, output) {
            (Action::Append(AppendOp::Read), Some(Output::List(seen))) => Some(seen.clone()),
            _ => None,
        }
    }

    fn is_read_only(&self, input: &Input, _output: Option<&Output>) -> bool {
        matches!(input.action, Action::Append(AppendOp::Read))
    }

    fn grows_into(&self, from: &Vec<u64>, to: &Vec<u64>) -> Option<bool> {
        Some(to.starts_with(from))
    }

    fn addition<'i>(&self, input: &'i Input) -> Option<Addition<'i>> {
        match input.action {
            Action::Append(AppendOp::Append(e)) => Some(Addition::Element(e)),
            _ => None,
        }
    }

    fn shown<'o>(&self, output: &'o Output) -> Shown<'o> {
        match output {
            Output::List(seen) => Shown::Elements(seen),
            _ => Shown::Nothing,
        }
    }

    fn state_heap_bytes(&self, state: &Vec<u64>) -> usize {
        state.capacity() * std::mem::size_of::<u64>()
    }

    fn may_reset_toward(&self, input: &Input, _to: &Vec<u64>) -> bool {
        !matches!(input.action, Action::Append(_))
    }

    fn describe(&self, state: &Vec<u64>) -> String {
        format!("{state:?}")
    }
}

/// One grow-only set per key (kept sorted): add inserts, read returns the set.
#[derive(Clone, Copy, Debug, Default)]
pub struct SetModel;

impl Model for SetModel {
    type State = Vec<u64>;

    fn kind(&self) -> ModelKind {
        ModelKind::Set
    }

    fn init(&self) -> Vec<u64> {
        Vec::new()
    }

    fn step(&self, state: &Vec<u64>, input: &Input, output: Option<&Output>) -> Option<Vec<u64>> {
        let Action::Set(op) = &input.action else {
            return None;
        };
        match (op, output) {
            (SetOp::Read, None) => Some(state.clone()),
            (SetOp::Read, Some(Output::Elements(seen))) => (seen == state).then(|| state.clone()),
            (SetOp::Add(e), _) => {
                let mut next = state.clone();
                if let Err(at) = next.binary_search(e) {
                    next.insert(at, *e);
                }
                Some(next)
            }
            (SetOp::Read, Some(_)) => None,
        }
    }

    fn observed_state(&self, input: &Input, output: Option<&Output>) -> Option<Vec<u64>> {
        match (&input.action, output) {
            (Action::Set(SetOp::Read), Some(Output::Elements(seen))) => Some(seen.clone()),
            _ => None,
        }
    }

    /// A read's elements come sorted, duplicates kept (a real system can
    /// return them; the history readers do not drop them).
    fn impossible_output(&self, input: &Input, output: Option<&Output>) -> Option<String> {
        match (&input.action, output) {
            (Action::Set(SetOp::Read), Some(Output::Elements(seen))) => {
                let twice = seen.windows(2).find(|w| w[0] == w[1])?;
                Some(format!(
                    "a set never holds an element twice, and this read lists {} twice",
                    twice[0]
                ))
            }
            _ => None,
        }
    }

    fn is_read_only(&self, input: &Input, _output: Option<&Output>) -> bool {
        matches!(input.action, Action::Set(SetOp::Read))
    }

    fn grows_into(&self, from: &Vec<u64>, to: &Vec<u64>) -> Option<bool> {
        Some(from.iter().all(|e| to.binary_search(e).is_ok()))
    }

    fn addition<'i>(&self, input: &'i Input) -> Option<Addition<'i>> {
        match input.action {
            Action::Set(SetOp::Add(e)) => Some(Addition::Element(e)),
            _ => None,
        }
    }

    fn shown<'o>(&self, output: &'o Output) -> Shown<'o> {
        match output {
            Output::Elements(seen) => Shown::Elements(seen),
            _ => Shown::Nothing,
        }
    }

    fn state_heap_bytes(&self, state: &Vec<u64>) -> usize {
        state.capacity() * std::mem::size_of::<u64>()
    }

    fn may_reset_toward(&self, input: &Input, _to: &Vec<u64>) -> bool {
        !matches!(input.action, Action::Set(_))
    }

    fn describe(&self, state: &Vec<u64>) -> String {
        let items: Vec<String> = state.iter().map(u64::to_string).collect();
        format!("{{{}}}", items.join(", "))
    }
}

/// A per-key model applied to all keys at once, as one state (a map from key to
/// the inner model's state): the unpartitioned check, which exists to measure the
/// search itself. Keys at their initial state are left out of the map, so that
/// equal stores are equal states.
#[derive(Clone, Copy, Debug, Default)]
pub struct AllKeys<M>(pub M);

impl<M: Model> Model for AllKeys<M> {
    type State = BTreeMap<Key, M::State>;

    fn kind(&self) -> ModelKind {
        self.0.kind()
    }

    fn name(&self) -> String {
        format!("{} (all keys as one state)", self.0.name())
    }

    fn init(&self) -> Self::State {
        BTreeMap::new()
    }

    fn step(
        &self,
        state: &Self::State,
        input: &Input,
        output: Option<&Output>,
    ) -> Option<Self::State> {
        let initial = self.0.init();
        let current = state.get(&input.key).unwrap_or(&initial);
        let next = self.0.step(current, input, output)?;
        if next == *current {
            return Some(state.clone());
        }
        let mut whole = state.clone();
        if next == initial {
            whole.remove(&input.key);
        } else {
            whole.insert(input.key.clone(), next);
        }
        Some(whole)
    }

    fn is_read_only(&self, input: &Input, output: Option<&Output>) -> bool {
        self.0.is_read_only(input, output)
    }

    fn impossible_output(&self, input: &Input, output: Option<&Output>) -> Option<String> {
        self.0.impossible_output(input, output)
    }

    /// Delegated: an element shown by a read of any key counts as shown
    /// (more than needed, which only leaves more operations in).
    fn addition<'i>(&self, input: &'i Input) -> Option<Addition<'i>> {
        self.0.addition(input)
    }

    fn shown<'o>(&self, output: &'o Output) -> Shown<'o> {
        self.0.shown(output)
    }

    fn state_heap_bytes(&self, state: &Self::State) -> usize {
        // The entries (keys are shared) and the inner states' heaps.
        state
            .values()
            .map(|s| std::mem::size_of::<(Key, M::State)>() + self.0.state_heap_bytes(s))
            .sum()
    }

    fn partition_key<'a>(&self, _input: &'a Input) -> Option<&'a Key> {
        None
    }

    fn describe(&self, state: &Self::State) -> String {
        let items: Vec<String> = state
            .iter()
            .map(|(k, s)| format!("{k}: {}", self.0.describe(s)))
            .collect();
        format!("{{{}}}", items.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(op: RegisterOp) -> Input {
        Input::new("x", Action::Register(op))
    }

    #[test]
    fn register_follows_etcd_semantics() {
        let m = RegisterModel;
        let s = m.init();
        assert_eq!(
            m.step(&s, &reg(RegisterOp::Read), Some(&Output::Register(None))),
            Some(None)
        );
        assert_eq!(
            m.step(&s, &reg(RegisterOp::Read), Some(&Output::Register(Some(1)))),
            None
        );
        let cas = reg(RegisterOp::Cas { from: 1, to: 2 });
        assert_eq!(
            m.step(&Some(1), &cas, Some(&Output::Cas { applied: true })),
            Some(Some(2))
        );
        assert_eq!(
            m.step(&Some(3), &cas, Some(&Output::Cas { applied: true })),
            None
        );
        assert_eq!(
            m.step(&Some(3), &cas, Some(&Output::Cas { applied: false })),
            Some(Some(3))
        );
        assert_eq!(
            m.step(&Some(1), &cas, Some(&Output::Cas { applied: false })),
            None
        );
        assert_eq!(m.step(&Some(1), &cas, None), Some(Some(2)));
        assert_eq!(m.step(&None, &cas, None), Some(None));
        assert_eq!(
            m.step(&Some(4), &reg(RegisterOp::Read), None),
            Some(Some(4))
        );
    }

    #[test]
    fn all_keys_keeps_equal_stores_equal() {
        let m = AllKeys(KvModel);
        let put = |k: &str, v: &str| Input::new(k, Action::Kv(KvOp::Put(v.to_string())));
        let a = m.step(&m.init(), &put("a", "1"), None).unwrap();
        let back = m.step(&a, &put("a", ""), None).unwrap();
        assert_eq!(back, m.init());
        assert_eq!(m.describe(&a), "{a: \"1\"}");
    }

    #[test]
    fn set_and_append_models() {
        let add = |e| Input::new("s", Action::Set(SetOp::Add(e)));
        let s = SetModel.step(&vec![], &add(5), None).unwrap();
        let s = SetModel.step(&s, &add(2), Some(&Output::Done)).unwrap();
        assert_eq!(s, vec![2, 5]);
        let read = Input::new("s", Action::Set(SetOp::Read));
        assert!(
            SetModel
                .step(&s, &read, Some(&Output::Elements(vec![2, 5])))
                .is_some()
        );
        assert!(
            SetModel
                .step(&s, &read, Some(&Output::Elements(vec![5])))
                .is_none()
        );
        let twice = Output::Elements(vec![100, 100, 110]);
        assert!(
            SetModel
                .step(&vec![100, 110], &read, Some(&twice))
                .is_none()
        );
        let why = SetModel.impossible_output(&read, Some(&twice)).unwrap();
        assert!(why.contains("never holds an element twice"), "{why}");
        assert!(
            AllKeys(SetModel)
                .impossible_output(&read, Some(&twice))
                .is_some()
        );
        assert_eq!(
            SetModel.impossible_output(&read, Some(&Output::Elements(vec![2, 5]))),
            None
        );
        let app = |e| Input::new("l", Action::Append(AppendOp::Append(e)));
        let l = AppendModel.step(&vec![3], &app(1), None).unwrap();
        let read = Input::new("l", Action::Append(AppendOp::Read));
        assert!(
            AppendModel
                .step(&l, &read, Some(&Output::List(vec![3, 1])))
                .is_some()
        );
        assert!(
            AppendModel
                .step(&l, &read, Some(&Output::List(vec![1, 3])))
                .is_none()
        );
    }
}
