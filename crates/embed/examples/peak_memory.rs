//! Peak resident memory of one model call by batch size: `cargo run --release -p robot-embed
//! --example peak_memory -- MODEL_DIR`.

use robot_embed::{Embedder, MiniLm};

fn rss_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: peak_memory MODEL_DIR")?;
    let threads: usize = std::env::args()
        .nth(2)
        .and_then(|t| t.parse().ok())
        .unwrap_or(1);
    let model = MiniLm::load(std::path::Path::new(&dir), threads)?;
    let text = "word ".repeat(400);
    println!("loaded: rss {} MB", rss_kb("VmRSS") / 1024);
    for batch in [1, 4, 16, 1, 4, 16] {
        std::fs::write("/proc/self/clear_refs", "5")?;
        let texts: Vec<&str> = vec![text.as_str(); batch];
        let started = std::time::Instant::now();
        model.embed_in_background(&texts)?;
        println!(
            "batch {batch:2}: peak {} MB, after {} MB, {:.0} ms",
            rss_kb("VmHWM") / 1024,
            rss_kb("VmRSS") / 1024,
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    Ok(())
}
