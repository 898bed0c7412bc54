//! A scenario named as `parliament list` shows it: `parliament run happy-path`
//! (or `paxos/happy-path`) runs `scenarios/paxos/happy-path.json`.
//!
//! An argument that names an existing file, or that has a `.json` extension,
//! is a path and is used as it is. Otherwise it is a scenario name, looked up
//! as `<name>.json` under `scenarios/` in the current directory and, when
//! none is found there, under the `scenarios/` folder of the source tree this
//! parliament was built from. A name that matches several files in the same
//! place is refused with the list of them.

use crate::cli::list::collect_json;
use crate::error::InputError;
use std::path::{Path, PathBuf};

/// Where names are looked up, in order.
pub fn search_dirs() -> Vec<PathBuf> {
    let here = PathBuf::from("scenarios");
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut dirs = vec![here.clone()];
    let same = match (here.canonicalize(), bundled.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same {
        dirs.push(bundled);
    }
    dirs
}

/// The file `arg` names: itself, or the scenario of that name.
pub fn resolve(arg: &Path) -> Result<PathBuf, InputError> {
    if crate::input::is_std_stream(arg)
        || arg.exists()
        || arg.extension().is_some_and(|e| e == "json")
    {
        return Ok(arg.to_path_buf());
    }
    let name = arg.to_string_lossy().replace('\\', "/");
    for dir in search_dirs() {
        let mut files = Vec::new();
        if collect_json(&dir, &mut files).is_err() {
            continue;
        }
        files.sort();
        let matches: Vec<PathBuf> = files
            .into_iter()
            .filter(|f| {
                let rel = f.strip_prefix(&dir).unwrap_or(f).with_extension("");
                let rel = rel.to_string_lossy().replace('\\', "/");
                rel == name || rel.ends_with(&format!("/{name}"))
            })
            .collect();
        match matches.len() {
            0 => continue,
            1 => return Ok(matches.into_iter().next().expect("one match")),
            _ => {
                let list: Vec<String> = matches.iter().map(|m| m.display().to_string()).collect();
                return Err(InputError::new(
                    arg.display().to_string(),
                    format!(
                        "the scenario name matches {} files; give one of them: {}",
                        list.len(),
                        list.join(", ")
                    ),
                ));
            }
        }
    }
    let dirs: Vec<String> = search_dirs()
        .iter()
        .map(|d| d.display().to_string())
        .collect();
    Err(InputError::new(
        arg.display().to_string(),
        format!(
            "no such file, and no scenario of that name under {} (see `parliament list`)",
            dirs.join(" or ")
        ),
    ))
}
