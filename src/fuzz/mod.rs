//! `parliament fuzz`: scenarios generated from seeds (swarm testing), swept in
//! parallel, every failure written as a scenario file, shrunk on request,
//! split into shards for many machines and merged back.
//!
//! - [`swarm`]: the options a seed draws first (fault kinds on, intensities);
//! - [`generate`]: from the options to a whole [`crate::scenario::ScenarioSpec`];
//! - [`sweep`]: many seeds on a thread pool, reported in seed order;
//! - [`shrink`]: a failing scenario made smaller while the same check fails;
//! - [`shard`] and [`report`]: shards, JSON Lines records, merging.
//!
//! Everything is generic over the protocol registry: a protocol added later is
//! fuzzed through its role table, variants, checks and message kinds.

pub mod artefact;
pub mod generate;
pub mod judge;
pub mod progress;
pub mod report;
pub mod shard;
pub mod shrink;
pub mod swarm;
pub mod sweep;
