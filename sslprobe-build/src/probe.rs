//! Probe: compile and link small C programs against the located library. Never run them.
//!
//! Every catalog variant becomes one uniquely named function. In [`Mode::Batched`] (the default)
//! all of them go into one generated translation unit that is compiled and linked in a single
//! compiler invocation; when that fails, the failures are attributed without guessing — compiler
//! errors by line (each block carries a `#line` directive pointing at its probe file), linker
//! errors by the function named in `in function 'sslprobe_…'` (GNU ld) or `>>> referenced by`
//! (lld), or by the undefined symbol — the culprits are dropped and the rest retried. Output that
//! cannot be read falls back to bisection. [`Mode::OneAtATime`] compiles every variant on its own
//! (in parallel); both modes give identical results, which the test suite checks.
//!
//! A sanity probe (`SSL_CTX_new`) is part of every attempt. If it fails on its own, probing
//! stops with [`Error::Sanity`]: a broken environment is never reported as "absent".

use crate::catalog::{Api, Catalog, Kind};
use crate::compiler::{render_command, Compiler};
use crate::identify::{self, Library};
use crate::locate::Location;
use crate::{Error, Result};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// The probe log: every C source, command line, exit status and compiler output
/// (the `config.log` of sslprobe). Written to a file as it grows, when a path is given.
#[derive(Debug, Default)]
pub struct Log {
    path: Option<PathBuf>,
    text: String,
    entries: usize,
}

impl Log {
    /// A log that also appends to `path` (truncated first).
    pub fn to_file(path: &Path) -> Result<Log> {
        std::fs::write(path, b"").map_err(|e| Error::io(path, e))?;
        Ok(Log { path: Some(path.to_path_buf()), text: String::new(), entries: 0 })
    }

    /// An in-memory log.
    pub fn in_memory() -> Log {
        Log::default()
    }

    /// Where the log is written, if anywhere.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The whole log text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Appends free text.
    pub fn note(&mut self, text: &str) {
        self.append(&format!("## {text}\n"));
    }

    /// Appends one compiler run.
    pub fn entry(&mut self, what: &str, source: &str, command: &str, status: Option<i32>, output: &str) {
        self.entries += 1;
        let mut s = String::new();
        let _ = writeln!(s, "==== [{}] {what}", self.entries);
        let _ = writeln!(s, "---- source");
        for (i, l) in source.lines().enumerate() {
            let _ = writeln!(s, "{:5} | {l}", i + 1);
        }
        let _ = writeln!(s, "---- command\n{command}");
        let _ = writeln!(s, "---- exit status: {}", status.map_or("killed by a signal".to_string(), |c| c.to_string()));
        let _ = writeln!(s, "---- output\n{}", if output.trim().is_empty() { "(none)" } else { output.trim_end() });
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

/// How probes are grouped into compiler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// One translation unit for everything; failures attributed and retried.
    Batched,
    /// One compile + link per variant, run in parallel.
    OneAtATime,
}

/// Where a result came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// A probe compiled and linked (or failed to).
    Probe,
    /// `SSLPROBE_HAVE_<API>` forced it.
    Override,
    /// `SSLPROBE_NO_PROBE`: taken from the knowledge DB for `SSLPROBE_ASSUME`.
    Assumed,
}

/// The result for one API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiResult {
    /// API name.
    pub name: String,
    /// Its cfg name.
    pub cfg: String,
    /// Whether it compiles and links with the expected prototype.
    pub present: bool,
    /// Function or macro (or define), as found in this library.
    pub kind: Option<Kind>,
    /// The winning variant.
    pub variant: Option<String>,
    /// Present and not a known stub/no-op in this library.
    pub effective: bool,
    /// What the knowledge DB expects for this library and version.
    pub db_expected: bool,
    /// Whether the probe agrees with the DB (presence, and kind when present).
    pub db_agrees: bool,
    /// The DB's note for this family.
    pub note: Option<String>,
    /// Where the result came from.
    pub source: Source,
    /// Why it is absent: the first diagnostics of the last variant tried.
    pub failure: Option<String>,
    /// For defines: the expanded value.
    pub value: Option<String>,
}

/// Everything one probing run found.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    /// The identified library.
    pub library: Library,
    /// Where it is.
    pub location: Location,
    /// One entry per catalog API, in catalog order.
    pub apis: Vec<ApiResult>,
    /// Number of compiler invocations.
    pub compiler_runs: usize,
    /// Wall time of identify + probe.
    pub elapsed_ms: u64,
    /// Overrides applied (`NAME=value`), in the order read.
    pub overrides: Vec<String>,
}

impl Results {
    /// The result for an API.
    pub fn get(&self, name: &str) -> Option<&ApiResult> {
        self.apis.iter().find(|a| a.name == name)
    }

    /// One human sentence per probe/DB disagreement.
    pub fn disagreements(&self) -> Vec<String> {
        self.apis
            .iter()
            .filter(|a| !a.db_agrees)
            .map(|a| {
                let saw = match (&a.present, &a.kind) {
                    (true, Some(k)) => format!("present ({k}{})", a.variant.as_ref().map(|v| format!(", variant {v}")).unwrap_or_default()),
                    (true, None) => "present".into(),
                    (false, _) => "absent".into(),
                };
                format!(
                    "{}: the probe found it {saw} but the knowledge DB expects it {} in {} — a distro \
                     backport, a header/library mismatch, or a DB error{}",
                    a.name,
                    if a.db_expected { "present" } else { "absent" },
                    self.library.describe(),
                    a.failure.as_ref().map(|f| format!(" (probe said: {f})")).unwrap_or_default()
                )
            })
            .collect()
    }

    /// Builds an [`ApiResult`] for `api` against the DB for `library`.
    pub fn classify(api: &Api, library: &Library, found: Option<(&str, Kind)>, source: Source, failure: Option<String>) -> ApiResult {
        let db = api.db_for(library.family);
        let db_expected = db.has(&library.version);
        let present = found.is_some();
        let kind = found.map(|(_, k)| k);
        let kind_agrees = match (kind, api.db_kind_at(library.family, &library.version)) {
            (Some(k), Some(dk)) => k == dk,
            _ => true,
        };
        ApiResult {
            name: api.name.clone(),
            cfg: api.cfg(),
            present,
            kind,
            variant: found.map(|(v, _)| v.to_string()),
            effective: present && (db.effective || !db_expected),
            db_expected,
            db_agrees: present == db_expected && kind_agrees,
            note: db.note.clone(),
            source,
            failure: if present { None } else { failure },
            value: if kind == Some(Kind::Define) { library.defines.get(&api.name).cloned() } else { None },
        }
    }
}

/// One probe block: a catalog variant or the sanity probe.
#[derive(Debug, Clone)]
struct Block {
    func: String,
    file: String,
    line: usize,
    body: String,
    includes: Vec<String>,
}

impl Block {
    fn line_range(&self) -> (usize, usize) {
        (self.line.saturating_sub(1), self.line + self.body.lines().count())
    }
}

const SANITY: usize = 0;

/// The probing engine. Construct with [`Prober::new`], then [`Prober::run`].
#[derive(Debug)]
pub struct Prober {
    cc: Compiler,
    loc: Location,
    scratch: PathBuf,
    prelude: Vec<String>,
    mode: Mode,
    jobs: usize,
    runs: AtomicUsize,
}

/// Validates an extra include line (`#include <x/y.h>` or `#include "x.h"`).
pub fn validate_include(line: &str) -> Result<()> {
    let inner = line
        .strip_prefix("#include <")
        .and_then(|r| r.strip_suffix('>'))
        .or_else(|| line.strip_prefix("#include \"").and_then(|r| r.strip_suffix('"')));
    match inner {
        Some(h) if !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || "_-./+".contains(c)) && !h.contains("..") => Ok(()),
        _ => Err(Error::invalid("prelude include", line, "expected `#include <dir/header.h>` with a plain relative header name")),
    }
}

static RUN_COUNTER: AtomicUsize = AtomicUsize::new(0);

impl Prober {
    /// A prober compiling with `cc` against `loc`, writing scratch files under `scratch`
    /// (a private per-run subdirectory is created there, so concurrent runs never collide).
    pub fn new(cc: Compiler, loc: Location, scratch: &Path) -> Result<Prober> {
        let n = RUN_COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let dir = scratch.join(format!("run-{}-{n}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let jobs = std::env::var("NUM_JOBS")
            .ok()
            .and_then(|j| j.parse().ok())
            .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
            .unwrap_or(1)
            .clamp(1, 64);
        Ok(Prober { cc, loc, scratch: dir, prelude: Vec::new(), mode: Mode::Batched, jobs, runs: AtomicUsize::new(0) })
    }

    /// Extra `#include` lines placed before every probe (e.g. `#include <wolfssl/options.h>`).
    pub fn prelude(mut self, lines: &[String]) -> Result<Prober> {
        for l in lines {
            validate_include(l)?;
        }
        self.prelude = lines.to_vec();
        Ok(self)
    }

    /// Batched (default) or one at a time.
    pub fn mode(mut self, mode: Mode) -> Prober {
        self.mode = mode;
        self
    }

    /// Maximum parallel compiler runs in one-at-a-time and bisection mode.
    pub fn jobs(mut self, jobs: usize) -> Prober {
        self.jobs = jobs.max(1);
        self
    }

    /// The location probed.
    pub fn location(&self) -> &Location {
        &self.loc
    }

    /// Identifies the library (preprocessor only).
    pub fn identify(&self, catalog: &Catalog, log: &mut Log) -> Result<Library> {
        let defines: Vec<&str> = catalog
            .apis
            .iter()
            .filter(|a| a.variants.iter().any(|v| v.kind == Kind::Define))
            .map(|a| a.name.as_str())
            .collect();
        self.runs.fetch_add(1, Ordering::Relaxed);
        identify::identify(&self.cc, &self.loc, &self.prelude, &defines, &self.scratch, log)
    }

    /// Identify, then probe every API of the catalog.
    pub fn run(&self, catalog: &Catalog, log: &mut Log) -> Result<Results> {
        let start = Instant::now();
        log.note(&format!("sslprobe: probing {} APIs ({:?} mode) with {}", catalog.apis.len(), self.mode, self.cc.path().display()));
        let library = self.identify(catalog, log)?;
        log.note(&format!("identified {}", library.describe()));
        let passed = self.probe_variants(catalog, log)?;
        let mut apis = Vec::new();
        for (ai, api) in catalog.apis.iter().enumerate() {
            let mut found = None;
            let mut failure = None;
            for (vi, v) in api.variants.iter().enumerate() {
                match passed.get(&(ai, vi)) {
                    Some(Ok(())) => {
                        found = Some((v.name.as_str(), v.kind));
                        break;
                    }
                    Some(Err(why)) => failure = Some(why.clone()),
                    None => {}
                }
            }
            apis.push(Results::classify(api, &library, found, Source::Probe, failure));
        }
        let _ = std::fs::remove_dir_all(&self.scratch);
        Ok(Results {
            library,
            location: self.loc.clone(),
            apis,
            compiler_runs: self.runs.load(Ordering::Relaxed),
            elapsed_ms: start.elapsed().as_millis() as u64,
            overrides: Vec::new(),
        })
    }

    fn blocks(&self, catalog: &Catalog) -> (Vec<Block>, Vec<(usize, usize)>) {
        let mut blocks = vec![Block {
            func: "sslprobe_sanity__SSL_CTX_new".into(),
            file: "sslprobe_sanity.c".into(),
            line: 2,
            body: "{\n    SSL_CTX *(*volatile p)(const SSL_METHOD *) = SSL_CTX_new;\n    (void)p;\n}\n".into(),
            includes: vec!["#include <openssl/ssl.h>".into()],
        }];
        let mut ids = vec![(usize::MAX, usize::MAX)];
        for (ai, api) in catalog.apis.iter().enumerate() {
            for (vi, v) in api.variants.iter().enumerate() {
                blocks.push(Block {
                    func: format!("sslprobe_{}__{}", api.name.to_ascii_lowercase(), v.name),
                    file: format!("probes/{}", api.file),
                    line: v.line,
                    body: v.body.clone(),
                    includes: api.includes.clone(),
                });
                ids.push((ai, vi));
            }
        }
        (blocks, ids)
    }

    /// Probes every variant; returns pass (`Ok`) or the failure excerpt (`Err`) per
    /// `(api index, variant index)`.
    fn probe_variants(&self, catalog: &Catalog, log: &mut Log) -> Result<BTreeMap<(usize, usize), std::result::Result<(), String>>> {
        let (blocks, ids) = self.blocks(catalog);
        let outcome = match self.mode {
            Mode::Batched => self.batched(&blocks, log)?,
            Mode::OneAtATime => self.one_at_a_time(&blocks, log)?,
        };
        Ok(outcome.into_iter().filter(|(i, _)| *i != SANITY).map(|(i, r)| (ids[i], r)).collect())
    }

    fn sanity_alone(&self, blocks: &[Block], log: &mut Log) -> Result<()> {
        let a = self.attempt(blocks, &[SANITY], "sanity probe: SSL_CTX_new", log)?;
        if a.ok {
            return Ok(());
        }
        Err(Error::Sanity {
            command: a.command,
            include_dirs: self.loc.include_dirs.clone(),
            lib_dirs: self.loc.lib_dirs.clone(),
            diagnosis: diagnose(&a.output),
            output: a.output,
        })
    }

    fn batched(&self, blocks: &[Block], log: &mut Log) -> Result<BTreeMap<usize, std::result::Result<(), String>>> {
        let mut result = BTreeMap::new();
        let mut remaining: Vec<usize> = (0..blocks.len()).collect();
        for round in 1.. {
            let a = self.attempt(blocks, &remaining, &format!("batch {round}: {} probes", remaining.len()), log)?;
            if a.ok {
                for i in remaining {
                    result.insert(i, Ok(()));
                }
                return Ok(result);
            }
            let culprits: BTreeSet<usize> = a.culprits.iter().copied().filter(|c| remaining.contains(c)).collect();
            // The sanity probe is part of every batch, so a batch that passes confirms it. It
            // runs on its own only when it is implicated, or when the output cannot be read.
            if culprits.contains(&SANITY) || culprits.is_empty() {
                self.sanity_alone(blocks, log)?;
            }
            let culprits: BTreeSet<usize> = culprits.into_iter().filter(|c| *c != SANITY).collect();
            if culprits.is_empty() || round > 12 {
                log.note("could not attribute every failure from the compiler/linker output: bisecting");
                let rest: Vec<usize> = remaining.into_iter().filter(|i| *i != SANITY).collect();
                self.bisect(blocks, &rest, log, &mut result)?;
                return Ok(result);
            }
            for c in &culprits {
                result.insert(*c, Err(a.excerpts.get(c).cloned().unwrap_or_else(|| "failed".into())));
            }
            remaining.retain(|i| !culprits.contains(i));
        }
        unreachable!()
    }

    fn bisect(&self, blocks: &[Block], set: &[usize], log: &mut Log, out: &mut BTreeMap<usize, std::result::Result<(), String>>) -> Result<()> {
        if set.is_empty() {
            return Ok(());
        }
        let mut with_sanity = vec![SANITY];
        with_sanity.extend_from_slice(set);
        let a = self.attempt(blocks, &with_sanity, &format!("bisect: {} probes", set.len()), log)?;
        if a.ok {
            for i in set {
                out.insert(*i, Ok(()));
            }
            return Ok(());
        }
        if set.len() == 1 {
            out.insert(set[0], Err(first_errors(&a.output)));
            return Ok(());
        }
        let (l, r) = set.split_at(set.len() / 2);
        self.bisect(blocks, l, log, out)?;
        self.bisect(blocks, r, log, out)
    }

    fn one_at_a_time(&self, blocks: &[Block], log: &mut Log) -> Result<BTreeMap<usize, std::result::Result<(), String>>> {
        self.sanity_alone(blocks, log)?;
        let mut result = BTreeMap::new();
        result.insert(SANITY, Ok(()));
        let todo: Vec<usize> = (1..blocks.len()).collect();
        let next = AtomicUsize::new(0);
        let logs = std::sync::Mutex::new(Vec::new());
        let outcomes = std::sync::Mutex::new(Vec::new());
        let errors = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for _ in 0..self.jobs.min(todo.len()).max(1) {
                s.spawn(|| loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&i) = todo.get(k) else { break };
                    let mut l = Log::in_memory();
                    match self.attempt(blocks, &[i], &format!("probe {}", blocks[i].func), &mut l) {
                        Ok(a) => outcomes.lock().unwrap().push((i, if a.ok { Ok(()) } else { Err(first_errors(&a.output)) })),
                        Err(e) => errors.lock().unwrap().push(e),
                    }
                    logs.lock().unwrap().push((i, l.text().to_string()));
                });
            }
        });
        let mut logs = logs.into_inner().unwrap();
        logs.sort();
        for (_, t) in logs {
            log.append(&t);
        }
        if let Some(e) = errors.into_inner().unwrap().into_iter().next() {
            return Err(e);
        }
        result.extend(outcomes.into_inner().unwrap());
        Ok(result)
    }

    /// Generates the translation unit for `set` (indices into `blocks`).
    fn source(&self, blocks: &[Block], set: &[usize]) -> String {
        let mut s = String::from("/* generated by sslprobe: one function per probe; never run */\n");
        for p in &self.prelude {
            s.push_str(p);
            s.push('\n');
        }
        let mut seen = BTreeSet::new();
        for &i in set {
            for inc in &blocks[i].includes {
                if seen.insert(inc.clone()) {
                    s.push_str(inc);
                    s.push('\n');
                }
            }
        }
        for &i in set {
            let b = &blocks[i];
            let _ = writeln!(s, "#line {} \"{}\"", b.line - 1, b.file);
            let _ = writeln!(s, "void {}(void);\nvoid {}(void)", b.func, b.func);
            s.push_str(&b.body);
        }
        let lines = s.lines().count();
        let _ = writeln!(s, "#line {} \"sslprobe_main.c\"", lines + 2);
        s.push_str("int main(void) { return 0; }\n");
        s
    }

    fn attempt(&self, blocks: &[Block], set: &[usize], what: &str, log: &mut Log) -> Result<Attempt> {
        let n = self.runs.fetch_add(1, Ordering::Relaxed);
        let src_path = self.scratch.join(format!("probe{n}.c"));
        let exe = self.scratch.join(format!("probe{n}"));
        let src = self.source(blocks, set);
        std::fs::write(&src_path, &src).map_err(|e| Error::io(&src_path, e))?;
        let mut cmd = self.cc.compile_link_command(&self.loc, &src_path, &exe)?;
        let command = render_command(&cmd);
        let out = cmd.output().map_err(|e| Error::Toolchain {
            message: format!("could not run the C compiler {}: {e}\n  command: {command}", self.cc.path().display()),
        })?;
        let _ = std::fs::remove_file(&exe);
        let _ = std::fs::remove_file(&src_path);
        let output = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        log.entry(what, &src, &command, out.status.code(), &output);
        let ok = out.status.success();
        let (culprits, excerpts) = if ok { Default::default() } else { attribute(blocks, set, &output) };
        Ok(Attempt { ok, output, command, culprits, excerpts })
    }
}

struct Attempt {
    ok: bool,
    output: String,
    command: String,
    culprits: BTreeSet<usize>,
    excerpts: BTreeMap<usize, String>,
}

/// Parses `file:line[:col]: [fatal ]error:` into `(file, line)`.
fn error_location(line: &str) -> Option<(&str, usize)> {
    let idx = line.find(" error: ").or_else(|| line.find(" fatal error: "))?;
    let head = line[..idx].trim_end_matches(':');
    let mut parts = head.rsplitn(3, ':');
    let a = parts.next()?;
    let b = parts.next()?;
    match (a.parse::<usize>(), b.parse::<usize>()) {
        (Ok(_col), Ok(l)) => Some((parts.next()?, l)),
        (Ok(l), Err(_)) => Some((head.rsplit_once(':')?.0, l)),
        _ => None,
    }
}

fn identifiers(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|t| !t.is_empty())
}

/// Maps compiler and linker diagnostics to the blocks that caused them.
fn attribute(blocks: &[Block], set: &[usize], output: &str) -> (BTreeSet<usize>, BTreeMap<usize, String>) {
    let mut culprits = BTreeSet::new();
    let mut excerpts: BTreeMap<usize, String> = BTreeMap::new();
    let mut add = |i: usize, line: &str, culprits: &mut BTreeSet<usize>| {
        culprits.insert(i);
        let e = excerpts.entry(i).or_default();
        if e.lines().count() < 3 {
            if !e.is_empty() {
                e.push('\n');
            }
            e.push_str(line.trim());
        }
    };
    let by_func: BTreeMap<&str, usize> = set.iter().map(|&i| (blocks[i].func.as_str(), i)).collect();
    let mut compile_errors = false;
    for line in output.lines() {
        if let Some((file, l)) = error_location(line) {
            compile_errors = true;
            for &i in set {
                let (lo, hi) = blocks[i].line_range();
                if blocks[i].file == file && l >= lo && l <= hi {
                    add(i, line, &mut culprits);
                }
            }
        }
    }
    if compile_errors {
        return (culprits, excerpts);
    }
    // Link errors: GNU ld names the function (`in function 'sslprobe_x__v':`), lld the caller
    // (`>>> referenced by ... (sslprobe_x__v)`); otherwise fall back to the undefined symbol.
    let mut undefined = Vec::new();
    let lines: Vec<&str> = output.lines().collect();
    for (k, line) in lines.iter().enumerate() {
        let is_undef = line.contains("undefined reference to") || line.contains("undefined symbol");
        if !is_undef {
            continue;
        }
        let sym = line
            .rsplit(['`', '\'', ' ', '‘', '’'])
            .find(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or("")
            .to_string();
        let context: Vec<&str> = lines[k.saturating_sub(1)..(k + 4).min(lines.len())].to_vec();
        let mut hit = false;
        for c in &context {
            for t in identifiers(c) {
                if let Some(&i) = by_func.get(t) {
                    // Only the function line directly tied to this error counts.
                    add(i, line, &mut culprits);
                    hit = true;
                }
            }
            if hit {
                break;
            }
        }
        if !hit && !sym.is_empty() {
            undefined.push((sym, line.to_string()));
        }
    }
    for (sym, line) in undefined {
        for &i in set {
            if identifiers(&blocks[i].body).any(|t| t == sym) {
                add(i, &line, &mut culprits);
            }
        }
    }
    (culprits, excerpts)
}

fn first_errors(output: &str) -> String {
    let errs: Vec<&str> = output
        .lines()
        .filter(|l| l.contains("error") || l.contains("undefined"))
        .take(3)
        .map(str::trim)
        .collect();
    if errs.is_empty() {
        output.lines().take(3).collect::<Vec<_>>().join("\n")
    } else {
        errs.join("\n")
    }
}

/// A one-line guess at why the sanity probe failed.
fn diagnose(output: &str) -> String {
    let o = output.to_ascii_lowercase();
    if o.contains("openssl/ssl.h") && (o.contains("no such file") || o.contains("not found")) {
        "the compiler cannot find <openssl/ssl.h>: the include directory is wrong or the headers are not installed (Debian: apt install libssl-dev)".into()
    } else if o.contains("cannot find -lssl") || o.contains("cannot find -lcrypto") || o.contains("unable to find library") {
        "the linker cannot find libssl/libcrypto in the library directories".into()
    } else if o.contains("undefined reference") || o.contains("undefined symbol") {
        "libssl was found but does not export SSL_CTX_new, or its dependencies are missing (static builds may need extra system libraries): the headers and the library may not belong together".into()
    } else if o.contains("unrecognized") || o.contains("unknown argument") || o.contains("invalid") {
        "the compiler rejected a flag (check CFLAGS / the compiler given by CC)".into()
    } else if output.trim().is_empty() {
        "the compiler failed without printing anything (is CC a real C compiler?)".into()
    } else {
        "see the compiler output below".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_error_locations() {
        assert_eq!(error_location("probes/a.c:12:5: error: foo"), Some(("probes/a.c", 12)));
        assert_eq!(error_location("probes/a.c:12: error: foo"), Some(("probes/a.c", 12)));
        assert_eq!(error_location("/x/y:z.c:3:1: fatal error: x.h: No such file"), Some(("/x/y:z.c", 3)));
        assert_eq!(error_location("collect2: error: ld returned 1 exit status"), None);
        assert_eq!(error_location("note: something"), None);
    }

    #[test]
    fn validates_prelude() {
        assert!(validate_include("#include <wolfssl/options.h>").is_ok());
        assert!(validate_include("#include \"x.h\"").is_ok());
        for bad in ["#include <../etc/passwd>", "#define X 1", "#include <a>\n#error", "#include <>"] {
            assert!(validate_include(bad).is_err(), "{bad}");
        }
    }
}
