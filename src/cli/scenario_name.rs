//! A scenario named as `parliament list` shows it: `parliament run happy-path`
//! (or `paxos/happy-path`) runs `scenarios/paxos/happy-path.json`.
//!
//! An argument that names an existing file, or that has a `.json` extension,
//! is a path and is used as it is. Otherwise it is a scenario name, looked up
//! as `<name>.json` under `scenarios/` in the current directory and, when
//! none is found there, among the scenarios built into this parliament
//! ([`crate::cli::bundled`]), so a name works from any directory. A name that
//! matches several scenarios in the same place is refused with the list of
//! them.

use crate::cli::bundled::BUNDLED;
use crate::cli::list::collect_json;
use crate::error::InputError;
use crate::scenario::Scenario;
use std::path::{Path, PathBuf};

/// The folder names are looked up in first (then the built-in scenarios).
pub const HERE: &str = "scenarios";

/// What a scenario argument names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A file (or `-`, standard input).
    File(PathBuf),
    /// A built-in scenario: its name and text.
    Bundled(&'static str, &'static str),
}

impl Resolved {
    /// The path to name in messages and to keep outputs from overwriting (a
    /// built-in scenario's is `built-in:NAME`, which no file has).
    pub fn path(&self) -> PathBuf {
        match self {
            Resolved::File(p) => p.clone(),
            Resolved::Bundled(name, _) => PathBuf::from(format!("built-in:{name}")),
        }
    }

    pub fn load(&self) -> Result<Scenario, InputError> {
        match self {
            Resolved::File(p) => Scenario::load(p),
            Resolved::Bundled(name, text) => Scenario::parse(text, &format!("built-in:{name}")),
        }
    }
}

/// Whether `rel` (a path under the scenarios folder, without `.json`) is
/// what `name` names: all of it, or its last parts.
fn names(rel: &str, name: &str) -> bool {
    rel == name || rel.ends_with(&format!("/{name}"))
}

/// The scenario `arg` names: a file, or the scenario of that name.
pub fn resolve(arg: &Path) -> Result<Resolved, InputError> {
    if crate::input::is_std_stream(arg)
        || arg.exists()
        || arg.extension().is_some_and(|e| e == "json")
    {
        return Ok(Resolved::File(arg.to_path_buf()));
    }
    let name = arg.to_string_lossy().replace('\\', "/");
    let dir = Path::new(HERE);
    let mut files = Vec::new();
    if collect_json(dir, &mut files).is_ok() {
        files.sort();
        let matches: Vec<PathBuf> = files
            .into_iter()
            .filter(|f| {
                let rel = f.strip_prefix(dir).unwrap_or(f).with_extension("");
                names(&rel.to_string_lossy().replace('\\', "/"), &name)
            })
            .collect();
        match matches.len() {
            0 => {}
            1 => {
                return Ok(Resolved::File(
                    matches.into_iter().next().expect("one match"),
                ));
            }
            _ => {
                let list: Vec<String> = matches.iter().map(|m| m.display().to_string()).collect();
                return Err(ambiguous(arg, &list));
            }
        }
    }
    let matches: Vec<&(&str, &str)> = BUNDLED.iter().filter(|(n, _)| names(n, &name)).collect();
    match matches.as_slice() {
        [] => {}
        [(n, text)] => return Ok(Resolved::Bundled(n, text)),
        _ => {
            let list: Vec<String> = matches.iter().map(|(n, _)| n.to_string()).collect();
            return Err(ambiguous(arg, &list));
        }
    }
    Err(InputError::new(
        arg.display().to_string(),
        format!(
            "no such file, and no scenario of that name under {HERE}/ nor among the \
             built-in ones (see `parliament list`)"
        ),
    ))
}

/// A name that matches several scenarios, refused with their list.
fn ambiguous(arg: &Path, list: &[String]) -> InputError {
    InputError::new(
        arg.display().to_string(),
        format!(
            "the scenario name matches {} scenarios; give one of them: {}",
            list.len(),
            list.join(", ")
        ),
    )
}
