//! Latency samples and the figures taken from them.

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::Result;

/// Latencies of one operation, in the order they were taken.
#[derive(Debug, Default, Clone)]
pub struct Samples {
    times: Vec<Duration>,
    /// Wall time over which the samples were taken, for throughput.
    pub wall: Duration,
}

impl Samples {
    pub fn from_times(times: Vec<Duration>, wall: Duration) -> Samples {
        Samples { times, wall }
    }

    /// The `q` quantile (0.5 = median) by the nearest-rank method.
    pub fn quantile(&self, q: f64) -> Duration {
        let mut sorted = self.times.clone();
        sorted.sort();
        if sorted.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1]
    }

    pub fn p50(&self) -> Duration {
        self.quantile(0.5)
    }

    pub fn p99(&self) -> Duration {
        self.quantile(0.99)
    }

    /// Operations per second over the wall time.
    pub fn per_second(&self) -> f64 {
        self.times.len() as f64 / self.wall.as_secs_f64().max(f64::EPSILON)
    }
}

/// Runs `op` `warmup` times unmeasured, then `n` times one after another, timing each.
pub async fn sequential<F, Fut>(warmup: usize, n: usize, mut op: F) -> Result<Samples>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    for i in 0..warmup {
        op(i).await?;
    }
    let mut times = Vec::with_capacity(n);
    let start = Instant::now();
    for i in warmup..warmup + n {
        let one = Instant::now();
        op(i).await?;
        times.push(one.elapsed());
    }
    Ok(Samples::from_times(times, start.elapsed()))
}

/// Milliseconds, for tables.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_use_the_nearest_rank() {
        let times = (1..=100).map(Duration::from_millis).collect();
        let s = Samples::from_times(times, Duration::from_secs(2));
        assert_eq!(s.p50(), Duration::from_millis(50));
        assert_eq!(s.p99(), Duration::from_millis(99));
        assert_eq!(s.quantile(1.0), Duration::from_millis(100));
        assert!((s.per_second() - 50.0).abs() < 1e-9);
        assert_eq!(Samples::default().p50(), Duration::ZERO);
    }
}
