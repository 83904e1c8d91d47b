//! The probe log: the `config.log` of sslprobe.

use crate::error::{Error, Result};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The probe log: every C source, command line, exit status and compiler output
/// (the `config.log` of sslprobe). Written to a file as it grows, when a path is given.
///
/// ```
/// use sslprobe_build::probe::Log;
/// let mut log = Log::in_memory();
/// // ... `prober.run(&catalog, &mut log)` writes every probe source, command line, exit status
/// // and compiler output to it ...
/// print!("{}", log.text());
/// ```
#[derive(Debug, Default)]
pub struct Log {
    path: Option<PathBuf>,
    text: String,
    entries: usize,
}

impl Log {
    /// A log that also appends to `path` (truncated first).
    ///
    /// ```
    /// use sslprobe_build::probe::Log;
    /// let path = std::env::temp_dir().join(format!("sslprobe-doc-{}.log", std::process::id()));
    /// let log = Log::to_file(&path)?; // truncated now, appended to as probing goes
    /// assert_eq!(log.path(), Some(path.as_path()));
    /// assert!(Log::to_file(std::path::Path::new("/nonexistent/dir/x.log")).is_err());
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn to_file(path: &Path) -> Result<Log> {
        std::fs::write(path, b"").map_err(|e| Error::io(path, e))?;
        Ok(Log {
            path: Some(path.to_path_buf()),
            text: String::new(),
            entries: 0,
        })
    }

    /// An in-memory log.
    ///
    /// ```
    /// let log = sslprobe_build::probe::Log::in_memory();
    /// assert!(log.text().is_empty() && log.path().is_none());
    /// ```
    pub fn in_memory() -> Log {
        Log::default()
    }

    /// Where the log is written, if anywhere.
    ///
    /// ```
    /// use sslprobe_build::probe::Log;
    /// assert_eq!(Log::in_memory().path(), None);
    /// ```
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The whole log text.
    ///
    /// ```
    /// use sslprobe_build::probe::Log;
    /// let log = Log::in_memory();
    /// std::fs::write(std::env::temp_dir().join("probe.log"), log.text()).unwrap();
    /// ```
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Appends free text.
    pub(crate) fn note(&mut self, text: &str) {
        self.append(&format!("## {text}\n"));
    }

    /// Appends one compiler run.
    pub(crate) fn entry(
        &mut self,
        what: &str,
        source: &str,
        command: &str,
        status: Option<i32>,
        output: &str,
    ) {
        self.entries += 1;
        let mut s = String::new();
        let _ = writeln!(s, "==== [{}] {what}", self.entries);
        let _ = writeln!(s, "---- source");
        for (i, l) in source.lines().enumerate() {
            let _ = writeln!(s, "{:5} | {l}", i + 1);
        }
        let _ = writeln!(s, "---- command\n{command}");
        let _ = writeln!(
            s,
            "---- exit status: {}",
            status.map_or("killed by a signal".to_string(), |c| c.to_string())
        );
        let _ = writeln!(
            s,
            "---- output\n{}",
            if output.trim().is_empty() {
                "(none)"
            } else {
                output.trim_end()
            }
        );
        self.append(&s);
    }

    /// Appends a log written elsewhere (by a parallel compile), numbering its entries as if
    /// they had been written here.
    pub(crate) fn absorb(&mut self, other: &Log) {
        let mut s = String::with_capacity(other.text.len());
        for line in other.text.split_inclusive('\n') {
            match line.strip_prefix("==== [").and_then(|r| r.split_once("] ")) {
                Some((n, rest)) if n.parse::<usize>().is_ok() => {
                    self.entries += 1;
                    let _ = write!(s, "==== [{}] {rest}", self.entries);
                }
                _ => s.push_str(line),
            }
        }
        self.append(&s);
    }

    fn append(&mut self, s: &str) {
        self.text.push_str(s);
        if let Some(p) = &self.path {
            // Best effort: the in-memory copy is authoritative, the file is for humans.
            if let Ok(mut f) = std::fs::OpenOptions::new().append(true).open(p) {
                let _ = f.write_all(s.as_bytes());
            }
        }
    }
}
