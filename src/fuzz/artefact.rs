//! Failure artefacts: scenario files written so that nothing is lost or
//! silently overwritten.

use std::io;
use std::path::{Path, PathBuf};

/// What writing an artefact did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteStatus {
    /// The file did not exist.
    Created,
    /// It existed with exactly these contents.
    Unchanged,
}

/// Where an artefact was written and what that did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    pub status: WriteStatus,
    /// A file with other contents held the wanted name, so `path` is a fresh
    /// one beside it (`…-2.json`, `…-3.json`): that file is left as it was.
    pub kept: Option<PathBuf>,
}

/// The most names tried beside a taken one before giving up.
const MAX_FRESH_NAMES: u32 = 1000;

/// Writes `text` to `path`, or — when `path` already holds other contents
/// (an earlier sweep's file, one the user edited, a scenario being shrunk) —
/// to the first free name beside it (`name-2.json`, `name-3.json`, …) or one
/// already holding exactly `text`. An existing file is never replaced. The
/// write goes through a temporary file and a rename, so an interrupted sweep
/// never leaves half a file.
pub fn write_artefact(path: &Path, text: &str) -> io::Result<Written> {
    let mut candidate = path.to_path_buf();
    let mut n = 1;
    loop {
        match std::fs::read(&candidate) {
            Ok(old) if old == text.as_bytes() => {
                return Ok(Written {
                    kept: (candidate != path).then(|| path.to_path_buf()),
                    path: candidate,
                    status: WriteStatus::Unchanged,
                });
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => break,
            // A directory or an unreadable file by that name: not ours to touch.
            Err(_) if candidate.exists() => {}
            Err(e) => return Err(e),
        }
        n += 1;
        if n > MAX_FRESH_NAMES {
            return Err(io::Error::other(format!(
                "{} and {} names beside it are taken",
                path.display(),
                MAX_FRESH_NAMES - 1
            )));
        }
        candidate = numbered(path, n);
    }
    if let Some(dir) = candidate.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut tmp = candidate.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    std::fs::write(&tmp, text)?;
    // A link, not a rename: it fails instead of replacing a file that
    // appeared meanwhile (another process choosing the same name).
    let linked = match std::fs::hard_link(&tmp, &candidate) {
        // No hard links on this file system: a rename, the name checked just before.
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists && !candidate.exists() => {
            std::fs::rename(&tmp, &candidate)
        }
        other => other,
    };
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(Written {
            kept: (candidate != path).then(|| path.to_path_buf()),
            path: candidate,
            status: WriteStatus::Created,
        }),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => write_artefact(path, text),
        Err(e) => Err(e),
    }
}

/// `dir/name-N.ext` for `dir/name.ext`.
fn numbered(path: &Path, n: u32) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    match path.extension() {
        Some(ext) => path.with_file_name(format!("{stem}-{n}.{}", ext.to_string_lossy())),
        None => path.with_file_name(format!("{stem}-{n}")),
    }
}

/// `parliament run PATH`, with the path quoted for a POSIX shell when needed.
pub fn reproduce_command(path: &Path) -> String {
    format!("parliament run {}", shell_word(&path.display().to_string()))
}

fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./+:@%=,".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_never_replace_a_file() {
        let dir = std::env::temp_dir().join(format!("parliament-artefact-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("a.json");
        let w = write_artefact(&path, "one").unwrap();
        assert_eq!(
            (w.path.as_path(), w.status),
            (path.as_path(), WriteStatus::Created)
        );
        assert_eq!(w.kept, None);
        let w = write_artefact(&path, "one").unwrap();
        assert_eq!(
            (w.path.as_path(), w.status),
            (path.as_path(), WriteStatus::Unchanged)
        );
        // Other contents under the name: a fresh name, the old file intact.
        let w = write_artefact(&path, "two").unwrap();
        assert_eq!(w.path, dir.join("a-2.json"));
        assert_eq!(w.status, WriteStatus::Created);
        assert_eq!(w.kept.as_deref(), Some(path.as_path()));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one");
        assert_eq!(
            std::fs::read_to_string(dir.join("a-2.json")).unwrap(),
            "two"
        );
        // The same contents again find their file; new ones the next name.
        assert_eq!(
            write_artefact(&path, "two").unwrap().status,
            WriteStatus::Unchanged
        );
        assert_eq!(
            write_artefact(&path, "three").unwrap().path,
            dir.join("a-3.json")
        );
        // A directory by that name is passed over too.
        std::fs::create_dir_all(dir.join("d.json")).unwrap();
        assert_eq!(
            write_artefact(&dir.join("d.json"), "x").unwrap().path,
            dir.join("d-2.json")
        );
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn reproduce_commands_quote_odd_paths() {
        assert_eq!(
            reproduce_command(Path::new("out/x-seed-1.json")),
            "parliament run out/x-seed-1.json"
        );
        assert_eq!(
            reproduce_command(Path::new("my dir/it's.json")),
            r"parliament run 'my dir/it'\''s.json'"
        );
    }
}
