//! Failure artefacts: scenario files written so that nothing is lost or
//! silently overwritten.

use std::io;
use std::path::Path;

/// What writing an artefact did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteStatus {
    /// The file did not exist.
    Created,
    /// It existed with exactly these contents.
    Unchanged,
    /// It existed with other contents, which are gone (the caller says so).
    Replaced,
}

/// Writes `text` to `path` through a temporary file and a rename, so an
/// interrupted sweep never leaves half a file.
pub fn write_artefact(path: &Path, text: &str) -> io::Result<WriteStatus> {
    let status = match std::fs::read(path) {
        Ok(old) if old == text.as_bytes() => return Ok(WriteStatus::Unchanged),
        Ok(_) => WriteStatus::Replaced,
        Err(e) if e.kind() == io::ErrorKind::NotFound => WriteStatus::Created,
        Err(e) => return Err(e),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)?;
    Ok(status)
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
    fn writes_say_what_they_did() {
        let dir = std::env::temp_dir().join(format!("parliament-artefact-{}", std::process::id()));
        let path = dir.join("a.json");
        let _ = std::fs::remove_file(&path);
        assert_eq!(write_artefact(&path, "one").unwrap(), WriteStatus::Created);
        assert_eq!(
            write_artefact(&path, "one").unwrap(),
            WriteStatus::Unchanged
        );
        assert_eq!(write_artefact(&path, "two").unwrap(), WriteStatus::Replaced);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
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
