//! Interaction stories: every `tests/interactions/<protocol>/*.txt` is played
//! command by command (see `parliament::interaction`), and each command must
//! print exactly the output written under it.
//!
//! On a mismatch the test names the file, the command's line and the first
//! output line that differs. `PARLIAMENT_REWRITE=1 cargo test --release --test
//! interactions` writes the outputs produced into the files instead; a rewrite
//! is a change to review line by line (`git diff tests/interactions`), never a
//! way to make a failure go away.

use parliament::interaction::script::first_difference;
use parliament::interaction::{Command, Script};
use parliament::named::Named;
use parliament::protocols::ProtocolKind;
use std::path::{Path, PathBuf};

fn stories_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interactions")
}

/// Every story file, sorted, with the protocol its directory names.
fn story_files() -> Vec<(ProtocolKind, PathBuf)> {
    let mut files = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(stories_root())
        .expect("tests/interactions exists")
        .map(|e| e.expect("readable directory").path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_str().unwrap().to_string();
        let protocol = ProtocolKind::from_name(&name).unwrap_or_else(|| {
            panic!(
                "{}: a story directory is named after a protocol ({})",
                dir.display(),
                ProtocolKind::expected()
            )
        });
        let mut stories: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        stories.sort();
        files.extend(stories.into_iter().map(|p| (protocol, p)));
    }
    files
}

fn relative(path: &Path) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(&root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Every `boot` in a story boots the protocol of its directory, and the story
/// starts with one.
fn check_boots(script: &Script, protocol: ProtocolKind, file: &str) {
    let mut cases = script.cases().peekable();
    let first = cases.peek().expect("a story has commands");
    assert!(
        first.command.starts_with("boot "),
        "{file}:{}: a story starts with boot",
        first.line
    );
    for case in cases {
        if let Ok(Command::Boot(spec)) = Command::parse(&case.command) {
            assert_eq!(
                spec.protocol,
                protocol.name(),
                "{file}:{}: stories of {} boot {}",
                case.line,
                protocol.name(),
                protocol.name()
            );
        }
    }
}

#[test]
fn every_story_prints_what_it_says() {
    let rewrite = std::env::var_os("PARLIAMENT_REWRITE").is_some_and(|v| v == "1");
    let files = story_files();
    assert!(!files.is_empty(), "no stories under tests/interactions");
    let mut failures = Vec::new();
    for (protocol, path) in files {
        let file = relative(&path);
        let text = std::fs::read_to_string(&path).unwrap();
        let script = Script::parse(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        check_boots(&script, protocol, &file);
        let outputs = script.play();
        if rewrite {
            let rewritten = script.render(&outputs);
            if rewritten != text {
                std::fs::write(&path, rewritten).unwrap();
                eprintln!("rewrote {file}: review it with git diff");
            }
            continue;
        }
        // The first differing command of each file: later ones usually follow.
        let mismatch = script.cases().zip(&outputs).find_map(|(case, actual)| {
            Some((case, actual, first_difference(&case.expected, actual)?))
        });
        if let Some((case, actual, i)) = mismatch {
            let line = |lines: &[String]| lines.get(i).cloned().unwrap_or("<no line>".into());
            failures.push(format!(
                "{file}:{}: {}\n  output line {} differs\n    expected: {}\n    actual:   {}\n  \
                 whole output:\n{}",
                case.line,
                case.command,
                i + 1,
                line(&case.expected),
                line(actual),
                actual
                    .iter()
                    .map(|l| format!("    {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} stories differ from what they say:\n\n{}\n\n(review each change; \
         PARLIAMENT_REWRITE=1 rewrites the files, and the rewrite must be read)",
        failures.len(),
        failures.join("\n\n")
    );
}
