//! Values that protocols agree on.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// A proposed or chosen value: a short, cheaply cloned string ("X", "$1 bribe").
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Value(pub Arc<str>);

impl Value {
    pub fn new(s: &str) -> Value {
        Value(Arc::from(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::new(s)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
