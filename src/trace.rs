//! Traces: one JSON line per event, after a header line that holds everything
//! needed to run the same thing again (tool version, seed, full scenario).
//!
//! The engine hands each event to a [`TraceOutput`], which serialises it once and
//! feeds the bytes to whatever is attached: a file (streamed through a buffer
//! flushed whenever it fills, and at the end — also of a run stopped by its
//! memory budget or by Ctrl-C — so a stopped run leaves what it found), a SHA-256 hasher, a comparer that
//! replays against a recorded trace, and a human-readable log. With nothing
//! attached the engine builds no events at all.
//!
//! The format is documented in docs/trace-format.md.

use crate::error::InputError;
use crate::fact::Fact;
use crate::history::{Input, Output};
use crate::ids::{MessageId, RequestId};
use crate::named::Named;
use crate::net::DropReason;
use crate::op::{Op, Reply};
use crate::scenario::{Scenario, ScenarioSpec};
use crate::time::Time;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt::Display;
use std::io::{self, BufRead, Write};

mod background_writer;
mod compact_json;
use background_writer::BackgroundWriter;

pub const FORMAT_VERSION: u32 = 1;

/// The first line of every trace.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// The version of parliament that wrote the trace.
    pub parliament: String,
    pub format: u32,
    pub protocol: String,
    pub variant: String,
    pub seed: u64,
    /// The scenario as run (with the seed actually used).
    pub scenario: ScenarioSpec,
}

impl Header {
    pub fn new(scenario: &Scenario) -> Header {
        Header {
            parliament: env!("CARGO_PKG_VERSION").to_string(),
            format: FORMAT_VERSION,
            protocol: scenario.protocol.name().to_string(),
            variant: scenario.variant.to_string(),
            seed: scenario.spec.seed,
            scenario: scenario.spec.clone(),
        }
    }

    /// Validates the embedded scenario and checks that the header's own
    /// protocol, variant and seed say the same as it does: a trace whose
    /// header disagrees with itself is refused rather than half believed.
    pub fn scenario(&self, source: &str) -> Result<Scenario, InputError> {
        let scenario = Scenario::from_spec(self.scenario.clone(), &format!("{source} (header)"))?;
        let mismatch = |field: &str, header: String, embedded: String| {
            Err(InputError::new(
                source,
                format!(
                    "the header says {field} {header}, but its scenario runs {embedded}: \
                     the trace was edited or corrupted"
                ),
            )
            .at(field)
            .at_line(1))
        };
        if self.protocol != scenario.protocol.name() {
            return mismatch(
                "protocol",
                self.protocol.clone(),
                scenario.protocol.name().to_string(),
            );
        }
        if self.variant != scenario.variant {
            return mismatch(
                "variant",
                self.variant.clone(),
                scenario.variant.to_string(),
            );
        }
        if self.seed != scenario.spec.seed {
            return mismatch(
                "seed",
                self.seed.to_string(),
                scenario.spec.seed.to_string(),
            );
        }
        Ok(scenario)
    }
}

// ---------------------------------------------------------------------------
// Trace lines read back.

/// One trace line after the header, read back as a typed record: what
/// `judge`, and every renderer that reads a trace file, works from. Protocol
/// payloads (messages, timers, disk writes, replies, scripted operations) stay
/// JSON, next to the names that say what they are.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Record {
    pub t: Time,
    pub seq: u64,
    #[serde(flatten)]
    pub event: RecordedEvent,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RecordedEvent {
    Request {
        node: String,
        #[serde(default)]
        client: Option<String>,
        request: RequestId,
        op: serde_json::Value,
        #[serde(default)]
        node_down: bool,
    },
    Invoke {
        client: String,
        request: RequestId,
        /// The operation in the history format's fields (`f`, `key`, `value`, ...).
        #[serde(flatten)]
        op: serde_json::Map<String, serde_json::Value>,
    },
    Complete {
        client: String,
        request: RequestId,
        outcome: CompletionWord,
        #[serde(default)]
        value: Option<serde_json::Value>,
    },
    Send {
        mid: MessageId,
        from: String,
        to: String,
        /// In the protocol's field order, for labels.
        msg: crate::payload::Payload,
    },
    Duplicate {
        mid: MessageId,
        copy: MessageId,
    },
    Deliver {
        mid: MessageId,
        from: String,
        to: String,
    },
    Drop {
        mid: MessageId,
        from: String,
        to: String,
        reason: DropReason,
    },
    Timer {
        node: String,
        timer: crate::payload::Payload,
    },
    Persist {
        node: String,
        write: serde_json::Value,
    },
    Fact {
        node: String,
        #[serde(flatten)]
        fact: Fact,
    },
    Reply {
        node: String,
        request: RequestId,
        reply: serde_json::Value,
    },
    Crash {
        node: String,
    },
    Restart {
        node: String,
    },
    Pause {
        node: String,
    },
    Resume {
        node: String,
    },
    Partition {
        groups: Vec<Vec<String>>,
    },
    Cut {
        from: Vec<String>,
        to: Vec<String>,
    },
    Heal,
    End {
        reason: EndReason,
        events: u64,
    },
}

/// How a client's operation ended, as `complete` lines write it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompletionWord {
    Ok,
    Fail,
    Info,
}

/// The longest trace line read back (a primary's state transfer can be long).
pub const MAX_LINE_BYTES: usize = 64 << 20;

/// Reads lines of at most [`MAX_LINE_BYTES`] from a trace, and keeps the
/// SHA-256 of every byte read so far, so a trace is hashed as it streams by.
pub struct TraceLines {
    reader: Box<dyn BufRead>,
    hasher: Sha256,
    /// 1-based number of the last line read.
    pub line_no: usize,
    buf: Vec<u8>,
}

impl TraceLines {
    pub fn new(reader: Box<dyn BufRead>) -> TraceLines {
        TraceLines {
            reader,
            hasher: Sha256::new(),
            line_no: 0,
            buf: Vec::new(),
        }
    }

    /// The next line without its newline; `Ok(None)` at the end.
    pub fn next_line(&mut self) -> io::Result<Option<String>> {
        self.buf.clear();
        let limit = MAX_LINE_BYTES as u64 + 1;
        let n = io::Read::take(&mut self.reader, limit).read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        self.hasher.update(&self.buf);
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
        } else if n as u64 == limit {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "line {} is longer than {MAX_LINE_BYTES} bytes",
                    self.line_no
                ),
            ));
        }
        String::from_utf8(std::mem::take(&mut self.buf))
            .map(Some)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
    }

    /// The SHA-256 (hex) of everything read so far.
    pub fn sha256(&self) -> String {
        hex(&self.hasher.clone().finalize())
    }
}

impl Iterator for TraceLines {
    type Item = io::Result<String>;
    fn next(&mut self) -> Option<io::Result<String>> {
        self.next_line().transpose()
    }
}

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EndReason {
    /// Nothing left to happen: no message in flight, no timer pending.
    Quiescent,
    TimeLimit,
    EventLimit,
    /// The run would have used more memory than its budget allowed
    /// (`parliament run --max-memory`): it stopped early, and nothing is judged.
    MemoryLimit,
    /// The user pressed Ctrl-C: the run stopped where it was, and nothing is
    /// judged.
    Interrupted,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Quiescent => "quiescent",
            EndReason::TimeLimit => "time-limit",
            EndReason::EventLimit => "event-limit",
            EndReason::MemoryLimit => "memory-limit",
            EndReason::Interrupted => "interrupted",
        }
    }
}

/// One event, borrowing from the engine. `M`, `T`, `W` are the protocol's
/// message, timer and durable-write types.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event<'a, M, T, W> {
    /// A client request reached `node` (or was lost because the node is down).
    Request {
        node: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        client: Option<&'a str>,
        request: RequestId,
        op: &'a Op,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        node_down: bool,
    },
    /// A client invoked an operation (the history's invoke event).
    Invoke {
        client: &'a str,
        request: RequestId,
        #[serde(flatten)]
        op: &'a Input,
    },
    /// A client's operation completed: `ok` with the value it saw, `fail`, or
    /// `info` when the client gave up (the history's completion event).
    Complete {
        client: &'a str,
        request: RequestId,
        outcome: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<&'a Output>,
    },
    Send {
        mid: MessageId,
        from: &'a str,
        to: &'a str,
        msg: &'a M,
    },
    Duplicate {
        mid: MessageId,
        copy: MessageId,
    },
    /// The message arrived and was handed to `to`. (`msg` is for the log; the
    /// trace links to the `send` line by `mid`.)
    Deliver {
        mid: MessageId,
        from: &'a str,
        to: &'a str,
        #[serde(skip)]
        msg: &'a M,
    },
    Drop {
        mid: MessageId,
        from: &'a str,
        to: &'a str,
        reason: DropReason,
        #[serde(skip)]
        msg: &'a M,
    },
    Timer {
        node: &'a str,
        timer: &'a T,
    },
    Persist {
        node: &'a str,
        write: &'a W,
    },
    Fact {
        node: &'a str,
        #[serde(flatten)]
        fact: &'a Fact,
    },
    Reply {
        node: &'a str,
        request: RequestId,
        reply: &'a Reply,
    },
    Crash {
        node: &'a str,
    },
    Restart {
        node: &'a str,
    },
    Pause {
        node: &'a str,
    },
    Resume {
        node: &'a str,
    },
    Partition {
        groups: Vec<Vec<&'a str>>,
    },
    Cut {
        from: Vec<&'a str>,
        to: Vec<&'a str>,
    },
    Heal,
    End {
        reason: EndReason,
        events: u64,
    },
}

/// Compares a re-run, line by line, with a recorded trace.
pub struct Comparer {
    lines: Box<dyn Iterator<Item = io::Result<String>>>,
    line_no: usize,
    /// The first line that differed: (line number, recorded, produced).
    pub divergence: Option<Divergence>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    pub line: usize,
    pub recorded: Option<String>,
    pub produced: Option<String>,
}

impl Comparer {
    /// `lines` are the recorded trace's lines after the header.
    pub fn new(lines: Box<dyn Iterator<Item = io::Result<String>>>) -> Comparer {
        Comparer {
            lines,
            line_no: 1,
            divergence: None,
        }
    }

    fn compare(&mut self, produced: &[u8]) {
        if self.divergence.is_some() {
            return;
        }
        self.line_no += 1;
        let recorded = self.lines.next();
        if let Some(Ok(recorded)) = &recorded
            && recorded.as_bytes() == produced
        {
            return;
        }
        let produced = String::from_utf8_lossy(produced).into_owned();
        match recorded {
            Some(Ok(recorded)) if recorded == produced => {}
            Some(Ok(recorded)) => {
                self.divergence = Some(Divergence {
                    line: self.line_no,
                    recorded: Some(recorded),
                    produced: Some(produced),
                })
            }
            Some(Err(e)) => {
                self.divergence = Some(Divergence {
                    line: self.line_no,
                    recorded: Some(format!("<unreadable: {e}>")),
                    produced: Some(produced),
                })
            }
            None => {
                self.divergence = Some(Divergence {
                    line: self.line_no,
                    recorded: None,
                    produced: Some(produced),
                })
            }
        }
    }

    /// After the run: a recorded line left over is a divergence too.
    pub fn finish(&mut self) {
        if self.divergence.is_none()
            && let Some(next) = self.lines.next()
        {
            self.divergence = Some(Divergence {
                line: self.line_no + 1,
                recorded: Some(next.unwrap_or_else(|e| format!("<unreadable: {e}>"))),
                produced: None,
            });
        }
    }
}

/// Bytes of trace lines gathered before they are written, when a trace file
/// has no thread of its own.
const CHUNK: usize = 1 << 16;

/// Where events go. Build one, attach what is wanted, hand it to the engine.
#[derive(Default)]
pub struct TraceOutput {
    file: Option<Box<dyn Write>>,
    /// A trace file written on a thread of its own (see `to_file`).
    background: Option<BackgroundWriter>,
    hasher: Option<Sha256>,
    pub comparer: Option<Comparer>,
    /// Human log lines still allowed (None: no log).
    log_budget: Option<u64>,
    log_suppressed: u64,
    log_sink: Option<Box<dyn Write>>,
    buf: Vec<u8>,
    line_start: compact_json::LineStart,
    /// Bytes of lines gathered before they go to `file` (0: each line at once).
    gather: usize,
    io_error: Option<io::Error>,
}

impl TraceOutput {
    pub fn new() -> TraceOutput {
        TraceOutput::default()
    }

    /// Stream the trace to `w`, each line as soon as its event happens (for
    /// sinks that act on every event: step mode, diagrams, narration).
    pub fn to_writer(mut self, w: Box<dyn Write>) -> TraceOutput {
        self.file = Some(w);
        self.gather = 0;
        self
    }

    /// Stream the trace to a file: lines gather into chunks of 1 MiB, which a
    /// thread of their own writes, so the simulation does not wait for the
    /// kernel's copy (where no thread can start, 64 KiB chunks written here).
    /// Everything gathered is written by `finish`, which every end of a run
    /// goes through.
    pub fn to_file(mut self, w: Box<dyn Write + Send>) -> TraceOutput {
        match BackgroundWriter::spawn(w) {
            Ok(background) => {
                self.background = Some(background);
                self.gather = background_writer::CHUNK;
            }
            Err(w) => {
                self.file = Some(w);
                self.gather = CHUNK;
            }
        }
        self
    }

    /// Compute the SHA-256 of the trace.
    pub fn hashed(mut self) -> TraceOutput {
        self.hasher = Some(Sha256::new());
        self
    }

    pub fn compared_with(mut self, c: Comparer) -> TraceOutput {
        self.comparer = Some(c);
        self
    }

    /// Print a human-readable log of at most `limit` events to `w`.
    pub fn logged(mut self, w: Box<dyn Write>, limit: u64) -> TraceOutput {
        self.log_sink = Some(w);
        self.log_budget = Some(limit);
        self
    }

    /// Whether the engine should build events at all.
    pub fn active(&self) -> bool {
        self.wants_json() || self.log_budget.is_some()
    }

    fn wants_json(&self) -> bool {
        self.file.is_some()
            || self.background.is_some()
            || self.hasher.is_some()
            || self.comparer.is_some()
    }

    /// Writes the header line (hashed and written like any line, never compared:
    /// replay reads it to know what to run).
    pub fn header(&mut self, header: &Header) {
        if !self.wants_json() {
            return;
        }
        serde_json::to_writer(&mut self.buf, header).expect("headers serialise");
        self.buf.push(b'\n');
        self.write_gathered();
    }

    /// Writes event number `seq` (the world numbers its events, so a cloned
    /// world goes on numbering where the original was).
    pub fn event<M, T, W>(&mut self, t: Time, seq: u64, ev: &Event<'_, M, T, W>)
    where
        M: Serialize + Display,
        T: Serialize,
        W: Serialize,
    {
        if self.wants_json() {
            // Lines gather in `buf` and leave `gather` bytes at a time (see
            // `to_writer` and `to_file`).
            let line_start = self.buf.len();
            // {"t":..,"seq":.., then the event's own fields: the event object's
            // opening brace becomes the comma after ours.
            self.line_start.write(&mut self.buf, t.0, seq);
            let start = self.buf.len();
            if compact_json::write_event(&mut self.buf, ev).is_err() {
                // A value written only by serde_json (a float, say).
                self.buf.truncate(start);
                serde_json::to_writer(&mut self.buf, ev).expect("events serialise");
            }
            self.buf[start] = b',';
            if let Some(c) = self.comparer.as_mut() {
                c.compare(&self.buf[line_start..]);
            }
            self.buf.push(b'\n');
            if self.buf.len() >= self.gather {
                self.write_gathered();
            }
        }
        if let Some(budget) = self.log_budget.as_mut() {
            if *budget > 0 {
                *budget -= 1;
                if let Some(w) = self.log_sink.as_mut()
                    && writeln!(w, "{:>8}  {}", t.0, crate::render::log::describe(ev)).is_err()
                {
                    // A closed or full standard output: the log stops, the run
                    // and its trace file go on; the caller's next print says why.
                    self.log_sink = None;
                    self.log_budget = None;
                }
            } else {
                self.log_suppressed += 1;
            }
        }
    }

    /// Writes the lines gathered in `buf`.
    fn write_gathered(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let lines = std::mem::take(&mut self.buf);
        self.write_bytes(&lines);
        self.buf = lines;
        match self.background.as_mut() {
            Some(background) => background.hand_over(&mut self.buf),
            None => self.buf.clear(),
        }
    }

    fn write_bytes(&mut self, bytes: &[u8]) {
        if let Some(h) = self.hasher.as_mut() {
            h.update(bytes);
        }
        // The writer flushes by size (a full buffer); the end of the run, its
        // memory budget and Ctrl-C all end it through `finish`.
        if let Some(w) = self.file.as_mut()
            && self.io_error.is_none()
            && let Err(e) = w.write_all(bytes)
        {
            self.io_error = Some(e);
        }
    }

    /// Flushes everything; returns the trace's SHA-256 (hex) if hashed and the
    /// first write error, if any.
    pub fn finish(&mut self) -> io::Result<Option<String>> {
        self.write_gathered();
        if let Some(w) = self.file.as_mut()
            && let Err(e) = w.flush()
        {
            self.io_error.get_or_insert(e);
        }
        if let Some(mut background) = self.background.take()
            && let Err(e) = background.finish()
        {
            self.io_error.get_or_insert(e);
        }
        if let Some(w) = self.log_sink.as_mut() {
            if self.log_suppressed > 0 {
                let _ = writeln!(
                    w,
                    "          … {} more events not shown (use --log-limit or --trace FILE)",
                    self.log_suppressed
                );
            }
            let _ = w.flush();
        }
        if let Some(c) = self.comparer.as_mut() {
            c.finish();
        }
        if let Some(e) = self.io_error.take() {
            return Err(e);
        }
        Ok(self.hasher.take().map(|h| hex(&h.finalize())))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Opens a recorded trace (`-`: standard input): its header, and a reader of
/// the remaining lines that hashes what it reads.
pub fn open(path: &std::path::Path) -> Result<(Header, TraceLines), InputError> {
    let source = path.display().to_string();
    let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
        Box::new(io::BufReader::with_capacity(1 << 16, io::stdin()))
    } else {
        let file = std::fs::File::open(path)
            .map_err(|e| InputError::new(&source, format!("cannot open the trace: {e}")))?;
        Box::new(io::BufReader::with_capacity(1 << 16, file))
    };
    let mut lines = TraceLines::new(reader);
    let first = match lines.next_line() {
        Ok(None) => {
            return Err(InputError::new(
                &source,
                "the trace is empty: expected a header line first",
            ));
        }
        Err(e) => {
            return Err(InputError::new(&source, format!("cannot read the trace: {e}")).at_line(1));
        }
        Ok(Some(line)) => line,
    };
    let header: Header = crate::scenario::from_json_text(&first, &source).map_err(|mut e| {
        e.message = format!("not a trace header: {}", e.message);
        if e.line.is_none() {
            e.line = Some(1);
        }
        e
    })?;
    if header.format != FORMAT_VERSION {
        return Err(InputError::new(
            &source,
            format!(
                "trace format {} is not supported (this parliament reads format {})",
                header.format, FORMAT_VERSION
            ),
        )
        .at_line(1));
    }
    Ok((header, lines))
}

/// A cloneable in-memory writer: the trace of a run kept in memory (tests, the
/// step mode), readable after the engine is done with its `TraceOutput`.
#[derive(Clone, Default)]
pub struct SharedBuffer(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl SharedBuffer {
    pub fn new() -> SharedBuffer {
        SharedBuffer::default()
    }

    pub fn contents(&self) -> Vec<u8> {
        self.0.borrow().clone()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.borrow()).into_owned()
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
