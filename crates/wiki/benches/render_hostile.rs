//! Renderer benchmark over the hostile inputs of issue 17, finding 5, at growing sizes.
//!
//! Run with `cargo bench -p robot-wiki --bench render_hostile`. Prints the best of a few runs
//! per input and size, and the time per KiB, which stays flat when rendering is linear. A plain
//! `harness = false` main, as the workspace has no benchmarking crate.

use std::hint::black_box;
use std::time::{Duration, Instant};

use robot_wiki::{PagePath, RenderOptions, render};

/// (name, markdown of about `size` bytes)
fn inputs(size: usize) -> Vec<(&'static str, String)> {
    let repeat = |unit: &str| unit.repeat(size / unit.len());
    let frontmatter = |unit: &str| format!("---\n{}\n---\n\n# Body\n", repeat(unit));
    let mut indented = String::new();
    for level in 0..200 {
        indented.push_str(&" ".repeat(level * 2));
        indented.push_str("- x\n");
    }
    indented.push_str(&"\n".repeat(size.saturating_sub(indented.len())));
    vec![
        ("blockquotes >>>", repeat(">")),
        ("blockquotes > > >", repeat("> ")),
        ("lists - - -", repeat("- ")),
        ("mixed > - > -", repeat("> - ")),
        ("indented lists + blank lines", indented),
        ("nested <div>", repeat("<div>")),
        ("<div><!-- </div> -->", repeat("<div><!-- </div> -->")),
        ("frontmatter [[[", frontmatter("[")),
        (
            "brackets [[[ ]]]",
            format!("{}{}", repeat("["), repeat("]")),
        ),
        ("backticks", repeat("`")),
        ("emphasis *a ", repeat("*a ")),
    ]
}

fn main() {
    let page = PagePath::parse("Bench/Page").expect("valid page name");
    let exists = |_: &PagePath| true;
    let opts = RenderOptions {
        page: Some(&page),
        page_exists: &exists,
    };
    let sizes = [64 << 10, 256 << 10, 1 << 20, 4 << 20];
    println!(
        "{:<30} {:>10} {:>12} {:>12}",
        "input", "size", "best", "per KiB"
    );
    for index in 0..inputs(16).len() {
        for size in sizes {
            let (name, markdown) = inputs(size).swap_remove(index);
            let runs = if size >= 1 << 20 { 3 } else { 5 };
            let best = (0..runs)
                .map(|_| {
                    let started = Instant::now();
                    black_box(render(black_box(&markdown), &opts));
                    started.elapsed()
                })
                .min()
                .unwrap_or(Duration::ZERO);
            let per_kib = best / (markdown.len() / 1024).max(1) as u32;
            println!(
                "{name:<30} {:>9}K {:>12.1?} {:>12.1?}",
                markdown.len() / 1024,
                best,
                per_kib
            );
        }
    }
}
