//! The explanation of a linearizability violation, the same wherever one is
//! shown: `parliament check`, and the verdicts of `run` and `judge`.

use crate::check::linearizability::{ExplanationKind, PartitionResult};
use crate::history::History;

/// How many operations of the prefix are shown.
const PREFIX_SHOWN: usize = 5;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Why partition `p` (named `key`) is not linearizable, in the words of the
/// search: which form of explanation it established, the prefix it placed, and
/// the operations that cannot go next. Lines end with a newline.
pub fn explain(key: &str, p: &PartitionResult, history: &History) -> String {
    let Some(v) = &p.violation else {
        return format!("  {key}: not linearizable\n");
    };
    let placed = format!(
        "{} of {}",
        v.prefix.len(),
        plural(v.to_place, "operation", "operations")
    );
    let op = |i: usize| format!("      {}\n", history.ops[i]);
    match v.kind {
        ExplanationKind::ImpossibleResult => {
            let mut out = format!(
                "  {key}: not linearizable: no state gives this result ({}):\n",
                v.reason.as_deref().unwrap_or("the model rejects it")
            );
            out.extend(v.stuck.iter().map(|&i| op(i)));
            out
        }
        ExplanationKind::LongestPrefix => {
            let mut out = format!(
                "  {key}: not linearizable. The longest linearizable prefix the search found \
                 places {placed},\n  leaving the state at {}.\n",
                v.state
            );
            out.push_str(&prefix_lines(&v.prefix, history));
            out.push_str("    none of these can be placed next:\n");
            for &i in &v.stuck {
                let mark = if Some(i) == v.overdue {
                    "   <- had to take effect by its completion"
                } else {
                    ""
                };
                out.push_str(&format!("      {}{mark}\n", history.ops[i]));
            }
            out
        }
        ExplanationKind::UnplaceableRead => {
            let mut out = format!(
                "  {key}: not linearizable. The search stopped at a read it could not place, \
                 after a\n  linearizable prefix that places {placed}, leaving the state at {}.\n",
                v.state
            );
            out.push_str(&prefix_lines(&v.prefix, history));
            out.push_str(&format!(
                "    this read must still take effect, but saw a state that {} can no longer \
                 become\n    (no operation left could bring it back):\n",
                v.state
            ));
            out.extend(v.unreachable_read.map(op));
            out
        }
    }
}

/// The last few operations of a prefix, under a heading.
fn prefix_lines(prefix: &[usize], history: &History) -> String {
    if prefix.is_empty() {
        return String::new();
    }
    let skip = prefix.len().saturating_sub(PREFIX_SHOWN);
    let heading = if skip > 0 {
        "last of the prefix"
    } else {
        "prefix"
    };
    let mut out = format!("    {heading}:\n");
    for &i in &prefix[skip..] {
        out.push_str(&format!("      {}\n", history.ops[i]));
    }
    out
}
