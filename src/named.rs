//! Closed sets of names: protocols, variants, roles, checks, message kinds.
//!
//! Each set is a fieldless enum with one table of rows (value, name, one-line
//! description). The table is the only place a name is written: parsing, error
//! messages, `parliament protocols` and traces all read it, so a name cannot
//! drift between two lists, and code matches on the enum, never on the string.

use std::fmt::Debug;

/// One row of a name table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameRow<T: 'static> {
    pub value: T,
    /// The name in scenario files, traces and on the command line.
    pub name: &'static str,
    /// One line for help texts and listings.
    pub about: &'static str,
}

/// A fieldless enum with a name table. Rows are in display order; where a set
/// has a default (a protocol's variants), it is the first row.
pub trait Named: Copy + Eq + Debug + Sized + 'static {
    const TABLE: &'static [NameRow<Self>];

    fn row(self) -> &'static NameRow<Self> {
        Self::TABLE
            .iter()
            .find(|r| r.value == self)
            .unwrap_or_else(|| panic!("{self:?} has no row in its name table"))
    }

    fn name(self) -> &'static str {
        self.row().name
    }

    fn about(self) -> &'static str {
        self.row().about
    }

    /// The row's position in the table (a small integer for bit masks).
    fn index(self) -> usize {
        Self::TABLE
            .iter()
            .position(|r| r.value == self)
            .unwrap_or_else(|| panic!("{self:?} has no row in its name table"))
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::TABLE.iter().find(|r| r.name == name).map(|r| r.value)
    }

    /// The first row: the default where the set has one.
    fn first() -> Self {
        Self::TABLE[0].value
    }

    fn names() -> Vec<&'static str> {
        Self::TABLE.iter().map(|r| r.name).collect()
    }

    /// "a, b, c": the expected names, for error messages.
    fn expected() -> String {
        Self::names().join(", ")
    }
}

/// Asserts that a table is well formed: names unique and non-empty, each value
/// listed once. Every table's tests call it.
pub fn assert_table_sound<T: Named>() {
    let rows = T::TABLE;
    assert!(!rows.is_empty(), "an empty name table");
    for (i, a) in rows.iter().enumerate() {
        assert!(!a.name.is_empty() && !a.about.is_empty(), "{a:?}");
        for b in &rows[i + 1..] {
            assert_ne!(a.name, b.name, "a name used twice");
            assert_ne!(a.value, b.value, "a value listed twice");
        }
        assert_eq!(T::from_name(a.name), Some(a.value));
        assert_eq!(a.value.index(), i);
    }
}
