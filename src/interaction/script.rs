//! Story files in the datadriven style of etcd-io/raft's `testdata/*.txt`.
//!
//! ```text
//! # Comments and blank lines are prose, kept as written.
//! request P1 propose X
//! ----
//! P1   request r1: propose X
//! P1   persists {"ballot":1}
//! ...
//! ```
//!
//! A command line is followed by a `----` line and then the output it is
//! expected to print, up to the next blank line (outputs have no blank lines).
//! Playing a script runs its commands in one [`Session`]; [`Script::render`]
//! writes the same file with other outputs, for a reviewed rewrite.

use super::session::Session;
use std::fmt;

/// The separator between a command and its output.
pub const SEPARATOR: &str = "----";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    blocks: Vec<Block>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Block {
    /// A comment or blank line.
    Prose(String),
    Case(Case),
}

/// One command and the output it should print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// 1-based line of the command in the file.
    pub line: usize,
    pub command: String,
    pub expected: Vec<String>,
}

/// A file that is not a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl Script {
    pub fn parse(text: &str) -> Result<Script, ScriptError> {
        let mut blocks = Vec::new();
        let mut lines = text.lines().enumerate().peekable();
        while let Some((i, line)) = lines.next() {
            if line.trim().is_empty() || line.starts_with('#') {
                blocks.push(Block::Prose(line.to_string()));
                continue;
            }
            match lines.next() {
                Some((_, sep)) if sep == SEPARATOR => {}
                _ => {
                    return Err(ScriptError {
                        line: i + 1,
                        message: format!(
                            "the command {line:?} is not followed by a {SEPARATOR} line"
                        ),
                    });
                }
            }
            let mut expected = Vec::new();
            while let Some((_, out)) = lines.peek() {
                if out.trim().is_empty() {
                    break;
                }
                expected.push(out.to_string());
                lines.next();
            }
            blocks.push(Block::Case(Case {
                line: i + 1,
                command: line.to_string(),
                expected,
            }));
        }
        Ok(Script { blocks })
    }

    pub fn cases(&self) -> impl Iterator<Item = &Case> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Case(c) => Some(c),
            Block::Prose(_) => None,
        })
    }

    /// Runs every command in one session; one output per case, in order.
    pub fn play(&self) -> Vec<Vec<String>> {
        let mut session = Session::new();
        self.cases().map(|c| session.run_line(&c.command)).collect()
    }

    /// The file with `outputs` (one per case) in place of the expected ones.
    pub fn render(&self, outputs: &[Vec<String>]) -> String {
        let mut text = String::new();
        let mut outputs = outputs.iter();
        for block in &self.blocks {
            match block {
                Block::Prose(line) => text.push_str(line),
                Block::Case(case) => {
                    text.push_str(&case.command);
                    text.push('\n');
                    text.push_str(SEPARATOR);
                    for line in outputs.next().unwrap_or(&case.expected) {
                        text.push('\n');
                        text.push_str(line);
                    }
                }
            }
            text.push('\n');
        }
        text
    }
}

/// The first line (0-based) at which two outputs differ, if they do.
pub fn first_difference(expected: &[String], actual: &[String]) -> Option<usize> {
    (0..expected.len().max(actual.len())).find(|&i| expected.get(i) != actual.get(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORY: &str = "# A comment.\n\npending\n----\nwrong\n\n# The end.\nview\n----\n";

    #[test]
    fn a_script_renders_back_as_written() {
        let script = Script::parse(STORY).unwrap();
        let expected: Vec<Vec<String>> = script.cases().map(|c| c.expected.clone()).collect();
        assert_eq!(script.render(&expected), STORY);
        assert_eq!(script.cases().map(|c| c.line).collect::<Vec<_>>(), [3, 8]);
    }

    #[test]
    fn playing_replaces_outputs_only() {
        let script = Script::parse(STORY).unwrap();
        let outputs = script.play();
        let not_booted = vec!["error: no cluster yet: start with boot".to_string()];
        assert_eq!(outputs, [not_booted.clone(), not_booted]);
        assert_eq!(
            first_difference(&script.cases().next().unwrap().expected, &outputs[0]),
            Some(0)
        );
        let rewritten = script.render(&outputs);
        assert!(rewritten.starts_with("# A comment.\n\npending\n----\nerror: no cluster"));
        assert!(
            rewritten.ends_with("# The end.\nview\n----\nerror: no cluster yet: start with boot\n")
        );
    }

    #[test]
    fn a_command_needs_its_separator() {
        let err = Script::parse("# x\nview\nview\n").unwrap_err();
        assert_eq!(err.line, 2);
    }
}
