//! A node's structured view ([`NodeView`]) as text: what `view NODE` prints in
//! the interaction harness and step mode.
//!
//! ```text
//! A1 (acceptor)
//!   promised: 2
//!   accepted: (1, X)
//! ```
//!
//! Labels are the field ids with spaces for underscores; typed values get one
//! wording each (ballot 0 is "none", an empty node set "none", a value not yet
//! known "nothing"), so every protocol reads alike.

use crate::ids::NodeId;
use crate::node_view::{FieldValue, NodeView};

/// The lines of `view` for the node called `name`; `node_name` names the
/// nodes a field mentions.
pub fn lines<'a>(
    name: &str,
    view: &NodeView,
    node_name: impl Fn(NodeId) -> &'a str,
) -> Vec<String> {
    let mut out = vec![format!("{name} ({})", view.roles.join("+"))];
    for field in &view.fields {
        let label = field.id.replace('_', " ");
        match &field.value {
            FieldValue::Log { entries, commit } => {
                let summary = match (entries.len(), commit) {
                    (0, _) => "empty".to_string(),
                    (1, None) => "1 entry, none committed".to_string(),
                    (n, None) => format!("{n} entries, none committed"),
                    (1, Some(c)) => format!("1 entry, committed through #{c}"),
                    (n, Some(c)) => format!("{n} entries, committed through #{c}"),
                };
                out.push(format!("  {label}: {summary}"));
                for e in entries {
                    out.push(format!("    #{} epoch {}: {}", e.index, e.epoch, e.command));
                }
            }
            other => out.push(format!("  {label}: {}", value(other, &node_name))),
        }
    }
    out
}

/// One value on one line (a log is summarised by its length).
pub fn value<'a>(value: &FieldValue, node_name: &impl Fn(NodeId) -> &'a str) -> String {
    match value {
        FieldValue::Word(w) => w.to_string(),
        FieldValue::Text(t) => t.clone(),
        FieldValue::Number(n) => n.to_string(),
        FieldValue::Ballot(b) if b.is_none() => "none".to_string(),
        FieldValue::Ballot(b) => b.to_string(),
        FieldValue::Node(id) => node_name(*id).to_string(),
        FieldValue::Nodes(ids) if ids.is_empty() => "none".to_string(),
        FieldValue::Nodes(ids) => ids
            .iter()
            .map(|id| node_name(*id))
            .collect::<Vec<_>>()
            .join(", "),
        FieldValue::PerNode(pairs) if pairs.is_empty() => "none".to_string(),
        FieldValue::PerNode(pairs) => pairs
            .iter()
            .map(|(id, n)| format!("{} {n}", node_name(*id)))
            .collect::<Vec<_>>()
            .join(", "),
        FieldValue::Value(None) => "nothing".to_string(),
        FieldValue::Value(Some(v)) => v.to_string(),
        FieldValue::Proposal(None) => "none".to_string(),
        FieldValue::Proposal(Some((b, v))) => format!("({b}, {v})"),
        FieldValue::Log { entries, .. } => format!("{} entries", entries.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ballot::Ballot;
    use crate::node_view::LogEntryView;
    use crate::value::Value;

    #[test]
    fn typed_values_have_one_wording() {
        let names = ["P1", "A1", "A2"];
        let name = |id: NodeId| names[id.index()];
        let mut view = NodeView::new(vec!["proposer", "acceptor"]);
        view.field("promised", FieldValue::Ballot(Ballot::NONE));
        view.field(
            "accepted",
            FieldValue::Proposal(Some((Ballot(2), Value::new("Y")))),
        );
        view.field("promises", FieldValue::Nodes(vec![NodeId(1), NodeId(2)]));
        view.field("learned", FieldValue::Value(None));
        view.field(
            "log",
            FieldValue::Log {
                entries: vec![LogEntryView {
                    index: 0,
                    epoch: 1,
                    command: "r1 write(x, 1)".into(),
                }],
                commit: Some(0),
            },
        );
        assert_eq!(
            lines("P1", &view, name),
            [
                "P1 (proposer+acceptor)",
                "  promised: none",
                "  accepted: (2, Y)",
                "  promises: A1, A2",
                "  learned: nothing",
                "  log: 1 entry, committed through #0",
                "    #0 epoch 1: r1 write(x, 1)",
            ]
        );
    }
}
