//! Subcommand implementations: each parses nothing itself (clap does) and returns
//! the process exit code.

pub mod check;
