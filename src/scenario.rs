//! Scenario files (placeholder while the engine lands).
pub use crate::error::InputError;

#[derive(Clone, Debug)]
pub struct Scenario;
