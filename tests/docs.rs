//! The docs cannot rot: every `console` block in README.md and docs/ is run.
//!
//! A block holds commands, each on a line starting `$ parliament`, and below
//! each the output it prints, quoted. Every command must exit 0 (or the status
//! its line ends with, `# exit N`), and the quoted lines must match the output
//! in order: a line `...` stands for any number of lines left out. Commands of
//! one file run one after another in a scratch directory where `scenarios/` is
//! the repository's, so a later command can read what an earlier one wrote.

use std::path::{Path, PathBuf};
use std::process::Command;

struct Example {
    file: PathBuf,
    line: usize,
    args: Vec<String>,
    exit: i32,
    quoted: Vec<String>,
}

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            markdown_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "md") {
            out.push(p);
        }
    }
}

/// Splits a command line into words; double quotes group.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    out.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            c => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(word);
    }
    out
}

fn examples(file: &Path) -> Vec<Example> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut out: Vec<Example> = Vec::new();
    let mut in_console = false;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            in_console = !in_console && trimmed.trim_start_matches('`').trim() == "console";
            continue;
        }
        if !in_console {
            continue;
        }
        if let Some(cmd) = line.strip_prefix("$ ") {
            let (cmd, exit) = match cmd.split_once("# exit ") {
                Some((c, n)) => (c, n.trim().parse().expect("exit status")),
                None => (cmd, 0),
            };
            let mut args = words(cmd);
            assert_eq!(
                args.first().map(String::as_str),
                Some("parliament"),
                "{}:{}: only parliament commands run here",
                file.display(),
                i + 1
            );
            args.remove(0);
            out.push(Example {
                file: file.to_path_buf(),
                line: i + 1,
                args,
                exit,
                quoted: Vec::new(),
            });
        } else if let Some(ex) = out.last_mut() {
            ex.quoted.push(line.trim_end().to_string());
        }
    }
    out
}

/// Whether `quoted` matches `output` in order, `...` skipping any lines.
fn matches(quoted: &[String], output: &[&str]) -> Result<(), String> {
    let mut at = 0;
    let mut gap = false;
    for q in quoted {
        if q.trim() == "..." {
            gap = true;
            continue;
        }
        if q.is_empty() && !gap && at >= output.len() {
            continue;
        }
        let found = if gap {
            output[at..]
                .iter()
                .position(|o| o.trim_end() == q)
                .map(|p| at + p)
        } else {
            (output.get(at).map(|o| o.trim_end()) == Some(q.as_str())).then_some(at)
        };
        match found {
            Some(p) => at = p + 1,
            None => {
                return Err(format!(
                    "quoted line {q:?} not found{}",
                    match output.get(at) {
                        Some(o) if !gap => format!(" (the output has {o:?} there)"),
                        _ => String::new(),
                    }
                ));
            }
        }
        gap = false;
    }
    Ok(())
}

#[test]
fn the_matcher_honours_gaps() {
    let out = ["a", "b", "c", "d"];
    let q = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(matches(&q(&["a", "b"]), &out).is_ok());
    assert!(matches(&q(&["a", "...", "d"]), &out).is_ok());
    assert!(matches(&q(&["a", "c"]), &out).is_err());
    assert!(matches(&q(&["...", "c", "d"]), &out).is_ok());
    assert!(matches(&q(&["...", "d", "c"]), &out).is_err());
}

#[test]
fn every_console_example_in_the_docs_runs_and_prints_what_it_quotes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    markdown_files(&root.join("docs"), &mut files);
    let mut ran = 0;
    let mut failures = Vec::new();
    for file in files {
        let examples = examples(&file);
        if examples.is_empty() {
            continue;
        }
        let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "docs-{}",
            file.strip_prefix(root)
                .unwrap()
                .display()
                .to_string()
                .replace('/', "-")
        ));
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch).unwrap();
        std::os::unix::fs::symlink(root.join("scenarios"), scratch.join("scenarios")).unwrap();
        for ex in examples {
            ran += 1;
            let o = Command::new(env!("CARGO_BIN_EXE_parliament"))
                .args(&ex.args)
                .current_dir(&scratch)
                .env_remove("NO_COLOR")
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&o.stdout);
            let lines: Vec<&str> = stdout.lines().collect();
            let place = format!("{}:{}", ex.file.display(), ex.line);
            if o.status.code() != Some(ex.exit) {
                failures.push(format!(
                    "{place}: exit {:?}, expected {}: {}",
                    o.status.code(),
                    ex.exit,
                    String::from_utf8_lossy(&o.stderr)
                ));
            } else if let Err(e) = matches(&ex.quoted, &lines) {
                failures.push(format!("{place}: {e}"));
            }
        }
    }
    assert!(ran >= 10, "only {ran} examples found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
