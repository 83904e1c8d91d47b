//! `sslprobe report`: what sslprobe was built against, every API of the catalog as a meson-style
//! table, the run-time library, and a live loopback ticket count (TLS 1.3 and 1.2, baseline vs
//! fixed). `--json` prints the same as one JSON document (fields documented in README).
//!
//! Exit 1 (after printing everything) when the loaded library differs from the probed one or a
//! loopback measurement fails.

use crate::tls::plural;
use crate::Failure;
use serde::Serialize;
use sslprobe::loopback::{self, Comparison, Protocol, TicketCount};
use sslprobe::{build_info, db, ApiInfo, BuildInfo, Kind};
use std::fmt::Write as _;

/// Arguments of `sslprobe report`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print JSON instead of the human-readable report.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize, Debug)]
struct Report {
    sslprobe: &'static str,
    library: Library,
    runtime: Runtime,
    apis: Vec<Api>,
    keylog: Keylog,
    tickets: Tickets,
}

/// Whether `sslprobe serve --keylog` / `sslprobe::keylog` can log keys with this library.
#[derive(Serialize, Debug)]
struct Keylog {
    /// `available`, `unavailable` or `no-effect`.
    support: &'static str,
    /// The explanation.
    detail: String,
}

fn keylog() -> Keylog {
    use sslprobe::keylog::{support, KeylogSupport};
    let s = support();
    Keylog {
        support: match s {
            KeylogSupport::Available => "available",
            KeylogSupport::Unavailable => "unavailable",
            KeylogSupport::NoEffect => "no-effect",
        },
        detail: s.to_string(),
    }
}

#[derive(Serialize, Debug)]
struct Library {
    family: &'static str,
    version: &'static str,
    version_text: Option<&'static str>,
    api_version: Option<u64>,
    include_dirs: &'static [&'static str],
    lib_dirs: &'static [&'static str],
    found_by: &'static str,
    #[serde(rename = "static")]
    link_static: bool,
    probe_log: &'static str,
    overrides: &'static [&'static str],
    compiler_runs: usize,
}

#[derive(Serialize, Debug)]
struct Runtime {
    text: String,
    family: Option<&'static str>,
    version: Option<String>,
    matches: bool,
    mismatch: Option<String>,
}

#[derive(Serialize, Debug)]
struct Api {
    name: &'static str,
    cfg: &'static str,
    present: bool,
    effective: bool,
    kind: &'static str,
    variant: Option<&'static str>,
    source: &'static str,
    db_expected: bool,
    db_agrees: bool,
    note: Option<&'static str>,
    value: Option<&'static str>,
    failure: Option<&'static str>,
}

#[derive(Serialize, Debug)]
struct Tickets {
    /// `disable_session_tickets`'s own account of what it did (fixed mode).
    disable_session_tickets: Option<String>,
    tls13: ProtoTickets,
    tls12: ProtoTickets,
}

#[derive(Serialize, Debug)]
struct ProtoTickets {
    /// Whether the library speaks this protocol at all (OpenSSL 1.1.0 has no TLS 1.3).
    supported: bool,
    /// NewSessionTicket messages received by the client, SSL_OP_NO_TICKET only.
    baseline: Option<usize>,
    /// The same with sslprobe::disable_session_tickets.
    fixed: Option<usize>,
    writes_saved: Option<i64>,
    bytes_saved: Option<i64>,
    details: Option<Details>,
    error: Option<String>,
}

#[derive(Serialize, Debug)]
struct Details {
    baseline: Detail,
    fixed: Detail,
}

#[derive(Serialize, Debug)]
struct Detail {
    mode: &'static str,
    tickets: usize,
    server_tickets_sent: usize,
    writes_after_finished: usize,
    bytes_after_finished: usize,
    resumed: bool,
    resumed_tickets: usize,
    resumed_writes_after_finished: usize,
    resumed_bytes_after_finished: usize,
}

impl From<&TicketCount> for Detail {
    fn from(c: &TicketCount) -> Self {
        Detail {
            mode: c.mode.describe(),
            tickets: c.tickets,
            server_tickets_sent: c.server_tickets_sent,
            writes_after_finished: c.writes_after_finished,
            bytes_after_finished: c.bytes_after_finished,
            resumed: c.resumed,
            resumed_tickets: c.resumed_tickets,
            resumed_writes_after_finished: c.resumed_writes_after_finished,
            resumed_bytes_after_finished: c.resumed_bytes_after_finished,
        }
    }
}

fn kind_of(a: &ApiInfo) -> Kind {
    a.kind
        .or_else(|| {
            db().iter()
                .find(|d| d.name == a.name)
                .and_then(|d| d.variants.first())
                .map(|v| v.1)
        })
        .unwrap_or(Kind::Function)
}

fn library(b: &BuildInfo) -> Library {
    Library {
        family: b.family.as_str(),
        version: b.version,
        version_text: b.version_text,
        api_version: b.api_version,
        include_dirs: b.include_dirs,
        lib_dirs: b.lib_dirs,
        found_by: b.found_by,
        link_static: b.link_static,
        probe_log: b.log_path,
        overrides: b.overrides,
        compiler_runs: b.compiler_runs,
    }
}

fn runtime() -> Runtime {
    let (rt, mismatch) = match sslprobe::check_runtime_library() {
        Ok(rt) => (rt, None),
        Err(m) => (m.loaded.clone(), Some(m.to_string())),
    };
    Runtime {
        text: rt.text,
        family: rt.family.map(|f| f.as_str()),
        version: rt.version,
        matches: mismatch.is_none(),
        mismatch,
    }
}

fn apis(b: &BuildInfo) -> Vec<Api> {
    b.apis
        .iter()
        .map(|a| Api {
            name: a.name,
            cfg: a.cfg,
            present: a.present,
            effective: a.effective,
            kind: kind_of(a).as_str(),
            variant: a.variant,
            source: a.source,
            db_expected: a.db_expected,
            db_agrees: a.db_agrees,
            note: a.note,
            value: a.value,
            failure: a.failure,
        })
        .collect()
}

fn proto_tickets(r: &Result<Comparison, loopback::Error>) -> ProtoTickets {
    match r {
        Ok(c) => ProtoTickets {
            supported: true,
            baseline: Some(c.baseline.tickets),
            fixed: Some(c.fixed.tickets),
            writes_saved: Some(c.writes_saved()),
            bytes_saved: Some(c.bytes_saved()),
            details: Some(Details {
                baseline: (&c.baseline).into(),
                fixed: (&c.fixed).into(),
            }),
            error: None,
        },
        Err(e) => ProtoTickets {
            supported: !matches!(e, loopback::Error::Unsupported(_)),
            baseline: None,
            fixed: None,
            writes_saved: None,
            bytes_saved: None,
            details: None,
            error: Some(e.to_string()),
        },
    }
}

/// Runs `sslprobe report`.
pub fn run(args: Args) -> Result<(), Failure> {
    let b = build_info();
    let tls13 = loopback::compare(Protocol::Tls13);
    let tls12 = loopback::compare(Protocol::Tls12);
    let disabled = tls13
        .as_ref()
        .ok()
        .or(tls12.as_ref().ok())
        .and_then(|c| c.fixed.disabled)
        .map(|d| d.to_string());
    let report = Report {
        sslprobe: env!("CARGO_PKG_VERSION"),
        library: library(b),
        runtime: runtime(),
        apis: apis(b),
        keylog: keylog(),
        tickets: Tickets {
            disable_session_tickets: disabled,
            tls13: proto_tickets(&tls13),
            tls12: proto_tickets(&tls12),
        },
    };
    if args.json {
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| Failure::failed(format!("serializing the report: {e}")))?;
        println!("{text}");
    } else {
        print!(
            "{}",
            human(
                b,
                &report,
                &[(Protocol::Tls13, &tls13), (Protocol::Tls12, &tls12)]
            )
        );
    }
    let mut problems = Vec::new();
    if let Some(m) = &report.runtime.mismatch {
        problems.push(m.clone());
    }
    for (p, r) in [(Protocol::Tls13, &tls13), (Protocol::Tls12, &tls12)] {
        match r {
            // A library without TLS 1.3 has no TLS 1.3 tickets: reported, not a failure.
            Err(loopback::Error::Unsupported(_)) => {}
            Err(e) => problems.push(format!("the {p} loopback measurement failed: {e}")),
            Ok(_) => {}
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::failed(problems.join("; ")))
    }
}

fn dirs(d: &[&str], empty: &str) -> String {
    if d.is_empty() {
        empty.to_string()
    } else {
        d.join(", ")
    }
}

/// The meson-style line for one API: `Checking for function X ..... YES (fn)`.
fn check_line(a: &Api, width: usize) -> String {
    let head = format!("Checking for {} {} ", a.kind, a.name);
    let dots = ".".repeat(width.saturating_sub(head.len()).max(3));
    let result = match (a.present, a.effective, a.variant) {
        (false, _, _) => "NO".to_string(),
        (true, false, _) => "YES (no effect)".to_string(),
        (true, true, Some(v)) => format!("YES ({v})"),
        (true, true, None) => "YES".to_string(),
    };
    let mut line = format!("{head}{dots} {result:<16} cfg {}", a.cfg);
    if a.source != "probe" {
        let _ = write!(line, "  [{}]", a.source);
    }
    if !a.db_agrees {
        let _ = write!(
            line,
            "  !! DISAGREES with the knowledge DB, which expected {}",
            if a.db_expected { "YES" } else { "NO" }
        );
    }
    line
}

fn human(
    b: &BuildInfo,
    r: &Report,
    measured: &[(Protocol, &Result<Comparison, loopback::Error>)],
) -> String {
    let mut o = String::new();
    let l = &r.library;
    let _ = writeln!(o, "sslprobe {} built against {}", r.sslprobe, b.describe());
    let rows: [(&str, String); 8] = [
        ("Library family", l.family.to_string()),
        (
            "Library version",
            match l.version_text {
                Some(t) => format!("{} ({t})", l.version),
                None => l.version.to_string(),
            },
        ),
        (
            "Include directories",
            dirs(l.include_dirs, "(compiler default)"),
        ),
        ("Library directories", dirs(l.lib_dirs, "(linker default)")),
        ("Found by", l.found_by.to_string()),
        (
            "Linkage",
            if l.link_static { "static" } else { "shared" }.to_string(),
        ),
        ("Probe log", l.probe_log.to_string()),
        (
            "Run-time library",
            match &r.runtime.mismatch {
                None => format!("{} (matches the build)", r.runtime.text),
                Some(m) => format!("{} -- MISMATCH: {m}", r.runtime.text),
            },
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(o, "  {k:<20}: {v}");
    }
    if !l.overrides.is_empty() {
        let _ = writeln!(o, "  {:<20}: {}", "Overrides", l.overrides.join(", "));
    }
    let _ = writeln!(o);

    let width = r
        .apis
        .iter()
        .map(|a| "Checking for ".len() + a.kind.len() + 1 + a.name.len() + 1)
        .max()
        .unwrap_or(0)
        + 4;
    for a in &r.apis {
        let _ = writeln!(o, "{}", check_line(a, width));
    }
    let _ = writeln!(
        o,
        "Key logging (NSS key log, sslprobe serve --keylog): {}",
        r.keylog.detail
    );
    let found = r.apis.iter().filter(|a| a.present).count();
    let _ = writeln!(
        o,
        "{found} of {} APIs found ({} compiler runs)",
        r.apis.len(),
        l.compiler_runs
    );
    let _ = writeln!(o);

    let _ = writeln!(
        o,
        "Live loopback handshakes on 127.0.0.1: NewSessionTicket messages received by the client"
    );
    const W: usize = 38;
    let _ = writeln!(
        o,
        "  {:<W$}{:<36}fixed (disable_session_tickets)",
        "", "baseline (SSL_OP_NO_TICKET only)"
    );
    for (p, res) in measured {
        match res {
            Ok(c) => {
                let row = |o: &mut String, what: &str, f: &dyn Fn(&TicketCount) -> String| {
                    let _ = writeln!(
                        o,
                        "  {:<W$}{:<36}{}",
                        format!("{p} {what}"),
                        f(&c.baseline),
                        f(&c.fixed)
                    );
                };
                row(&mut o, "full handshake", &|t| {
                    plural(t.tickets, "ticket", "tickets")
                });
                row(&mut o, "resumption attempt", &|t| {
                    format!(
                        "{} ({})",
                        plural(t.resumed_tickets, "ticket", "tickets"),
                        if t.resumed { "resumed" } else { "not resumed" }
                    )
                });
                row(&mut o, "server writes after Finished", &|t| {
                    format!(
                        "{}, {} bytes",
                        plural(t.writes_after_finished, "write", "writes"),
                        t.bytes_after_finished
                    )
                });
                let _ = writeln!(
                    o,
                    "  {:<W$}the fix saves {} and {} bytes per connection",
                    "",
                    plural(c.writes_saved().max(0) as usize, "write", "writes"),
                    c.bytes_saved()
                );
            }
            Err(e) => {
                let _ = writeln!(o, "  {p}: measurement FAILED: {e}");
            }
        }
    }
    if let Some(d) = &r.tickets.disable_session_tickets {
        let _ = writeln!(o, "disable_session_tickets: {d}");
    }
    o
}
