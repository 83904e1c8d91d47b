//! A small command-line flag parser shared by the subcommands.

use anyhow::{bail, Context, Result};

/// The not-yet-consumed arguments of a subcommand.
#[derive(Debug)]
pub struct Args {
    rest: Vec<String>,
}

impl Args {
    /// Wraps a subcommand's arguments.
    pub fn new(args: &[String]) -> Args {
        Args {
            rest: args.to_vec(),
        }
    }

    /// Consumes a boolean flag (`--list`); true when present.
    pub fn flag(&mut self, name: &str) -> bool {
        let before = self.rest.len();
        self.rest.retain(|a| a != name);
        self.rest.len() != before
    }

    /// Consumes `--name VALUE` or `--name=VALUE` (the last occurrence wins).
    pub fn value(&mut self, name: &str) -> Result<Option<String>> {
        let mut found = None;
        let mut i = 0;
        while i < self.rest.len() {
            if self.rest[i] == name {
                let Some(v) = self.rest.get(i + 1).cloned() else {
                    bail!("{name} needs a value");
                };
                if v.starts_with("--") {
                    bail!("{name} needs a value, got option `{v}`");
                }
                self.rest.drain(i..i + 2);
                found = Some(v);
            } else if let Some(v) = self.rest[i].strip_prefix(&format!("{name}=")) {
                found = Some(v.to_string());
                self.rest.remove(i);
            } else {
                i += 1;
            }
        }
        Ok(found)
    }

    /// Errors on anything left over.
    pub fn finish(self) -> Result<()> {
        if let Some(first) = self.rest.first() {
            bail!("unexpected argument `{first}` (see `cargo xtask help`)");
        }
        Ok(())
    }
}

/// The value of `--jobs`: [`parse_count`].
pub fn parse_jobs(value: &str) -> Result<usize> {
    parse_count("--jobs", value)
}

/// A count option's value (`--jobs`, `--at-once`): a number from 1 to 256; the error names
/// `flag`.
pub fn parse_count(flag: &str, value: &str) -> Result<usize> {
    let n: usize = value
        .trim()
        .parse()
        .with_context(|| format!("{flag} expects a positive number, got `{value}`"))?;
    if n == 0 || n > 256 {
        bail!("{flag} expects a number from 1 to 256, got {n}");
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Args {
        Args::new(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn flags_and_values() {
        let mut a = args(&["--list", "--libs", "a,b", "--jobs=3"]);
        assert!(a.flag("--list"));
        assert_eq!(a.value("--libs").unwrap().as_deref(), Some("a,b"));
        assert_eq!(a.value("--jobs").unwrap().as_deref(), Some("3"));
        assert_eq!(a.value("--json").unwrap(), None);
        a.finish().unwrap();
    }

    #[test]
    fn errors() {
        assert!(args(&["--libs"]).value("--libs").is_err());
        assert!(args(&["--libs", "--list"]).value("--libs").is_err());
        let err = args(&["--bogus"]).finish().unwrap_err().to_string();
        assert!(err.contains("--bogus"));
        assert!(parse_jobs("0").is_err());
        assert!(parse_jobs("x").is_err());
        assert_eq!(parse_jobs("4").unwrap(), 4);
        // the error names the option it is about
        let err = parse_count("--at-once", "0").unwrap_err().to_string();
        assert!(err.starts_with("--at-once expects"), "{err}");
        let err = format!("{:#}", parse_count("--at-once", "two").unwrap_err());
        assert!(err.contains("--at-once") && err.contains("`two`"), "{err}");
        assert!(parse_count("--at-once", "257").is_err());
        assert_eq!(parse_count("--at-once", " 2 ").unwrap(), 2);
    }
}
