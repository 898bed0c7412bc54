//! The history file formats, and how a format is inferred when not given.

use super::{History, HistoryBuilder, ModelKind, edn_kv, etcd, jsonl};
use crate::error::InputError;
use std::fmt;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Ours: JSON Lines with a header (docs/history-format.md).
    Jsonl,
    /// Jepsen text logs of etcd, as shipped with Porcupine.
    PorcupineEtcd,
    /// Jepsen-style EDN maps of a string key/value store, as shipped with Porcupine.
    PorcupineKv,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Jsonl, Format::PorcupineEtcd, Format::PorcupineKv];

    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::PorcupineEtcd => "porcupine-etcd",
            Format::PorcupineKv => "porcupine-kv",
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    pub fn parse(self, source: &str, text: &str) -> Result<History, InputError> {
        match self {
            Format::Jsonl => jsonl::parse(source, text),
            Format::PorcupineEtcd => etcd::parse(source, text),
            Format::PorcupineKv => edn_kv::parse(source, text),
        }
    }

    /// The format from the first non-blank line: `{"` is JSON, `{:` is EDN,
    /// `INFO` is a Jepsen log. Otherwise (an empty file, or a first line that is
    /// none of these) the extension decides: `.jsonl`, `.log` (etcd) or
    /// `.edn`/`.txt` (kv), and the parser then reports what is wrong.
    pub fn infer(path: &Path, text: &str) -> Result<Format, InputError> {
        let first = text.lines().map(str::trim).find(|l| !l.is_empty());
        if let Some(line) = first {
            let compact: String = line
                .chars()
                .filter(|c| !c.is_whitespace())
                .take(2)
                .collect();
            if compact == "{\"" {
                return Ok(Format::Jsonl);
            }
            if compact == "{:" {
                return Ok(Format::PorcupineKv);
            }
            if line.starts_with("INFO") {
                return Ok(Format::PorcupineEtcd);
            }
        }
        let by_extension = match path.extension().and_then(|e| e.to_str()) {
            Some("jsonl") => Some(Format::Jsonl),
            Some("log") => Some(Format::PorcupineEtcd),
            Some("edn" | "txt") => Some(Format::PorcupineKv),
            _ => None,
        };
        match (first, by_extension) {
            (_, Some(f)) => Ok(f),
            (None, None) => Err(InputError::new(
                path.display().to_string(),
                "the file is empty and its extension does not tell the format; \
                 give --format jsonl|porcupine-etcd|porcupine-kv",
            )),
            (Some(_), None) => Err(InputError::new(
                path.display().to_string(),
                "cannot tell the format from the first line (expected a JSON object, \
                 an EDN map `{:process ...}` or a Jepsen log line `INFO  jepsen.util - ...`) \
                 nor from the extension; give --format jsonl|porcupine-etcd|porcupine-kv",
            )
            .at_line(first_line_number(text))),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn first_line_number(text: &str) -> usize {
    text.lines()
        .position(|l| !l.trim().is_empty())
        .map_or(1, |i| i + 1)
}

/// The loop of the line-oriented external formats: each non-blank line goes to
/// `parse_line` with its 1-based number, and an error it returns is reported
/// at that line.
pub(super) fn line_by_line(
    source: &str,
    text: &str,
    kind: ModelKind,
    mut parse_line: impl FnMut(&mut HistoryBuilder, &str, usize) -> Result<(), String>,
) -> Result<History, InputError> {
    let mut builder = HistoryBuilder::new(kind);
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        if raw.trim().is_empty() {
            continue;
        }
        parse_line(&mut builder, raw, line_no)
            .map_err(|message| InputError::new(source, message).at_line(line_no))?;
    }
    Ok(builder.finish())
}

/// Parse `text` (named `source` in errors) in `format`, or the inferred format.
pub fn read_history(
    path: &Path,
    text: &str,
    format: Option<Format>,
) -> Result<(Format, History), InputError> {
    let format = match format {
        Some(f) => f,
        None => Format::infer(path, text)?,
    };
    let history = format.parse(&path.display().to_string(), text)?;
    Ok((format, history))
}

/// The largest history file read (`parliament check`), in bytes.
pub const MAX_HISTORY_BYTES: u64 = 4 << 30;
/// The longest line of a history file, in bytes.
pub const MAX_HISTORY_LINE_BYTES: u64 = 16 << 20;

/// Reads and parses a history file (`-`: standard input) within
/// [`MAX_HISTORY_BYTES`] and [`MAX_HISTORY_LINE_BYTES`]. Bytes that are not
/// UTF-8 are an input error that names the line where they are.
pub fn read_history_file(
    path: &Path,
    format: Option<Format>,
) -> Result<(Format, History), InputError> {
    let source = path.display().to_string();
    let bytes = crate::input::read_capped(
        path,
        crate::input::ReadLimits {
            max_bytes: MAX_HISTORY_BYTES,
            max_line_bytes: MAX_HISTORY_LINE_BYTES,
            what: "history files",
        },
    )?;
    let text = text_of(&source, &bytes)?;
    read_history(path, text, format)
}

/// The bytes as UTF-8 text, or an error at the line of the first bad byte.
pub fn text_of<'a>(source: &str, bytes: &'a [u8]) -> Result<&'a str, InputError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        let line = 1 + good.iter().filter(|&&b| b == b'\n').count();
        InputError::new(source, "the file is not UTF-8 text").at_line(line)
    })
}
