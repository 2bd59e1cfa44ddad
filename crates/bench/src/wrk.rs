//! Page-view load from wrk (Debian's `wrk`): the same load generator, connections and duration
//! for every server, so the figures compare.

use std::process::Command;
use std::time::Duration;

use anyhow::{Context as _, Result, bail, ensure};

/// What one wrk run measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Load {
    pub requests_per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
}

/// The load of one run: which URL, with which headers, how hard.
pub struct LoadSpec<'a> {
    pub url: &'a str,
    pub headers: &'a [String],
    pub connections: usize,
    pub duration: Duration,
}

/// Runs wrk with two threads (one per core of the reference machine) and fails when any answer
/// was not 2xx/3xx, so an error page can never pass for a fast page.
pub fn run(spec: &LoadSpec) -> Result<Load> {
    let mut command = Command::new("wrk");
    command.args([
        "-t2",
        &format!("-c{}", spec.connections),
        &format!("-d{}s", spec.duration.as_secs().max(1)),
        "--latency",
    ]);
    for header in spec.headers {
        command.args(["-H", header]);
    }
    command.arg(spec.url);
    let out = command
        .output()
        .context("running wrk (install it: apt-get install wrk)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    ensure!(
        out.status.success(),
        "wrk {} failed: {text}{}",
        spec.url,
        String::from_utf8_lossy(&out.stderr)
    );
    parse(&text).with_context(|| format!("reading wrk's report for {}:\n{text}", spec.url))
}

/// Reads requests/s and the 50% and 99% latencies from wrk's `--latency` report.
pub fn parse(report: &str) -> Result<Load> {
    if let Some(line) = report
        .lines()
        .find(|l| l.contains("Non-2xx or 3xx responses"))
    {
        bail!("the server answered errors: {}", line.trim());
    }
    let field = |prefix: &str| {
        report
            .lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::trim)
            .with_context(|| format!("no `{prefix}` line"))
    };
    let requests_per_second = field("Requests/sec:")?
        .parse()
        .context("requests per second")?;
    Ok(Load {
        requests_per_second,
        p50: duration(field("50%")?)?,
        p99: duration(field("99%")?)?,
    })
}

/// wrk's durations: `68.00us`, `1.21ms`, `2.50s`.
fn duration(text: &str) -> Result<Duration> {
    let (number, unit_scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 1e-6)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1e-3)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else {
        bail!("unknown duration {text:?}");
    };
    let value: f64 = number
        .parse()
        .with_context(|| format!("duration {text:?}"))?;
    Ok(Duration::from_secs_f64(value * unit_scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Running 1s test @ http://127.0.0.1:18080/
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   767.27us    1.15ms   5.67ms   83.24%
    Req/Sec    11.73k   657.46    12.67k    60.00%
  Latency Distribution
     50%   68.00us
     75%    1.21ms
     90%    2.69ms
     99%    1.50s
  11684 requests in 1.00s, 2.67MB read
Requests/sec:  11639.18
Transfer/sec:      2.66MB
";

    #[test]
    fn a_report_gives_throughput_and_quantiles() {
        let load = parse(REPORT).expect("parsed");
        assert!((load.requests_per_second - 11639.18).abs() < 1e-6);
        assert_eq!(load.p50, Duration::from_micros(68));
        assert_eq!(load.p99, Duration::from_millis(1500));
    }

    #[test]
    fn error_answers_fail_the_run() {
        let failed = format!("{REPORT}  Non-2xx or 3xx responses: 14947\n");
        let err = parse(&failed).expect_err("errors are not page views");
        assert!(err.to_string().contains("14947"), "{err}");
    }
}
