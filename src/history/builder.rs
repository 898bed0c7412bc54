//! Recording a history event by event, as a simulated client (or a parser) sees
//! it. The builder is the one place that rejects impossible sequences, so every
//! `History` in the program is well formed.

use super::{
    Action, AppendOp, Completion, EventRef, History, Input, ModelKind, Operation, Outcome, SetOp,
};
use crate::ids::{ClientId, RequestId};
use crate::time::Time;
use std::collections::HashMap;
use std::fmt;

/// An operation that was invoked, to be completed later.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OpHandle(usize);

impl OpHandle {
    /// Index of the operation in `History::ops`.
    pub fn index(self) -> usize {
        self.0
    }
}

/// Why an event cannot be added to a history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryError {
    /// Events must be recorded in time order.
    TimeWentBackwards {
        previous: Time,
        time: Time,
    },
    /// A client has at most one operation outstanding.
    ClientBusy {
        client: ClientId,
        open: RequestId,
    },
    DuplicateId(RequestId),
    UnknownId(RequestId),
    AlreadyCompleted(RequestId),
    /// An operation of another model than the history's.
    WrongKind {
        expected: ModelKind,
        found: ModelKind,
    },
    /// The `ok` result has the wrong shape for the operation.
    OutputMismatch {
        function: &'static str,
    },
    /// A completion claims another client than the invocation.
    ClientMismatch {
        id: RequestId,
        invoked_by: ClientId,
        completed_by: ClientId,
    },
    /// An append or add of an element an earlier operation already appends
    /// or adds: elements are unique in a history, so that a read says exactly
    /// which writes it saw (and the ghost check can tell them apart).
    DuplicateElement {
        function: &'static str,
        element: u64,
        first: RequestId,
    },
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HistoryError::TimeWentBackwards { previous, time } => write!(
                f,
                "time goes backwards: {time} comes after an event at {previous}"
            ),
            HistoryError::ClientBusy { client, open } => write!(
                f,
                "client {client} invokes a second operation while {open} is still open"
            ),
            HistoryError::DuplicateId(id) => write!(f, "operation id {id} is used twice"),
            HistoryError::UnknownId(id) => {
                write!(f, "completion of {id}, which was never invoked")
            }
            HistoryError::AlreadyCompleted(id) => write!(f, "{id} is completed twice"),
            HistoryError::WrongKind { expected, found } => write!(
                f,
                "expected a {expected} operation, found a {found} operation"
            ),
            HistoryError::OutputMismatch { function } => {
                write!(f, "the result does not fit a `{function}` operation")
            }
            HistoryError::ClientMismatch {
                id,
                invoked_by,
                completed_by,
            } => write!(
                f,
                "{id} was invoked by client {invoked_by} but completed by client {completed_by}"
            ),
            HistoryError::DuplicateElement {
                function,
                element,
                first,
            } => write!(
                f,
                "{function} of {element}, which {first} already writes: append and add values \
                 must be unique in a history, so that a read tells which write it saw"
            ),
        }
    }
}

impl std::error::Error for HistoryError {}

/// Records invocations and completions. Operations still open at `finish` are
/// indeterminate (`info` without a time).
#[derive(Clone, Debug)]
pub struct HistoryBuilder {
    kind: ModelKind,
    ops: Vec<Operation>,
    events: Vec<EventRef>,
    /// Ops invoked and not yet completed.
    open: Vec<bool>,
    open_by_client: HashMap<ClientId, usize>,
    by_id: HashMap<RequestId, usize>,
    /// Elements appended or added so far, with the operation that wrote each.
    elements: HashMap<u64, RequestId>,
    last_time: Time,
    /// Bytes of the outputs recorded (lists, element sets, text), which can
    /// grow faster than the number of operations.
    output_bytes: u64,
}

impl HistoryBuilder {
    pub fn new(kind: ModelKind) -> HistoryBuilder {
        HistoryBuilder {
            kind,
            ops: Vec::new(),
            events: Vec::new(),
            open: Vec::new(),
            open_by_client: HashMap::new(),
            by_id: HashMap::new(),
            elements: HashMap::new(),
            last_time: Time::ZERO,
            output_bytes: 0,
        }
    }

    pub fn kind(&self) -> ModelKind {
        self.kind
    }

    /// Operations recorded so far.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// An estimate of the memory the history holds, in bytes.
    pub fn approx_bytes(&self) -> u64 {
        use std::mem::size_of;
        // Per operation: the operation, its event refs, the open flag and the
        // id index; per element written: its index entry.
        let per_op = size_of::<Operation>() + 2 * size_of::<EventRef>() + 1 + 24;
        (self.ops.capacity() * per_op + self.elements.len() * 24) as u64 + self.output_bytes
    }

    fn advance_clock(&mut self, time: Time) -> Result<(), HistoryError> {
        if time < self.last_time {
            return Err(HistoryError::TimeWentBackwards {
                previous: self.last_time,
                time,
            });
        }
        self.last_time = time;
        Ok(())
    }

    /// `client` invokes `input` at `time`, as operation `id`.
    pub fn invoke(
        &mut self,
        id: RequestId,
        client: ClientId,
        time: Time,
        input: Input,
    ) -> Result<OpHandle, HistoryError> {
        let found = input.action.kind();
        if found != self.kind {
            return Err(HistoryError::WrongKind {
                expected: self.kind,
                found,
            });
        }
        if let Some(&i) = self.open_by_client.get(&client) {
            return Err(HistoryError::ClientBusy {
                client,
                open: self.ops[i].id,
            });
        }
        if self.by_id.contains_key(&id) {
            return Err(HistoryError::DuplicateId(id));
        }
        let element = match input.action {
            Action::Append(AppendOp::Append(e)) | Action::Set(SetOp::Add(e)) => Some(e),
            Action::Append(AppendOp::Read)
            | Action::Set(SetOp::Read)
            | Action::Register(_)
            | Action::Kv(_) => None,
        };
        if let Some(e) = element
            && let Some(&first) = self.elements.get(&e)
        {
            return Err(HistoryError::DuplicateElement {
                function: input.action.function(),
                element: e,
                first,
            });
        }
        self.advance_clock(time)?;
        if let Some(e) = element {
            self.elements.insert(e, id);
        }
        let index = self.ops.len();
        self.ops.push(Operation {
            id,
            client,
            input,
            invoked: time,
            completion: Completion::Info { at: None },
        });
        self.open.push(true);
        self.events.push(EventRef::Invoke(index));
        self.open_by_client.insert(client, index);
        self.by_id.insert(id, index);
        Ok(OpHandle(index))
    }

    /// The operation completes at `time`.
    pub fn complete(
        &mut self,
        op: OpHandle,
        time: Time,
        outcome: Outcome,
    ) -> Result<(), HistoryError> {
        let index = op.0;
        let id = self.ops.get(index).map(|o| o.id).unwrap_or(RequestId(0));
        if index >= self.ops.len() {
            return Err(HistoryError::UnknownId(id));
        }
        if !self.open[index] {
            return Err(HistoryError::AlreadyCompleted(id));
        }
        if let Outcome::Ok(output) = &outcome
            && !output.fits(&self.ops[index].input.action)
        {
            return Err(HistoryError::OutputMismatch {
                function: self.ops[index].input.action.function(),
            });
        }
        self.advance_clock(time)?;
        if let Outcome::Ok(output) = &outcome {
            self.output_bytes += output.heap_bytes();
        }
        let completion = match outcome {
            Outcome::Ok(output) => Completion::Ok { at: time, output },
            Outcome::Fail => Completion::Fail { at: time },
            Outcome::Info => Completion::Info { at: Some(time) },
        };
        self.ops[index].completion = completion;
        self.open[index] = false;
        self.open_by_client.remove(&self.ops[index].client);
        self.events.push(EventRef::Complete(index));
        Ok(())
    }

    /// Complete the operation with this id, checking the client if one is given.
    pub fn complete_id(
        &mut self,
        id: RequestId,
        client: Option<ClientId>,
        time: Time,
        outcome: Outcome,
    ) -> Result<(), HistoryError> {
        let index = *self.by_id.get(&id).ok_or(HistoryError::UnknownId(id))?;
        if let Some(c) = client
            && c != self.ops[index].client
        {
            return Err(HistoryError::ClientMismatch {
                id,
                invoked_by: self.ops[index].client,
                completed_by: c,
            });
        }
        self.complete(OpHandle(index), time, outcome)
    }

    /// The operation `client` has outstanding, if any (parsers of formats that
    /// match completions by process use this).
    pub fn open_op(&self, client: ClientId) -> Option<OpHandle> {
        self.open_by_client.get(&client).map(|&i| OpHandle(i))
    }

    /// The operation invoked with this id.
    pub fn find(&self, id: RequestId) -> Option<OpHandle> {
        self.by_id.get(&id).map(|&i| OpHandle(i))
    }

    /// The operation behind a handle, as recorded so far.
    pub fn op(&self, op: OpHandle) -> &Operation {
        &self.ops[op.0]
    }

    /// The history; operations still open stay `info` without a time.
    pub fn finish(self) -> History {
        History {
            kind: self.kind,
            ops: self.ops,
            events: self.events,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Action, Output, RegisterOp};

    fn write(v: i64) -> Input {
        Input::new("x", Action::Register(RegisterOp::Write(v)))
    }

    #[test]
    fn records_ok_fail_info_and_open_operations() {
        let mut b = HistoryBuilder::new(ModelKind::Register);
        let a = b
            .invoke(RequestId(1), ClientId(0), Time(0), write(1))
            .unwrap();
        let r = b
            .invoke(
                RequestId(2),
                ClientId(1),
                Time(1),
                Input::new("x", Action::Register(RegisterOp::Read)),
            )
            .unwrap();
        b.complete(a, Time(2), Outcome::Ok(Output::Done)).unwrap();
        b.complete(r, Time(3), Outcome::Info).unwrap();
        let c = b
            .invoke(RequestId(3), ClientId(0), Time(3), write(2))
            .unwrap();
        b.invoke(RequestId(4), ClientId(1), Time(4), write(3))
            .unwrap();
        b.complete(c, Time(5), Outcome::Fail).unwrap();
        let h = b.finish();
        assert_eq!(h.ops.len(), 4);
        assert_eq!(h.events.len(), 7);
        assert_eq!(h.ops[1].completion, Completion::Info { at: Some(Time(3)) });
        assert_eq!(h.ops[2].completion, Completion::Fail { at: Time(5) });
        assert_eq!(h.ops[3].completion, Completion::Info { at: None });
    }

    #[test]
    fn rejects_impossible_sequences() {
        let mut b = HistoryBuilder::new(ModelKind::Register);
        let a = b
            .invoke(RequestId(1), ClientId(0), Time(5), write(1))
            .unwrap();
        assert!(matches!(
            b.invoke(RequestId(2), ClientId(0), Time(6), write(2)),
            Err(HistoryError::ClientBusy { .. })
        ));
        assert!(matches!(
            b.invoke(RequestId(1), ClientId(1), Time(6), write(2)),
            Err(HistoryError::DuplicateId(_))
        ));
        assert!(matches!(
            b.invoke(RequestId(3), ClientId(1), Time(4), write(2)),
            Err(HistoryError::TimeWentBackwards { .. })
        ));
        assert!(matches!(
            b.invoke(
                RequestId(4),
                ClientId(2),
                Time(6),
                Input::new("x", Action::Set(crate::history::SetOp::Read))
            ),
            Err(HistoryError::WrongKind { .. })
        ));
        assert!(matches!(
            b.complete(a, Time(7), Outcome::Ok(Output::Register(Some(1)))),
            Err(HistoryError::OutputMismatch { .. })
        ));
        b.complete(a, Time(7), Outcome::Ok(Output::Done)).unwrap();
        assert!(matches!(
            b.complete(a, Time(8), Outcome::Fail),
            Err(HistoryError::AlreadyCompleted(_))
        ));
        assert!(matches!(
            b.complete_id(RequestId(99), None, Time(8), Outcome::Fail),
            Err(HistoryError::UnknownId(_))
        ));
    }

    #[test]
    fn rejects_an_element_appended_twice() {
        let append = |e| Input::new("l", Action::Append(AppendOp::Append(e)));
        let mut b = HistoryBuilder::new(ModelKind::Append);
        b.invoke(RequestId(1), ClientId(0), Time(0), append(7))
            .unwrap();
        // On another key too: unique in the history.
        let other_key = Input::new("m", Action::Append(AppendOp::Append(7)));
        let e = b
            .invoke(RequestId(2), ClientId(1), Time(1), other_key)
            .unwrap_err();
        assert_eq!(
            e,
            HistoryError::DuplicateElement {
                function: "append",
                element: 7,
                first: RequestId(1)
            }
        );
        assert!(e.to_string().contains("must be unique"), "{e}");
        b.invoke(RequestId(3), ClientId(1), Time(1), append(8))
            .unwrap();
    }
}
