//! `parliament list` and `parliament protocols`.

use crate::cli::bundled::BUNDLED;
use crate::cli::scenario_name::HERE;
use crate::named::Named;
use crate::protocols::ProtocolKind;
use crate::scenario::Scenario;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  parliament list\n  parliament list --dir scenarios/paxos\n\n\
Without --dir: the scenarios under ./scenarios when there is such a folder,\n\
otherwise the scenarios built into parliament (`parliament run NAME` runs\n\
one from any directory)."
)]
pub struct ListArgs {
    /// The folder to search for scenario files (recursively); default:
    /// ./scenarios if it exists, else the built-in scenarios.
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

pub fn list_command(args: &ListArgs) -> i32 {
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        None if Path::new(HERE).is_dir() => PathBuf::from(HERE),
        None => return list_bundled(),
    };
    let mut files = Vec::new();
    if let Err(e) = collect_json(&dir, &mut files) {
        eprintln!("error: {}: {e}", dir.display());
        return 2;
    }
    files.sort();
    let mut bad = 0;
    for path in &files {
        match Scenario::load(path) {
            Ok(s) => crate::outln!(
                "{:<50} {:<12} {}",
                path.display(),
                s.spec.protocol,
                s.spec.description
            ),
            Err(e) => {
                bad += 1;
                crate::outln!("{:<50} INVALID: {e}", path.display());
            }
        }
    }
    if files.is_empty() {
        crate::outln!("no scenario files under {}", dir.display());
    }
    if bad > 0 { 2 } else { 0 }
}

/// The built-in scenarios, by the names `parliament run` takes.
fn list_bundled() -> i32 {
    crate::outln!(
        "built-in scenarios (no ./{HERE} folder here); run one with `parliament run NAME`:"
    );
    for (name, text) in BUNDLED {
        match Scenario::parse(text, &format!("built-in:{name}")) {
            Ok(s) => crate::outln!(
                "{:<50} {:<12} {}",
                name,
                s.spec.protocol,
                s.spec.description
            ),
            Err(e) => crate::outln!("{name:<50} INVALID: {e}"),
        }
    }
    0
}

/// Every *.json file under `dir`, recursively.
pub fn collect_json(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_json(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

#[derive(Args, Debug)]
#[command(after_help = "Example:\n  parliament protocols")]
pub struct ProtocolsArgs {}

pub fn protocols_command(_args: &ProtocolsArgs) -> i32 {
    for row in ProtocolKind::TABLE {
        let info = row.value.info();
        crate::outln!("{:<14} {}", row.name, row.about);
        for (variant, what) in &info.variants {
            crate::outln!("    {variant:<16} {what}");
        }
        let checks: Vec<&str> = info.checks.iter().map(|c| c.name()).collect();
        crate::outln!("    checks: {}", checks.join(", "));
        if !info.options.is_empty() {
            crate::outln!("    options (params):");
            for option in info.options {
                crate::outln!("      {:<20} {}", option.name, option.about);
            }
        }
    }
    0
}
