//! The protocols parliament can run, with their variants and checks.

pub mod basic_paxos;
pub mod primary_backup;

use crate::scenario::{InputError, Scenario};

/// What `parliament protocols` prints and what scenario validation checks.
#[derive(Clone, Copy, Debug)]
pub struct ProtocolInfo {
    pub name: &'static str,
    pub summary: &'static str,
    /// (variant, one-line description); the first is the default.
    pub variants: &'static [(&'static str, &'static str)],
    /// Checks the protocol supports; all run unless a scenario names a subset.
    pub checks: &'static [&'static str],
    /// Message kinds, for validating scenario message filters.
    pub message_kinds: &'static [&'static str],
    /// Checks the protocol-specific parts of a scenario (roles, params, requests).
    pub validate: fn(&Scenario) -> Result<(), InputError>,
}

pub const ALL: &[ProtocolInfo] = &[basic_paxos::INFO, primary_backup::INFO];

pub fn find(name: &str) -> Option<ProtocolInfo> {
    ALL.iter().copied().find(|p| p.name == name)
}

pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|p| p.name).collect()
}
