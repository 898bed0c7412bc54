//! Renderers: everything that turns a run's events into something a person
//! reads. They read events and facts only; none reaches back into the engine.

pub mod diagram;
pub mod linearizability;
pub mod log;
pub mod narrate;
pub mod view;

use crate::trace::Record;
use std::io::{self, Write};

/// What a [`RecordSink`] does with each record.
pub type OnRecord = Box<dyn FnMut(&Record) -> io::Result<()>>;

/// A trace writer that hands each event, read back as a [`Record`], to a
/// renderer as the run goes: attach it where a trace file would go
/// (`TraceOutput::to_writer`), so a live run and its trace file render alike.
pub struct RecordSink {
    on_record: OnRecord,
    partial: Vec<u8>,
    header_seen: bool,
}

impl RecordSink {
    pub fn new(on_record: OnRecord) -> RecordSink {
        RecordSink {
            on_record,
            partial: Vec::new(),
            header_seen: false,
        }
    }

    /// For an output that gets no header line (a world's output attached
    /// after it was built).
    pub fn without_header(mut self) -> RecordSink {
        self.header_seen = true;
        self
    }

    fn line(&mut self, line: &[u8]) -> io::Result<()> {
        if !self.header_seen {
            self.header_seen = true;
            return Ok(());
        }
        let rec: Record = serde_json::from_slice(line)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        (self.on_record)(&rec)
    }
}

impl Write for RecordSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
            if self.partial.is_empty() {
                self.line(&rest[..nl])?;
            } else {
                self.partial.extend_from_slice(&rest[..nl]);
                let line = std::mem::take(&mut self.partial);
                self.line(&line)?;
            }
            rest = &rest[nl + 1..];
        }
        self.partial.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
