//! The public lookup over real HTTP, and the server's footprint: the benchmark starts this very
//! binary as `motcua serve` on the province's database (so start-up includes connecting and
//! checking migrations on N dossiers), then drives it from 64 keep-alive connections with a
//! minimal HTTP/1.1 client (cheaper than a general one: the client shares the two cores with the
//! server, and it is the same client for the lookup and for its baseline, a static route).
//!
//! The lookup cycles over the province's sample of codes (2,000), each asked once before the
//! clock starts, so the answers come from what the server keeps ([`motcua_web::lookup_cache`],
//! 2 s, read again in the background as they age); it is measured again on a server that keeps
//! nothing, every answer read from the database.

use anyhow::Context as _;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::province::Province;
use super::{Figure, Scale, Target, spinner};

/// The served process; killed when dropped.
struct Served {
    child: Child,
    addr: String,
    files: std::path::PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.files);
    }
}

/// Resident memory of a process in MB, from /proc (Linux).
fn rss_mb(pid: u32, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Starts `motcua serve` on `url` (keeping lookups for `lookup_cache_seconds`) and waits for its
/// first answered request.
async fn start(url: &str, lookup_cache_seconds: u64) -> anyhow::Result<(Served, Duration)> {
    let exe = std::env::current_exe()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr())?.port();
    let addr = format!("127.0.0.1:{port}");
    let files = std::env::temp_dir().join(format!("motcua-bench-files-{}", uuid::Uuid::new_v4()));
    let started = Instant::now();
    let child = Command::new(exe)
        .args(["serve", "--bind", &addr, "--config", "/dev/null"])
        .env("MOTCUA_DATABASE__URL", url)
        .env("MOTCUA_FILES__DIR", &files)
        .env("MOTCUA_LIMITS__PUBLIC_REQUESTS_PER_MINUTE", u32::MAX.to_string())
        .env("MOTCUA_LIMITS__LOOKUP_PER_MINUTE", u32::MAX.to_string())
        .env("MOTCUA_LIMITS__LOOKUP_CACHE_SECONDS", lookup_cache_seconds.to_string())
        .env("MOTCUA_NOTIFY__ENABLED", "false")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .context("motcua serve")?;
    let mut served = Served { child, addr, files };
    loop {
        if let Ok(mut conn) = TcpStream::connect(&served.addr).await
            && get(&mut conn, "/healthz", &mut Vec::new()).await.is_ok_and(|s| s == 200)
        {
            return Ok((served, started.elapsed()));
        }
        if let Ok(Some(status)) = served.child.try_wait() {
            return Err(anyhow::anyhow!("motcua serve ended: {status}"));
        }
        if started.elapsed() > Duration::from_secs(120) {
            anyhow::bail!("motcua serve did not answer within 120 s");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// One GET on a keep-alive connection; the status code. The body is read (by Content-Length).
async fn get(conn: &mut TcpStream, path: &str, buf: &mut Vec<u8>) -> anyhow::Result<u16> {
    let request = format!("GET {path} HTTP/1.1\r\nhost: bench\r\naccept-encoding: identity\r\n\r\n");
    conn.write_all(request.as_bytes()).await?;
    buf.clear();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            anyhow::bail!("connection closed");
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let status: u16 = head.get(9..12).and_then(|s| s.parse().ok()).context("bad status line")?;
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .context("no content-length")?;
    while buf.len() < head_end + length {
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            anyhow::bail!("connection closed");
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(status)
}

struct Load {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
    peak_rss_mb: f64,
}

/// `connections` clients, each on one keep-alive connection, requesting `paths` in turn for
/// `duration`; every answer must have status `expect`. Before the clock starts, every path is
/// asked once (the clients share them out) and then a warm-up of a fifth of `duration` runs, so
/// the figure is the steady state: a short run would otherwise time the first ask of each code,
/// which the figure without kept answers measures on its own.
async fn drive(
    addr: &str,
    pid: u32,
    paths: Arc<Vec<String>>,
    connections: usize,
    duration: Duration,
    expect: u16,
) -> anyhow::Result<Load> {
    let stop = Arc::new(AtomicBool::new(false));
    let measuring = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let first_pass = Arc::new(tokio::sync::Barrier::new(connections + 1));
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (addr, paths, stop, measuring, errors, first_pass) =
            (addr.to_owned(), paths.clone(), stop.clone(), measuring.clone(), errors.clone(), first_pass.clone());
        tasks.push(tokio::spawn(async move {
            let mut buf = Vec::with_capacity(16 * 1024);
            let mut latencies = Vec::new();
            // Whatever happens, the client reaches the barrier, so the others do not wait forever.
            let first = async {
                let mut conn = TcpStream::connect(&addr).await?;
                conn.set_nodelay(true)?;
                for path in paths.iter().skip(c).step_by(connections) {
                    if get(&mut conn, path, &mut buf).await? != expect {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                anyhow::Ok(conn)
            }
            .await;
            first_pass.wait().await;
            let mut conn = first?;
            let mut i = c * 7919;
            while !stop.load(Ordering::Relaxed) {
                let path = &paths[i % paths.len()];
                i += 1;
                let t = Instant::now();
                let status = get(&mut conn, path, &mut buf).await?;
                if measuring.load(Ordering::Relaxed) {
                    latencies.push(t.elapsed());
                    if status != expect {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            anyhow::Ok(latencies)
        }));
    }
    first_pass.wait().await;
    tokio::time::sleep(duration / 5).await;
    measuring.store(true, Ordering::Relaxed);
    let t = Instant::now();
    let mut peak: f64 = 0.0;
    while t.elapsed() < duration {
        tokio::time::sleep(Duration::from_millis(250)).await;
        peak = peak.max(rss_mb(pid, "VmRSS:").unwrap_or(0.0));
    }
    stop.store(true, Ordering::Relaxed);
    let elapsed = t.elapsed();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    all.sort();
    if all.is_empty() {
        anyhow::bail!("no request answered");
    }
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0;
    Ok(Load {
        per_second: all.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        errors: errors.load(Ordering::Relaxed),
        peak_rss_mb: peak,
    })
}

pub async fn run(url: &str, province: &Province, scale: Scale) -> anyhow::Result<Vec<Figure>> {
    let s = spinner("start motcua serve");
    let (served, startup) = start(url, 2).await?;
    let pid = served.child.id();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = rss_mb(pid, "VmRSS:").unwrap_or(0.0);
    s.finish_and_clear();
    let lookups: Vec<String> = province
        .lookups
        .iter()
        .map(|(code, last4)| format!("/api/v1/lookup?code={code}&phone_last4={last4}"))
        .collect();
    let lookups = Arc::new(lookups);
    let s = spinner("lookup, 64 connections");
    let lookup = drive(&served.addr, pid, lookups.clone(), 64, scale.http, 200).await?;
    s.finish_and_clear();
    let s = spinner("static route, 64 connections");
    let fixed = drive(&served.addr, pid, Arc::new(vec!["/static/kiosk.js".into()]), 64, scale.http, 200).await?;
    s.finish_and_clear();
    if lookup.errors + fixed.errors > 0 {
        return Err(anyhow::anyhow!(
            "{} lookups and {} static requests did not answer 200",
            lookup.errors,
            fixed.errors
        ));
    }
    let binary = std::env::current_exe().and_then(std::fs::metadata).map(|m| m.len()).unwrap_or(0);
    let peak = lookup.peak_rss_mb.max(fixed.peak_rss_mb).max(rss_mb(pid, "VmHWM:").unwrap_or(0.0));
    drop(served);
    // The same lookups on a server that keeps none: every answer read from the database.
    let s = spinner("lookup without kept answers, 64 connections");
    let (uncached, _) = start(url, 0).await?;
    let cold = drive(&uncached.addr, uncached.child.id(), lookups, 64, scale.http, 200).await?;
    drop(uncached);
    s.finish_and_clear();
    if cold.errors > 0 {
        return Err(anyhow::anyhow!("{} lookups without kept answers did not answer 200", cold.errors));
    }
    let static_name = "GET /static/kiosk.js, same server and client";
    Ok(vec![
        Figure::new("lookup", "GET /api/v1/lookup, 64 connections", lookup.per_second, "req/s")
            .against(static_name, fixed.per_second)
            .target(Target::RatioAtLeast(0.5)),
        Figure::new("lookup", "lookup p50", lookup.p50_ms, "ms").against(static_name, fixed.p50_ms),
        Figure::new("lookup", "lookup p99", lookup.p99_ms, "ms")
            .against(static_name, fixed.p99_ms)
            .target(Target::AtMost(10.0)),
        Figure::new("lookup", "lookup without kept answers (lookup_cache_seconds = 0)", cold.per_second, "req/s")
            .against(static_name, fixed.per_second),
        Figure::new("lookup", "lookup p99 without kept answers", cold.p99_ms, "ms"),
        Figure::new("footprint", "start to first answered request", startup.as_secs_f64() * 1000.0, "ms")
            .target(Target::AtMost(1000.0)),
        Figure::new("footprint", "resident memory, idle", idle, "MB").target(Target::AtMost(60.0)),
        Figure::new("footprint", "resident memory, peak under load", peak, "MB"),
        Figure::new("footprint", "binary size", binary as f64 / 1024.0 / 1024.0, "MB"),
    ])
}
