//! `cargo xtask bench`: how long probing the catalog takes, against autoconf and meson.
//!
//! In one run, over the same list of names (every API of `probes/catalog.toml`) and the same
//! library (the system OpenSSL, located as a build script would), this times:
//!
//! * the floor: one compile + link of a single probe, with the very compiler command sslprobe
//!   uses;
//! * sslprobe batched (the default engine), in process — what a build script pays — and as a
//!   fresh process (`cargo xtask bench --internal-probe batched`: catalog load, locate, probe);
//! * sslprobe one at a time (one compile + link per variant, parallel within the job limit) and
//!   with forced bisection (what a compiler whose output cannot be read costs);
//! * autoconf: `./configure` generated from `AC_CHECK_FUNCS([...])` with `LIBS=-lssl -lcrypto`;
//! * meson: `meson setup` of a project calling `cc.has_function(name, prefix: '#include
//!   <openssl/ssl.h>', dependencies: dep)` per name, in a fresh build directory each run;
//! * the builder at scale: `sslprobe_build::Probe` asked for 1,000 functions the system headers
//!   declare (`function_name` each), as the build script of a crate would, in a fresh process
//!   with a build script's environment (`OUT_DIR`, `TARGET`, `HOST`);
//! * the worst case: sslprobe batched against OpenSSL 1.1.0i from the matrix cache (where much
//!   of the catalog is missing), with that library's own floor;
//! * the build-dependency (row `build-dep`, measured once, outside the round-robin): a clean
//!   build of `sslprobe-build` in a fresh target directory, offline, as a build script's
//!   dependency is compiled (not incremental, no debuginfo), and its crate count
//!   (`cargo tree -p sslprobe-build -e normal`), now and at [`BEFORE_LIGHT`] — the last revision
//!   whose engine parsed the catalog with serde + toml — built from a `git archive` of it in the
//!   same conditions. Every downstream crate pays this build.
//!
//! Samples are taken round-robin (one of each row per iteration, after a warm-up iteration) so
//! that load from elsewhere on the machine spreads over all rows; the table shows medians and
//! the ratio of each median to sslprobe batched. The figures go to a JSON file.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::json;
use sslprobe_build::compiler::Compiler;
use sslprobe_build::locate::{self, Location, MapEnv};
use sslprobe_build::probe::{Log, Mode, Prober};
use sslprobe_build::Catalog;

use xtask::cli::Args;

const USAGE: &str = "\
usage: cargo xtask bench [--runs N] [--json FILE] [--only ROWS] [--no-install]
  --runs N      samples per row, after one warm-up (default 10); the table shows medians
  --json FILE   where to write the figures (default target/bench.json)
  --only ROWS   comma-separated subset of: floor, batched, batched-process, one-at-a-time,
                bisect, builder-1000 (with builder-floor), autoconf, meson, old-floor,
                old-batched, build-dep
  --no-install  do not apt-get install autoconf/meson when missing (their rows are skipped)";

/// Every row, in table order.
const ROWS: &[&str] = &[
    "floor",
    "batched",
    "batched-process",
    "one-at-a-time",
    "bisect",
    "builder-1000",
    "builder-floor",
    "autoconf",
    "meson",
    "old-floor",
    "old-batched",
    "build-dep",
];

/// The last revision whose `sslprobe-build` depended on serde (derive) and toml to read the
/// catalog: the `build-dep` row builds it too, for comparison.
pub const BEFORE_LIGHT: &str = "57a1096b5d81d136249775eae8670a0a1fa2de3a";

/// The `build-dep` row's targets: at most this many crates (`sslprobe-build` included) ...
const MAX_BUILD_DEP_CRATES: usize = 8;
/// ... and at most this fraction of the clean build time at [`BEFORE_LIGHT`].
const MAX_BUILD_DEP_RATIO: f64 = 1.0 / 3.0;

/// Runs `cargo xtask bench ...`.
pub fn run(args: &[String]) -> Result<ExitCode> {
    let mut args = Args::new(args);
    if args.flag("--help") || args.flag("-h") {
        println!("{USAGE}");
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(file) = args.value("--internal-builder")? {
        args.finish()?;
        return internal_builder(Path::new(&file));
    }
    if let Some(mode) = args.value("--internal-probe")? {
        let prefix = args.value("--prefix")?;
        let verbose = args.flag("--verbose");
        args.finish()?;
        return internal_probe(&mode, prefix.as_deref().map(Path::new), verbose);
    }
    let runs = match args.value("--runs")? {
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => bail!("--runs expects a number from 1 to 1000, got `{v}`"),
        },
        None => 10,
    };
    let json_path = args
        .value("--json")?
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/bench.json"));
    let only: Vec<String> = match args.value("--only")? {
        Some(spec) => {
            let v: Vec<String> = spec
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            if let Some(bad) = v.iter().find(|r| !ROWS.contains(&r.as_str())) {
                bail!("--only: unknown row `{bad}`; rows: {}", ROWS.join(", "));
            }
            v
        }
        None => ROWS.iter().map(|s| s.to_string()).collect(),
    };
    let install = !args.flag("--no-install");
    args.finish()?;
    bench(runs, &json_path, &only, install)
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn host_triple() -> Result<String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(&rustc)
        .arg("-vV")
        .output()
        .with_context(|| format!("running {rustc} -vV"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(|h| h.trim().to_string())
        .context("rustc -vV printed no host triple")
}

fn load_catalog() -> Result<Catalog> {
    let dir = workspace().join("probes");
    Ok(Catalog::load(&dir)
        .with_context(|| format!("loading {}", dir.display()))?
        .0)
}

/// The location probed: the system OpenSSL as a build script without OPENSSL_* variables finds
/// it, or an explicit prefix.
fn location(prefix: Option<&Path>) -> Result<Location> {
    Ok(match prefix {
        Some(p) => {
            locate::from_prefix(p, None).with_context(|| format!("prefix {}", p.display()))?
        }
        None => locate::locate(&MapEnv::new(), &host_triple()?)
            .context("locating the system OpenSSL")?,
    })
}

/// OpenSSL 1.1.0i (static) from the matrix cache, if `cargo xtask libs` has built it.
fn old_library() -> Option<PathBuf> {
    let lib = xtask::libs::find("openssl-1.1.0i")?;
    let cache = xtask::libs::default_cache_dir().ok()?;
    xtask::libs::load_cached(lib, &cache.join(lib.cache_dir_name()))?.prefix
}

/// `--internal-probe MODE [--prefix DIR] [--verbose]`: one probing run in this process, for
/// the process-level row (`--verbose` prints the probe log to stderr).
fn internal_probe(mode: &str, prefix: Option<&Path>, verbose: bool) -> Result<ExitCode> {
    let catalog = load_catalog()?;
    let loc = location(prefix)?;
    let cc = Compiler::for_target(&host_triple()?)?;
    let scratch = std::env::temp_dir().join(format!("sslprobe-bench-{}", std::process::id()));
    let prober = engine(cc, loc, &scratch, mode)?;
    let mut log = Log::in_memory();
    let r = prober.run(&catalog, &mut log)?;
    let _ = std::fs::remove_dir_all(&scratch);
    if verbose {
        eprintln!("{}", log.text());
    }
    println!(
        "{}",
        json!({ "compiler_runs": r.compiler_runs, "present": r.apis.iter().filter(|a| a.present).count(), "elapsed_ms": r.elapsed_ms })
    );
    Ok(ExitCode::SUCCESS)
}

/// `--internal-builder FILE`: one `sslprobe_build::Probe` request for every name in FILE (one
/// per line), run as a build script would run it (the caller sets `OUT_DIR`, `TARGET`, `HOST`).
fn internal_builder(file: &Path) -> Result<ExitCode> {
    let text = std::fs::read_to_string(file).with_context(|| file.display().to_string())?;
    let mut p = sslprobe_build::Probe::new().catalog_cfgs(false);
    for h in BUILDER_HEADERS {
        p = p.include(h);
    }
    for name in text.lines().filter(|l| !l.is_empty()) {
        p = p.function_name(name);
    }
    let a = p.run()?;
    println!(
        "{}",
        json!({ "compiler_runs": a.compiler_runs, "present": a.answers.iter().filter(|x| x.present).count(), "asked": a.answers.len() })
    );
    Ok(ExitCode::SUCCESS)
}

/// The headers the builder row's names come from (and that its probes include).
const BUILDER_HEADERS: &[&str] = &[
    "openssl/ssl.h",
    "openssl/x509v3.h",
    "openssl/ocsp.h",
    "openssl/evp.h",
    "openssl/pem.h",
];

/// Up to `n` functions that the system library exports and the [`BUILDER_HEADERS`] declare: the
/// exported names (`nm -D`) that appear as identifiers in the preprocessed headers.
fn declared_functions(cc: &Compiler, loc: &Location, dir: &Path, n: usize) -> Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let src = dir.join("headers.c");
    let text: String = BUILDER_HEADERS
        .iter()
        .map(|h| format!("#include <{h}>\n"))
        .collect();
    std::fs::write(&src, text)?;
    let out = cc
        .preprocess_command(loc, &src)
        .output()
        .context("preprocessing the OpenSSL headers")?;
    let pre = String::from_utf8_lossy(&out.stdout);
    let idents: std::collections::BTreeSet<&str> = pre
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .collect();
    let mut names = std::collections::BTreeSet::new();
    let dirs: Vec<PathBuf> = if loc.lib_dirs.is_empty() {
        vec![PathBuf::from("/usr/lib/x86_64-linux-gnu")]
    } else {
        loc.lib_dirs.clone()
    };
    for lib in ["libssl.so", "libcrypto.so"] {
        let Some(path) = dirs.iter().map(|d| d.join(lib)).find(|p| p.exists()) else {
            bail!("{lib} not found in {dirs:?}");
        };
        let nm = Command::new("nm")
            .args(["-D", "--defined-only"])
            .arg(&path)
            .output()
            .context("nm (binutils)")?;
        for line in String::from_utf8_lossy(&nm.stdout).lines() {
            let mut f = line.split_whitespace();
            let (Some(_), Some("T"), Some(sym)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            let sym = sym.split('@').next().unwrap_or(sym);
            if idents.contains(sym) {
                names.insert(sym.to_string());
            }
        }
    }
    if names.len() < n {
        bail!(
            "only {} declared and exported functions found; {n} wanted",
            names.len()
        );
    }
    Ok(names.into_iter().take(n).collect())
}

fn builder_row(cc: &Compiler, loc: &Location, dir: &Path, n: usize) -> Result<Row> {
    let names = declared_functions(cc, loc, dir, n)?;
    let list = dir.join("names.txt");
    std::fs::write(&list, names.join("\n"))?;
    let exe = std::env::current_exe().context("locating the xtask binary")?;
    let host = host_triple()?;
    let out_dir = dir.join("out");
    std::fs::create_dir_all(&out_dir)?;
    let run = move || -> Result<(Duration, Option<usize>)> {
        let mut cmd = Command::new(&exe);
        cmd.args(["bench", "--internal-builder"])
            .arg(&list)
            .env("OUT_DIR", &out_dir)
            .env("TARGET", &host)
            .env("HOST", &host)
            .env_remove("CARGO_MAKEFLAGS");
        let t = Instant::now();
        let out = cmd.output().context("xtask bench --internal-builder")?;
        let d = t.elapsed();
        if !out.status.success() {
            bail!(
                "the builder run failed:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        Ok((d, v["compiler_runs"].as_u64().map(|r| r as usize)))
    };
    run()?;
    Ok(Row {
        key: "builder-1000",
        label: format!(
            "sslprobe_build::Probe, {n} functions the headers declare (a fresh process)"
        ),
        samples: Vec::new(),
        runs: None,
        note: "process start + locate (pkg-config) + identify + probe + controls".into(),
        sample: Box::new(run),
    })
}

fn engine(cc: Compiler, loc: Location, scratch: &Path, mode: &str) -> Result<Prober> {
    let p = Prober::new(cc, loc, scratch)?;
    Ok(match mode {
        "batched" => p.mode(Mode::Batched),
        "one-at-a-time" => p.mode(Mode::OneAtATime),
        "bisect" => p.mode(Mode::Batched).force_bisect(true),
        other => bail!("--internal-probe: unknown mode `{other}` (batched, one-at-a-time, bisect)"),
    })
}

/// Installs missing tools with apt (`apt-get update` only if the first attempt fails).
fn ensure_tools(tools: &[(&str, &str)], install: bool) -> Vec<String> {
    let missing: Vec<(&str, &str)> = tools
        .iter()
        .copied()
        .filter(|(bin, _)| !have(bin))
        .collect();
    if missing.is_empty() || !install {
        return missing.iter().map(|(b, _)| b.to_string()).collect();
    }
    let pkgs: Vec<&str> = missing.iter().map(|(_, p)| *p).collect();
    eprintln!("bench: installing {} with apt-get", pkgs.join(" "));
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let mut cmd = vec!["install", "-y", "-q"];
    cmd.extend(&pkgs);
    if !apt(&cmd) {
        let _ = apt(&["update", "-q"]);
        let _ = apt(&cmd);
    }
    tools
        .iter()
        .filter(|(bin, _)| !have(bin))
        .map(|(b, _)| b.to_string())
        .collect()
}

fn have(bin: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {bin}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// One row of the table.
struct Row {
    key: &'static str,
    label: String,
    samples: Vec<Duration>,
    /// Compiler invocations per run (sslprobe rows), checks per run (autoconf/meson).
    runs: Option<usize>,
    note: String,
    sample: Box<dyn FnMut() -> Result<(Duration, Option<usize>)>>,
}

fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    match v.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn timed(cmd: &mut Command, what: &str) -> Result<Duration> {
    let t = Instant::now();
    let out = cmd.output().with_context(|| format!("running {what}"))?;
    let d = t.elapsed();
    if !out.status.success() {
        bail!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(d)
}

/// The source of the floor: one probe, the sanity probe's shape.
const FLOOR_C: &str = "#include <openssl/ssl.h>\n\
void sslprobe_floor(void);\nvoid sslprobe_floor(void)\n{\n    SSL_CTX *(*volatile p)(const SSL_METHOD *) = SSL_CTX_new;\n    (void)p;\n}\n\
int main(void) { return 0; }\n";

/// The floor's source with `headers` included first (the builder row's own floor: one probe of
/// that request, with the request's headers).
fn floor_source(headers: &[&str]) -> String {
    let mut s: String = headers
        .iter()
        .map(|h| format!("#include <{h}>\n"))
        .collect();
    s.push_str(FLOOR_C);
    s
}

fn floor_row(
    key: &'static str,
    label: String,
    cc: &Compiler,
    loc: &Location,
    dir: &Path,
    source: &str,
) -> Result<Row> {
    std::fs::create_dir_all(dir)?;
    let src = dir.join("floor.c");
    std::fs::write(&src, source)?;
    let exe = dir.join("floor");
    let mut cmd = cc.compile_link_command(loc, &src, &exe)?;
    let rendered = sslprobe_build::compiler::render_command(&cmd);
    // Prove it works before timing it.
    timed(&mut cmd, "the floor compile")?;
    let (cc, loc) = (cc.clone(), loc.clone());
    Ok(Row {
        key,
        label,
        samples: Vec::new(),
        runs: Some(1),
        note: rendered,
        sample: Box::new(move || {
            let mut cmd = cc.compile_link_command(&loc, &src, &exe)?;
            Ok((timed(&mut cmd, "the floor compile")?, Some(1)))
        }),
    })
}

fn engine_row(
    key: &'static str,
    label: String,
    mode: &'static str,
    cc: &Compiler,
    loc: &Location,
    catalog: &Catalog,
    dir: &Path,
) -> Row {
    let (cc, loc, catalog, dir) = (cc.clone(), loc.clone(), catalog.clone(), dir.to_path_buf());
    Row {
        key,
        label,
        samples: Vec::new(),
        runs: None,
        note: String::new(),
        sample: Box::new(move || {
            let t = Instant::now();
            let prober = engine(cc.clone(), loc.clone(), &dir, mode)?;
            let r = prober.run(&catalog, &mut Log::in_memory())?;
            Ok((t.elapsed(), Some(r.compiler_runs)))
        }),
    }
}

fn autoconf_row(names: &[String], cc: &Compiler, loc: &Location, dir: &Path) -> Result<Row> {
    std::fs::create_dir_all(dir)?;
    let ac = format!(
        "AC_INIT([sslprobe-bench], [1.0])\nAC_PROG_CC\nLIBS=\"-lssl -lcrypto $LIBS\"\nAC_CHECK_FUNCS([{}])\nAC_OUTPUT\n",
        names.join(" ")
    );
    std::fs::write(dir.join("configure.ac"), ac)?;
    timed(Command::new("autoconf").current_dir(dir), "autoconf")?;
    let mut env = vec![
        ("CC".to_string(), cc.path().display().to_string()),
        ("CFLAGS".into(), "-O0".into()),
    ];
    env.push((
        "CPPFLAGS".into(),
        loc.include_dirs
            .iter()
            .map(|d| format!("-I{}", d.display()))
            .collect::<Vec<_>>()
            .join(" "),
    ));
    env.push((
        "LDFLAGS".into(),
        loc.lib_dirs
            .iter()
            .map(|d| format!("-L{}", d.display()))
            .collect::<Vec<_>>()
            .join(" "),
    ));
    let dir = dir.to_path_buf();
    let n = names.len();
    let configure = move || -> Result<Duration> {
        let _ = std::fs::remove_file(dir.join("config.cache"));
        let mut cmd = Command::new("./configure");
        cmd.arg("--quiet").current_dir(&dir);
        for (k, v) in &env {
            cmd.arg(format!("{k}={v}"));
        }
        timed(&mut cmd, "./configure")
    };
    configure()?;
    Ok(Row {
        key: "autoconf",
        label: format!("autoconf `./configure`, AC_CHECK_FUNCS × {n}"),
        samples: Vec::new(),
        runs: Some(n),
        note: "AC_PROG_CC + LIBS=-lssl -lcrypto + AC_CHECK_FUNCS, no cache file".into(),
        sample: Box::new(move || Ok((configure()?, Some(n)))),
    })
}

fn meson_row(names: &[String], cc: &Compiler, loc: &Location, dir: &Path) -> Result<Row> {
    std::fs::create_dir_all(dir)?;
    let list: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    let build = format!(
        "project('sslprobe-bench', 'c')\ncc = meson.get_compiler('c')\n\
         dep = declare_dependency(compile_args: [{}], link_args: [{}])\n\
         foreach f : [{}]\n  cc.has_function(f, prefix: '#include <openssl/ssl.h>', dependencies: dep)\nendforeach\n",
        loc.include_dirs.iter().map(|d| format!("'-I{}'", d.display())).collect::<Vec<_>>().join(", "),
        loc.lib_dirs
            .iter()
            .map(|d| format!("'-L{}'", d.display()))
            .chain(loc.libs.iter().map(|l| format!("'-l{l}'")))
            .chain(loc.system_libs.iter().map(|l| format!("'-l{l}'")))
            .collect::<Vec<_>>()
            .join(", "),
        list.join(", ")
    );
    std::fs::write(dir.join("meson.build"), build)?;
    let dir = dir.to_path_buf();
    let cc_path = cc.path().display().to_string();
    let n = names.len();
    let mut i = 0usize;
    let mut setup = move || -> Result<Duration> {
        i += 1;
        let b = dir.join(format!("build-{i}"));
        let _ = std::fs::remove_dir_all(&b);
        let d = timed(
            Command::new("meson")
                .arg("setup")
                .arg(&b)
                .current_dir(&dir)
                .env("CC", &cc_path),
            "meson setup",
        )?;
        let _ = std::fs::remove_dir_all(&b);
        Ok(d)
    };
    setup()?;
    Ok(Row {
        key: "meson",
        label: format!("meson `setup`, cc.has_function × {n}"),
        samples: Vec::new(),
        runs: Some(n),
        note: "fresh build directory each run".into(),
        sample: Box::new(move || Ok((setup()?, Some(n)))),
    })
}

fn process_row(prefix: Option<PathBuf>) -> Result<Row> {
    let exe = std::env::current_exe().context("locating the xtask binary")?;
    let run = move || -> Result<Duration> {
        let mut cmd = Command::new(&exe);
        cmd.args(["bench", "--internal-probe", "batched"]);
        if let Some(p) = &prefix {
            cmd.arg("--prefix").arg(p);
        }
        timed(&mut cmd, "xtask bench --internal-probe batched")
    };
    run()?;
    Ok(Row {
        key: "batched-process",
        label: "sslprobe batched, as a fresh process".into(),
        samples: Vec::new(),
        runs: None,
        note: "process start + catalog load + locate (pkg-config) + identify + probe".into(),
        sample: Box::new(move || Ok((run()?, None))),
    })
}

/// One measurement of the build-dependency: crates and clean build time.
struct BuildDep {
    label: String,
    crates: usize,
    build: Duration,
}

/// The packages `cargo tree -p sslprobe-build -e normal` lists (itself included), in `dir`.
fn crate_count(cargo: &str, dir: &Path) -> Result<usize> {
    let out = Command::new(cargo)
        .args([
            "tree",
            "-p",
            "sslprobe-build",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--offline",
        ])
        .current_dir(dir)
        .output()
        .context("running cargo tree")?;
    if !out.status.success() {
        bail!(
            "cargo tree failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(count_crates(&String::from_utf8_lossy(&out.stdout)))
}

/// Distinct packages in `cargo tree --prefix none` output.
fn count_crates(tree: &str) -> usize {
    let mut seen: Vec<&str> = tree
        .lines()
        .map(|l| l.trim_end_matches(" (*)").trim())
        .filter(|l| !l.is_empty())
        .collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

/// A clean, offline build of `sslprobe-build` from the workspace in `dir`, in the fresh target
/// directory `target`.
fn clean_build(cargo: &str, dir: &Path, target: &Path, label: String) -> Result<BuildDep> {
    let _ = std::fs::remove_dir_all(target);
    let crates = crate_count(cargo, dir)?;
    let build = timed(
        Command::new(cargo)
            .args(["build", "-p", "sslprobe-build", "--offline", "--quiet"])
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", target)
            // As a downstream crate compiles it: a dependency from the package registry is
            // never incremental, and cargo's default `build-override` profile has no debuginfo.
            .env("CARGO_INCREMENTAL", "0")
            .env("CARGO_PROFILE_DEV_DEBUG", "false")
            .env_remove("RUSTC_WRAPPER")
            .env_remove("CARGO_BUILD_RUSTC_WRAPPER"),
        &format!("cargo build -p sslprobe-build ({label})"),
    )?;
    let _ = std::fs::remove_dir_all(target);
    Ok(BuildDep {
        label,
        crates,
        build,
    })
}

/// The `build-dep` row: now, and at [`BEFORE_LIGHT`] when git still has that revision.
fn build_dep(scratch: &Path, skipped: &mut Vec<(String, String)>) -> Result<Vec<BuildDep>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!(
        "bench: clean builds of sslprobe-build (now and at {})",
        &BEFORE_LIGHT[..10]
    );
    let mut out = vec![clean_build(
        &cargo,
        &workspace(),
        &scratch.join("build-dep-now"),
        "sslprobe-build now".into(),
    )?];
    let old_src = scratch.join("build-dep-before-src");
    std::fs::create_dir_all(&old_src)?;
    let archive = Command::new("sh")
        .arg("-c")
        .arg(format!("git archive {BEFORE_LIGHT} | tar -x -C \"$1\""))
        .arg("sh")
        .arg(&old_src)
        .current_dir(workspace())
        .output()
        .context("running git archive")?;
    if archive.status.success() {
        out.push(clean_build(
            &cargo,
            &old_src,
            &scratch.join("build-dep-before"),
            format!("sslprobe-build at {} (serde + toml)", &BEFORE_LIGHT[..10]),
        )?);
    } else {
        skipped.push((
            "build-dep (before)".into(),
            format!(
                "git archive {BEFORE_LIGHT} failed: {}",
                String::from_utf8_lossy(&archive.stderr).trim()
            ),
        ));
    }
    let _ = std::fs::remove_dir_all(&old_src);
    Ok(out)
}

fn bench(runs: usize, json_path: &Path, only: &[String], install: bool) -> Result<ExitCode> {
    let want = |k: &str| only.iter().any(|o| o == k);
    let catalog = load_catalog()?;
    let names: Vec<String> = catalog.apis.iter().map(|a| a.name.clone()).collect();
    let variants: usize = catalog.apis.iter().map(|a| a.variants.len()).sum();
    let host = host_triple()?;
    let cc = Compiler::for_target(&host)?;
    let loc = location(None)?;
    let scratch = std::env::temp_dir().join(format!("sslprobe-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)?;

    let mut tools = Vec::new();
    if want("autoconf") {
        tools.push(("autoconf", "autoconf"));
    }
    if want("meson") {
        tools.push(("meson", "meson"));
        tools.push(("ninja", "ninja-build"));
    }
    let missing = ensure_tools(&tools, install);

    let mut rows: Vec<Row> = Vec::new();
    let mut skipped: Vec<(String, String)> = Vec::new();
    if want("floor") {
        rows.push(floor_row(
            "floor",
            "floor: one probe, one compile + link".into(),
            &cc,
            &loc,
            &scratch.join("floor"),
            FLOOR_C,
        )?);
    }
    if want("batched") {
        rows.push(engine_row(
            "batched",
            format!(
                "sslprobe batched ({} APIs, {variants} variants)",
                names.len()
            ),
            "batched",
            &cc,
            &loc,
            &catalog,
            &scratch.join("batched"),
        ));
    }
    if want("batched-process") {
        rows.push(process_row(None)?);
    }
    if want("one-at-a-time") {
        rows.push(engine_row(
            "one-at-a-time",
            "sslprobe one at a time (parallel)".into(),
            "one-at-a-time",
            &cc,
            &loc,
            &catalog,
            &scratch.join("single"),
        ));
    }
    if want("bisect") {
        rows.push(engine_row(
            "bisect",
            "sslprobe, forced bisection".into(),
            "bisect",
            &cc,
            &loc,
            &catalog,
            &scratch.join("bisect"),
        ));
    }
    if want("builder-1000") {
        // The request's own floor: one probe of it, with its headers.
        rows.push(floor_row(
            "builder-floor",
            format!(
                "floor with the request's headers ({})",
                BUILDER_HEADERS.join(", ")
            ),
            &cc,
            &loc,
            &scratch.join("builder-floor"),
            &floor_source(BUILDER_HEADERS),
        )?);
        rows.push(builder_row(&cc, &loc, &scratch.join("builder"), 1000)?);
    }
    for (key, make) in [
        (
            "autoconf",
            autoconf_row as fn(&[String], &Compiler, &Location, &Path) -> Result<Row>,
        ),
        ("meson", meson_row),
    ] {
        if !want(key) {
            continue;
        }
        if missing
            .iter()
            .any(|m| m == key || (key == "meson" && m == "ninja"))
        {
            skipped.push((key.into(), format!("{key} is not installed")));
            continue;
        }
        match make(&names, &cc, &loc, &scratch.join(key)) {
            Ok(r) => rows.push(r),
            Err(e) => skipped.push((key.into(), format!("{e:#}"))),
        }
    }
    let old = old_library();
    let mut old_desc = None;
    if want("old-floor") || want("old-batched") {
        match &old {
            None => {
                for k in ["old-floor", "old-batched"].into_iter().filter(|k| want(k)) {
                    skipped.push((
                        k.into(),
                        "no OpenSSL 1.1.0i in the matrix cache (build it with `cargo xtask libs`)"
                            .into(),
                    ));
                }
            }
            Some(prefix) => {
                let old_loc = location(Some(prefix))?;
                let probe =
                    Prober::new(cc.clone(), old_loc.clone(), &scratch.join("old-identify"))?
                        .run(&catalog, &mut Log::in_memory())?;
                let absent = probe.apis.iter().filter(|a| !a.present).count();
                let desc = format!(
                    "{}, {}, {absent} of {} APIs absent",
                    probe.library.describe(),
                    if old_loc.link_static {
                        "static"
                    } else {
                        "shared"
                    },
                    names.len()
                );
                if want("old-floor") {
                    rows.push(floor_row(
                        "old-floor",
                        format!("floor against {}", probe.library.describe()),
                        &cc,
                        &old_loc,
                        &scratch.join("old-floor"),
                        FLOOR_C,
                    )?);
                }
                if want("old-batched") {
                    rows.push(engine_row(
                        "old-batched",
                        format!("worst case: sslprobe batched against {desc}"),
                        "batched",
                        &cc,
                        &old_loc,
                        &catalog,
                        &scratch.join("old-batched"),
                    ));
                }
                old_desc = Some((desc, prefix.clone()));
            }
        }
    }

    eprintln!(
        "bench: {} rows × ({runs} runs + 1 warm-up), round-robin",
        rows.len()
    );
    for iter in 0..=runs {
        for row in rows.iter_mut() {
            let (d, n) = (row.sample)().with_context(|| format!("row {}", row.key))?;
            if iter > 0 {
                row.samples.push(d);
                if n.is_some() {
                    row.runs = n;
                }
            }
        }
        eprint!("\rbench: iteration {iter}/{runs}");
    }
    eprintln!();
    let build_deps = if want("build-dep") {
        build_dep(&scratch, &mut skipped)?
    } else {
        Vec::new()
    };
    let _ = std::fs::remove_dir_all(&scratch);

    let med = |k: &str| rows.iter().find(|r| r.key == k).map(|r| median(&r.samples));
    let base = med("batched");
    let mut table = String::new();
    table.push_str(
        "| run | median | vs. sslprobe batched | compiler runs / checks |\n|---|---:|---:|---:|\n",
    );
    for r in &rows {
        let m = median(&r.samples);
        let ratio = base
            .map(|b| format!("{:.2}×", m.as_secs_f64() / b.as_secs_f64()))
            .unwrap_or_else(|| "–".into());
        table.push_str(&format!(
            "| {} | {:.0} ms | {} | {} |\n",
            r.label,
            ms(m),
            ratio,
            r.runs.map(|n| n.to_string()).unwrap_or_else(|| "–".into())
        ));
    }
    let mut targets = Vec::new();
    let mut check = |name: &str, value: Option<f64>, limit: f64, at_most: bool| {
        if let Some(v) = value {
            let ok = if at_most { v <= limit } else { v >= limit };
            targets.push(json!({ "target": name, "value": v, "limit": limit, "at_most": at_most, "met": ok }));
            format!(
                "{name}: {v:.2}× (target {} {limit:.2}×) {}\n",
                if at_most { "≤" } else { "≥" },
                if ok { "met" } else { "MISSED" }
            )
        } else {
            String::new()
        }
    };
    let ratio =
        |a: Option<Duration>, b: Option<Duration>| Some(a?.as_secs_f64() / b?.as_secs_f64());
    let mut summary = String::new();
    summary += &check(
        "batched / floor",
        ratio(med("batched"), med("floor")),
        2.0,
        true,
    );
    summary += &check(
        "builder, 1000 names / its floor (one probe with the request's headers)",
        ratio(med("builder-1000"), med("builder-floor")),
        3.0,
        true,
    );
    if let Some(r) = ratio(med("builder-1000"), med("floor")) {
        summary += &format!("builder, 1000 names / the plain floor: {r:.2}× (no target)\n");
    }
    summary += &check(
        "autoconf / batched",
        ratio(med("autoconf"), med("batched")),
        10.0,
        false,
    );
    summary += &check(
        "meson / batched",
        ratio(med("meson"), med("batched")),
        10.0,
        false,
    );
    summary += &check(
        "worst case / its floor",
        ratio(med("old-batched"), med("old-floor")),
        4.0,
        true,
    );
    summary += &check(
        "worst case / system floor",
        ratio(med("old-batched"), med("floor")),
        4.0,
        true,
    );

    let mut build_table = String::new();
    let mut crate_target = None;
    if !build_deps.is_empty() {
        build_table.push_str(
            "| build-dependency | crates (`cargo tree -e normal`) | clean build, fresh target dir |\n|---|---:|---:|\n",
        );
        for b in &build_deps {
            build_table.push_str(&format!(
                "| {} | {} | {:.1} s |\n",
                b.label,
                b.crates,
                b.build.as_secs_f64()
            ));
        }
        let now = &build_deps[0];
        let ok = now.crates <= MAX_BUILD_DEP_CRATES;
        crate_target = Some(
            json!({ "target": "build-dep crates", "value": now.crates, "limit": MAX_BUILD_DEP_CRATES, "at_most": true, "met": ok }),
        );
        summary += &format!(
            "build-dep crates: {} (target ≤ {MAX_BUILD_DEP_CRATES}) {}\n",
            now.crates,
            if ok { "met" } else { "MISSED" }
        );
        if let Some(before) = build_deps.get(1) {
            summary += &check(
                "build-dep clean build / before",
                Some(now.build.as_secs_f64() / before.build.as_secs_f64()),
                MAX_BUILD_DEP_RATIO,
                true,
            );
        }
    }
    targets.extend(crate_target);

    let cc_version = Command::new(cc.path())
        .arg("--version")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .to_string()
        })
        .unwrap_or_default();
    println!(
        "sslprobe bench: {} names from probes/catalog.toml against {}, {cc_version}, {} CPUs, median of {runs}\n",
        names.len(),
        match &loc.prefix {
            Some(p) => p.display().to_string(),
            None => format!("{:?}", loc.found_by),
        },
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    print!("{table}");
    println!();
    if !build_table.is_empty() {
        print!("{build_table}");
        println!();
    }
    print!("{summary}");
    for (k, why) in &skipped {
        println!("skipped {k}: {why}");
    }
    let out = json!({
        "command": format!("cargo xtask bench --runs {runs}"),
        "runs": runs,
        "names": names,
        "variants": variants,
        "compiler": cc.path().display().to_string(),
        "compiler_version": cc_version,
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "worst_case_library": old_desc.as_ref().map(|(d, p)| json!({ "description": d, "prefix": p })),
        "rows": rows.iter().map(|r| json!({
            "key": r.key,
            "label": r.label,
            "median_ms": ms(median(&r.samples)),
            "min_ms": r.samples.iter().min().map(|d| ms(*d)),
            "max_ms": r.samples.iter().max().map(|d| ms(*d)),
            "samples_ms": r.samples.iter().map(|d| ms(*d)).collect::<Vec<_>>(),
            "ratio_to_batched": base.map(|b| median(&r.samples).as_secs_f64() / b.as_secs_f64()),
            "compiler_runs_or_checks": r.runs,
            "note": r.note,
        })).collect::<Vec<_>>(),
        "targets": targets,
        "skipped": skipped.iter().map(|(k, w)| json!({ "row": k, "why": w })).collect::<Vec<_>>(),
        "table_markdown": table,
        "build_dependency": build_deps.iter().map(|b| json!({
            "label": b.label,
            "crates": b.crates,
            "clean_build_ms": ms(b.build),
        })).collect::<Vec<_>>(),
        "build_dependency_before_revision": BEFORE_LIGHT,
    });
    if let Some(parent) = json_path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(json_path, serde_json::to_string_pretty(&out)?)
        .with_context(|| format!("writing {}", json_path.display()))?;
    println!("\nfigures written to {}", json_path.display());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        let d = |v: &[u64]| {
            v.iter()
                .map(|x| Duration::from_millis(*x))
                .collect::<Vec<_>>()
        };
        assert_eq!(median(&d(&[3, 1, 2])), Duration::from_millis(2));
        assert_eq!(
            median(&d(&[4, 1, 3, 2])),
            Duration::from_millis(2) + Duration::from_micros(500)
        );
        assert_eq!(median(&[]), Duration::ZERO);
    }

    #[test]
    fn counts_distinct_crates() {
        let tree = "sslprobe-build v0.1.0 (/x)\ncc v1.11.3\nshlex v2.0.1\njobserver v0.1.35\nlibc v0.2.191\nlibc v0.2.191 (*)\n\n";
        assert_eq!(count_crates(tree), 5);
        assert_eq!(count_crates(""), 0);
    }

    #[test]
    fn rejects_bad_arguments() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(run(&s(&["--runs", "0"])).is_err());
        assert!(run(&s(&["--runs", "x"])).is_err());
        assert!(run(&s(&["--only", "floor,nope"])).is_err());
        assert!(run(&s(&["--bogus"])).is_err());
        assert!(run(&s(&["--internal-probe", "sideways"])).is_err());
    }
}
