//! Errors about input: a scenario, a trace or a history that cannot be used.
//!
//! Every such error says where (file, JSON path or line, and line/column when the
//! JSON parser knows them) and what was expected. The CLI maps them to exit code 2.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// The file, or a description of the input ("trace header", "<stdin>").
    pub source: String,
    /// Where in the input: a JSON path such as `faults[2].at`, or empty.
    pub path: String,
    /// 1-based line and column, when known.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl InputError {
    pub fn new(source: impl Into<String>, message: impl Into<String>) -> InputError {
        InputError {
            source: source.into(),
            path: String::new(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn at(mut self, path: impl Into<String>) -> InputError {
        self.path = path.into();
        self
    }

    pub fn at_line(mut self, line: usize) -> InputError {
        self.line = Some(line);
        self
    }

    pub fn at_line_column(mut self, line: usize, column: usize) -> InputError {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// The same error attributed to another source (used when a scenario embedded
    /// in a trace header turns out to be bad).
    pub fn in_source(mut self, source: impl Into<String>) -> InputError {
        self.source = source.into();
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, ":{l}:{c}")?,
            (Some(l), None) => write!(f, ":{l}")?,
            _ => {}
        }
        if !self.path.is_empty() {
            write!(f, ": at {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}
