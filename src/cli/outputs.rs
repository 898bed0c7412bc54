//! Output files never destroy inputs: before any work starts, every output
//! path a command was given is compared with its inputs and with the other
//! outputs, and refused when two name the same file (the same path after
//! resolving `.`, `..` and symbolic links, or on Unix the same file by
//! device and inode, which catches hard links).

use crate::input::is_std_stream;
use std::path::{Path, PathBuf};

/// An input or output of a command, named by its option for errors.
pub struct FileArg<'a> {
    pub option: &'a str,
    pub path: &'a Path,
}

/// Refuses outputs that name an input or each other; `-` (a standard
/// stream) is never a file, but two outputs both `-` are refused too.
pub fn check_outputs(inputs: &[FileArg<'_>], outputs: &[FileArg<'_>]) -> Result<(), String> {
    for (i, out) in outputs.iter().enumerate() {
        for input in inputs {
            if !is_std_stream(out.path) && same_file(out.path, input.path) {
                return Err(format!(
                    "{} {} names the input {} ({}): writing it would destroy the input",
                    out.option,
                    out.path.display(),
                    input.path.display(),
                    input.option
                ));
            }
        }
        for other in &outputs[..i] {
            if same_file(out.path, other.path)
                || (is_std_stream(out.path) && is_std_stream(other.path))
            {
                return Err(format!(
                    "{} and {} both name {}: one output would overwrite the other",
                    other.option,
                    out.option,
                    out.path.display()
                ));
            }
        }
    }
    Ok(())
}

/// Refuses to run when standard output is redirected into one of the inputs
/// (`parliament judge t.jsonl >> t.jsonl`), as `cat` does: the command would
/// read what it writes, or destroy what it reads. Only a regular file can be
/// both; a terminal or a pipe never is.
pub fn check_stdout_is_no_input(inputs: &[&Path]) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(out) = std::fs::metadata("/dev/stdout") else {
            return Ok(());
        };
        if !out.is_file() {
            return Ok(());
        }
        for input in inputs.iter().filter(|p| !is_std_stream(p)) {
            if let Ok(m) = std::fs::metadata(input)
                && m.dev() == out.dev()
                && m.ino() == out.ino()
            {
                return Err(format!(
                    "standard output is the input {}: writing it would destroy the input \
                     (redirect the output to another file)",
                    input.display()
                ));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = inputs;
    Ok(())
}

/// Whether two paths name the same file (an output need not exist yet).
pub fn same_file(a: &Path, b: &Path) -> bool {
    if is_std_stream(a) || is_std_stream(b) {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return ma.dev() == mb.dev() && ma.ino() == mb.ino();
        }
    }
    match (resolved(a), resolved(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// The absolute path a (possibly not yet existing) file would have.
fn resolved(p: &Path) -> Option<PathBuf> {
    if let Ok(c) = p.canonicalize() {
        return Some(c);
    }
    let name = p.file_name()?;
    let parent = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Some(parent.canonicalize().ok()?.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_file_sees_through_dots_and_links() {
        let dir = std::env::temp_dir().join(format!("parliament-outputs-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let a = dir.join("a.json");
        std::fs::write(&a, "{}").unwrap();
        assert!(same_file(&a, &dir.join("sub/../a.json")));
        std::fs::hard_link(&a, dir.join("hard.json")).unwrap();
        assert!(same_file(&a, &dir.join("hard.json")));
        assert!(same_file(
            &dir.join("new.jsonl"),
            &dir.join("sub/../new.jsonl")
        ));
        assert!(!same_file(&a, &dir.join("b.json")));
        let inputs = [FileArg {
            option: "SCENARIO",
            path: &a,
        }];
        let outputs = [FileArg {
            option: "--trace",
            path: &a,
        }];
        assert!(check_outputs(&inputs, &outputs).is_err());
        let t = dir.join("t.jsonl");
        let outputs = [
            FileArg {
                option: "--trace",
                path: &t,
            },
            FileArg {
                option: "--history",
                path: &t,
            },
        ];
        assert!(check_outputs(&inputs, &outputs).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
