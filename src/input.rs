//! Reading an input file (or standard input, named `-`) with its size capped
//! by the bytes actually read, not by what the file system says: `/dev/zero`,
//! a pipe or a growing file stop at the cap with a clear error instead of
//! filling memory.

use crate::error::InputError;
use std::io::{self, Read};
use std::path::Path;

/// Whether `path` names standard input (or, for outputs, standard output).
pub fn is_std_stream(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// How an input is limited while it is read.
#[derive(Clone, Copy, Debug)]
pub struct ReadLimits {
    /// The most bytes the whole input may have.
    pub max_bytes: u64,
    /// The longest line, in bytes (without its newline).
    pub max_line_bytes: u64,
    /// What the input is, for errors ("scenario files", "history files").
    pub what: &'static str,
}

/// Reads all of `path` (`-`: standard input) within `limits`.
pub fn read_capped(path: &Path, limits: ReadLimits) -> Result<Vec<u8>, InputError> {
    let source = path.display().to_string();
    let cannot = |e: io::Error| InputError::new(&source, format!("cannot read the file: {e}"));
    let mut reader: Box<dyn Read> = if is_std_stream(path) {
        Box::new(io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(path).map_err(cannot)?)
    };
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    // Bytes since the last newline, and the line number they belong to.
    let mut line_len = 0u64;
    let mut line_no = 1usize;
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(cannot(e)),
        };
        if bytes.len() as u64 + n as u64 > limits.max_bytes {
            return Err(InputError::new(
                &source,
                format!(
                    "more than {} bytes: {} are limited to {} bytes",
                    limits.max_bytes, limits.what, limits.max_bytes
                ),
            ));
        }
        for &b in &chunk[..n] {
            if b == b'\n' {
                line_len = 0;
                line_no += 1;
            } else {
                line_len += 1;
                if line_len > limits.max_line_bytes {
                    return Err(InputError::new(
                        &source,
                        format!(
                            "the line is longer than {} bytes, the longest line {} may have",
                            limits.max_line_bytes, limits.what
                        ),
                    )
                    .at_line(line_no));
                }
            }
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_bytes: u64, max_line_bytes: u64) -> ReadLimits {
        ReadLimits {
            max_bytes,
            max_line_bytes,
            what: "test files",
        }
    }

    #[test]
    fn an_endless_input_stops_at_the_cap() {
        let start = std::time::Instant::now();
        let e = read_capped(Path::new("/dev/zero"), limits(1 << 20, u64::MAX)).unwrap_err();
        assert!(e.message.contains("limited to 1048576 bytes"), "{e}");
        assert!(start.elapsed().as_secs() < 5);
    }

    #[test]
    fn a_long_line_stops_at_the_line_cap_with_its_number() {
        let dir = std::env::temp_dir().join(format!("parliament-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("long-line.txt");
        std::fs::write(&path, format!("ok\n{}\n", "x".repeat(100))).unwrap();
        let e = read_capped(&path, limits(1 << 20, 50)).unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert_eq!(read_capped(&path, limits(1 << 20, 100)).unwrap().len(), 104);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
