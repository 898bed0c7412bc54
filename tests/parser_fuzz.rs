//! Every parser, fed random bytes and random mutations of valid histories,
//! returns a history or an input error that names the file; it never panics.
//! Parsed histories are also checked (with a short budget), so the checkers
//! must cope with whatever a parser accepts.

use parliament::check::ghost::find_possible_ghosts;
use parliament::check::linearizability::{CheckOptions, check_history};
use parliament::history::format::text_of;
use parliament::history::{Format, History};
use parliament::rng::DetRng;
use std::time::Duration;

const JSONL: &str = r#"{"format":"parliament-history","version":1,"model":"register"}
{"event":"invoke","id":1,"client":0,"time":0,"f":"write","key":"x","value":1}
{"event":"invoke","id":2,"client":1,"time":2,"f":"read","key":"x"}
{"event":"ok","id":1,"client":0,"time":3}
{"event":"invoke","id":3,"client":2,"time":4,"f":"cas","key":"x","from":1,"to":2}
{"event":"ok","id":2,"client":1,"time":5,"value":1}
{"event":"ok","id":3,"client":2,"time":6,"applied":true}
{"event":"invoke","id":4,"client":1,"time":10,"f":"read","key":"y"}
{"event":"info","id":4,"client":1,"time":12}
"#;

const JSONL_APPEND: &str = r#"{"format":"parliament-history","version":1,"model":"append"}
{"event":"invoke","id":1,"client":0,"time":0,"f":"append","key":"l","value":1}
{"event":"info","id":1,"client":0,"time":3}
{"event":"invoke","id":2,"client":1,"time":4,"f":"read","key":"l"}
{"event":"ok","id":2,"client":1,"time":5,"value":[]}
{"event":"invoke","id":3,"client":1,"time":6,"f":"read","key":"l"}
{"event":"ok","id":3,"client":1,"time":7,"value":[1]}
"#;

const JSONL_SET: &str = r#"{"format":"parliament-history","version":1,"model":"set"}
{"event":"invoke","id":1,"client":0,"time":0,"f":"add","key":"s","value":5}
{"event":"invoke","id":2,"client":1,"time":1,"f":"read","key":"s"}
{"event":"fail","id":1,"client":0,"time":3}
{"event":"ok","id":2,"client":1,"time":5,"value":[5]}
"#;

const ETCD: &str = "INFO  jepsen.util - 2\t:invoke\t:cas\t[3 0]\n\
INFO  jepsen.util - 1\t:invoke\t:read\tnil\n\
INFO  jepsen.util - 2\t:fail\t:cas\t[3 0]\n\
INFO  jepsen.util - 1\t:ok\t:read\tnil\n\
INFO  jepsen.util - 4\t:invoke\t:write\t3\n\
INFO  jepsen.util - 4\t:info\t:write\t:timed-out\n\
INFO  jepsen.util - 3   :invoke  :read  nil\n\
INFO  jepsen.util - 3   :fail  :read  :timed-out\n";

const KV: &str = "{:process 4, :type :invoke, :f :get, :key \"5\", :value nil}\n\
{:process 9, :type :invoke, :f :put, :key \"6\", :value \"x 9 3 y\"}\n\
{:process 4, :type :ok, :f :get, :key \"5\", :value \"\"}\n\
{:process 9, :type :ok, :f :put, :key \"6\", :value \"x 9 3 y\"}\n\
{:process 9, :type :invoke, :f :append, :key \"6\", :value \"x 9 4 y\"}\n\
{:process 9, :type :ok, :f :append, :key \"6\", :value \"x 9 4 y\"}\n";

/// Fragments that tend to reach parser corners.
const SPICE: [&str; 16] = [
    "{",
    "}",
    "\"",
    ":",
    ",",
    "[",
    "]",
    "\n",
    "nil",
    "-1",
    "99999999999999999999",
    ":ok",
    ":info",
    "\\",
    "\"value\":null",
    "\u{00e9}",
];

fn mutate(text: &str, rng: &mut DetRng) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = text.lines().map(|l| l.as_bytes().to_vec()).collect();
    for _ in 0..rng.between(1, 4) {
        if lines.is_empty() {
            lines.push(Vec::new());
        }
        let n = lines.len() as u64;
        let i = rng.below(n) as usize;
        match rng.below(8) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let copy = lines[i].clone();
                lines.insert(rng.below(n + 1) as usize, copy);
            }
            2 => {
                let j = rng.below(n) as usize;
                lines.swap(i, j);
            }
            3 => {
                // Delete a byte range within the line.
                let len = lines[i].len() as u64;
                let a = rng.below(len + 1) as usize;
                let b = (a + rng.below(6) as usize).min(lines[i].len());
                lines[i].drain(a..b);
            }
            4 => {
                let at = rng.below(lines[i].len() as u64 + 1) as usize;
                let spice = SPICE[rng.below(SPICE.len() as u64) as usize].as_bytes();
                lines[i].splice(at..at, spice.iter().copied());
            }
            5 => {
                // Change a digit: times go backwards, ids collide, clients swap.
                let digits: Vec<usize> = (0..lines[i].len())
                    .filter(|&k| lines[i][k].is_ascii_digit())
                    .collect();
                if !digits.is_empty() {
                    let k = digits[rng.below(digits.len() as u64) as usize];
                    lines[i][k] = b'0' + rng.below(10) as u8;
                }
            }
            6 => {
                let at = rng.below(lines[i].len() as u64 + 1) as usize;
                lines[i].insert(at, rng.below(256) as u8);
            }
            _ => {
                lines.truncate(i);
            }
        }
    }
    lines.join(&b'\n')
}

fn exercise(format: Format, bytes: &[u8], case: &str) {
    let source = "fuzz.in";
    let line_count = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
    let attempt = |text: &str| -> Result<History, parliament::error::InputError> {
        format.parse(source, text)
    };
    let lossy = String::from_utf8_lossy(bytes);
    let results = match text_of(source, bytes) {
        Ok(text) => vec![attempt(text)],
        Err(e) => {
            assert!(e.line.is_some_and(|l| l <= line_count), "{case}: {e}");
            vec![attempt(&lossy)]
        }
    };
    for result in results {
        match result {
            Ok(history) => {
                let options = CheckOptions {
                    budget: Some(Duration::from_millis(50)),
                    ..CheckOptions::default()
                };
                for partitioned in [true, false] {
                    check_history(&history, history.kind, partitioned, &options).unwrap();
                }
                let _ = find_possible_ghosts(&history);
            }
            Err(e) => {
                assert_eq!(e.source, source, "{case}");
                assert!(!e.message.is_empty(), "{case}");
                if let Some(line) = e.line {
                    assert!(
                        line >= 1 && line <= line_count,
                        "{case}: line {line} of {line_count}: {e}"
                    );
                }
                assert!(e.to_string().starts_with(source), "{case}: {e}");
            }
        }
    }
}

#[test]
fn mutated_valid_histories_never_panic() {
    let samples = [
        (Format::Jsonl, JSONL),
        (Format::Jsonl, JSONL_APPEND),
        (Format::Jsonl, JSONL_SET),
        (Format::PorcupineEtcd, ETCD),
        (Format::PorcupineKv, KV),
    ];
    // The samples themselves are valid.
    for (format, text) in samples {
        format.parse("sample", text).unwrap();
    }
    let mut rng = DetRng::new(2024, 7);
    let mut rejected = 0;
    for round in 0..3000 {
        for (format, text) in samples {
            let bytes = mutate(text, &mut rng);
            let case = format!(
                "round {round}, {format}:\n{}",
                String::from_utf8_lossy(&bytes)
            );
            let parsed = std::str::from_utf8(&bytes).map(|t| format.parse("fuzz.in", t).is_err());
            rejected += usize::from(parsed.unwrap_or(true));
            exercise(format, &bytes, &case);
        }
    }
    // Most mutations break something; the errors were checked in `exercise`.
    assert!(rejected > 3000, "only {rejected} mutations rejected");
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = DetRng::new(99, 3);
    for round in 0..2000 {
        let len = rng.below(300) as usize;
        // Mostly printable ASCII with some structure characters, some raw bytes.
        let bytes: Vec<u8> = (0..len)
            .map(|_| match rng.below(10) {
                0 => rng.below(256) as u8,
                1 => b'\n',
                2..=4 => b"{}[]:,\" \t"[rng.below(9) as usize],
                _ => b' ' + rng.below(95) as u8,
            })
            .collect();
        for format in Format::ALL {
            exercise(format, &bytes, &format!("round {round}, {format}"));
        }
    }
}
