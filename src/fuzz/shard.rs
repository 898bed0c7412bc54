//! Shards: one sweep split over many machines, each running every N-th seed.
//!
//! `--shard M/N` (1-based, like cargo-nextest's `--partition count:M/N`) runs
//! the seeds whose position in the sweep is ≡ M−1 (mod N). Without it, a shard
//! comes from the environment of a batch system:
//!
//! - Kubernetes Indexed Jobs set `JOB_COMPLETION_INDEX` (0-based) but not the
//!   number of completions, so `--shards N` must say it;
//! - Slurm job arrays set `SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_MIN` and
//!   `SLURM_ARRAY_TASK_COUNT`: the shard is ID − MIN of COUNT (`--shards N`
//!   overrides COUNT). Arrays with a step (`--array=0-99:2`) are refused.
//!
//! `--shard` wins over the environment, and `JOB_COMPLETION_INDEX` over the
//! Slurm variables. `--shards` with neither variable set is an error, so a
//! manifest that forgot to make its Job indexed does not run the whole sweep
//! in every pod.

use std::fmt;

/// Shard `index` (0-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

/// Where a sweep's shard came from, for the line saying which shard runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardSource {
    Flag,
    KubernetesIndex,
    SlurmArray,
}

impl ShardSource {
    pub fn describe(self) -> &'static str {
        match self {
            ShardSource::Flag => "--shard",
            ShardSource::KubernetesIndex => "JOB_COMPLETION_INDEX",
            ShardSource::SlurmArray => "SLURM_ARRAY_TASK_ID",
        }
    }
}

impl Shard {
    /// The whole sweep as one shard.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// `M/N`, 1-based: `1/3`, `2/3`, `3/3`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard {text:?}: expected M/N with 1 <= M <= N, e.g. 2/10");
        let (m, n) = text.split_once('/').ok_or_else(bad)?;
        let m: u64 = m.trim().parse().map_err(|_| bad())?;
        let n: u64 = n.trim().parse().map_err(|_| bad())?;
        if m == 0 || n == 0 || m > n {
            return Err(bad());
        }
        Ok(Shard {
            index: m - 1,
            count: n,
        })
    }

    /// Whether the seed at `position` (0-based) in the sweep is this shard's.
    pub fn contains(self, position: u64) -> bool {
        position % self.count == self.index
    }

    /// The shard to run: from `--shard`, else from the environment (`env`
    /// reads a variable), else none.
    pub fn resolve(
        flag: Option<&str>,
        shards: Option<u64>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<(Shard, ShardSource)>, String> {
        if let Some(text) = flag {
            return Ok(Some((Shard::parse(text)?, ShardSource::Flag)));
        }
        let number = |name: &str| -> Result<Option<u64>, String> {
            match env(name) {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse()
                    .map(Some)
                    .map_err(|_| format!("{name}={v:?} is not a non-negative integer")),
            }
        };
        let checked = |index: u64, count: u64, what: &str| {
            if count == 0 || index >= count {
                Err(format!(
                    "{what} gives shard index {index} (0-based) of {count} shards"
                ))
            } else {
                Ok(Shard { index, count })
            }
        };
        if let Some(index) = number("JOB_COMPLETION_INDEX")? {
            let count = shards.ok_or(
                "JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job): say how many \
                 completions the Job has with --shards N",
            )?;
            let shard = checked(index, count, "JOB_COMPLETION_INDEX")?;
            return Ok(Some((shard, ShardSource::KubernetesIndex)));
        }
        if let Some(id) = number("SLURM_ARRAY_TASK_ID")? {
            if let Some(step) = number("SLURM_ARRAY_TASK_STEP")?
                && step != 1
            {
                return Err(format!(
                    "SLURM_ARRAY_TASK_STEP={step}: use a job array without a step \
                     (--array=0-99), one task per shard"
                ));
            }
            let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let count = match shards {
                Some(n) => n,
                None => number("SLURM_ARRAY_TASK_COUNT")?.ok_or(
                    "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not: \
                     give the number of shards with --shards N",
                )?,
            };
            let index = id.checked_sub(min).ok_or_else(|| {
                format!("SLURM_ARRAY_TASK_ID={id} is below SLURM_ARRAY_TASK_MIN={min}")
            })?;
            let shard = checked(index, count, "SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN")?;
            return Ok(Some((shard, ShardSource::SlurmArray)));
        }
        if shards.is_some() {
            return Err("--shards N applies only with JOB_COMPLETION_INDEX or \
                        SLURM_ARRAY_TASK_ID set; use --shard M/N to pick a shard by hand"
                .into());
        }
        Ok(None)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index + 1, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn parses_one_based_shards() {
        assert_eq!(Shard::parse("1/3"), Ok(Shard { index: 0, count: 3 }));
        assert_eq!(Shard::parse("3/3").unwrap().to_string(), "3/3");
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        let s = Shard::parse("2/3").unwrap();
        let mine: Vec<u64> = (0..9).filter(|&p| s.contains(p)).collect();
        assert_eq!(mine, [1, 4, 7]);
    }

    #[test]
    fn the_flag_wins_then_kubernetes_then_slurm() {
        let both = env(&[("JOB_COMPLETION_INDEX", "4"), ("SLURM_ARRAY_TASK_ID", "7")]);
        let r = Shard::resolve(Some("2/5"), None, &both).unwrap().unwrap();
        assert_eq!(r, (Shard { index: 1, count: 5 }, ShardSource::Flag));
        let r = Shard::resolve(None, Some(100), &both).unwrap().unwrap();
        assert_eq!(
            r,
            (
                Shard {
                    index: 4,
                    count: 100
                },
                ShardSource::KubernetesIndex
            )
        );
    }

    #[test]
    fn kubernetes_needs_the_shard_count() {
        let k8s = env(&[("JOB_COMPLETION_INDEX", "0")]);
        assert!(
            Shard::resolve(None, None, &k8s)
                .unwrap_err()
                .contains("--shards")
        );
        let k8s = env(&[("JOB_COMPLETION_INDEX", "100")]);
        assert!(Shard::resolve(None, Some(100), &k8s).is_err());
    }

    #[test]
    fn slurm_arrays_count_from_their_minimum() {
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "100"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "100"),
        ]);
        let r = Shard::resolve(None, None, &slurm).unwrap().unwrap();
        assert_eq!(
            r,
            (
                Shard {
                    index: 99,
                    count: 100
                },
                ShardSource::SlurmArray
            )
        );
        let stepped = env(&[("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_STEP", "2")]);
        assert!(Shard::resolve(None, Some(10), &stepped).is_err());
        let bare = env(&[("SLURM_ARRAY_TASK_ID", "2")]);
        assert!(Shard::resolve(None, None, &bare).is_err());
        assert_eq!(
            Shard::resolve(None, Some(10), &bare).unwrap().unwrap().0,
            Shard {
                index: 2,
                count: 10
            }
        );
    }

    #[test]
    fn shards_without_a_batch_system_is_an_error() {
        assert!(Shard::resolve(None, Some(10), &env(&[])).is_err());
        assert_eq!(Shard::resolve(None, None, &env(&[])), Ok(None));
    }
}
