//! MCP round-trip benchmark: `read_note` and `write_note` latency (p50/p99) and throughput against a
//! warm, real HTTP server (the whole app on 127.0.0.1, requests over keep-alive TCP).
//!
//! Run with `cargo bench -p robot-server --bench mcp` (release build). Only std and tokio: the
//! client writes HTTP/1.1 by hand so the figures measure the server, not a client library.
//! `MCP_BENCH_N` sets the number of sequential calls per measurement (default 2000).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use robot_platform::Slug;
use robot_platform::policy::TokenRole;
use robot_server::wikis::{CreateWiki, create};
use robot_server::{AppState, ServerConfig, app};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One keep-alive HTTP/1.1 connection speaking JSON-RPC to `/mcp`.
struct Conn {
    stream: BufReader<TcpStream>,
    host: String,
    token: String,
}

impl Conn {
    async fn open(port: u16, token: &str) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Conn {
            stream: BufReader::new(stream),
            host: format!("notes.localhost:{port}"),
            token: token.to_string(),
        }
    }

    /// Calls `tool` and returns the JSON-RPC result.
    async fn call(&mut self, tool: &str, args: Value) -> Value {
        let body = json!({
            "jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": tool, "arguments": args}
        })
        .to_string();
        let request = format!(
            "POST /mcp HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n\
             MCP-Protocol-Version: 2025-06-18\r\nContent-Length: {}\r\n\r\n{body}",
            self.host,
            self.token,
            body.len()
        );
        self.stream
            .get_mut()
            .write_all(request.as_bytes())
            .await
            .expect("write");
        let mut length = None;
        let mut line = String::new();
        loop {
            line.clear();
            self.stream.read_line(&mut line).await.expect("read header");
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            if let Some((name, value)) = trimmed.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse::<usize>().ok();
            }
            assert!(
                !trimmed.starts_with("HTTP/1.1 ") || trimmed.starts_with("HTTP/1.1 200"),
                "{trimmed}"
            );
        }
        let mut body = vec![0; length.expect("content-length (JSON reply)")];
        self.stream.read_exact(&mut body).await.expect("body");
        let reply: Value = serde_json::from_slice(&body).expect("json");
        let result = reply["result"].clone();
        assert!(
            result["isError"] != true,
            "{tool} failed: {}",
            result["content"][0]["text"]
        );
        result
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let total: Duration = samples.iter().sum();
    println!(
        "{name:<28} n={:<5} p50={:>8.3} ms  p99={:>8.3} ms  mean={:>8.3} ms  ({:.0} calls/s on one connection)",
        samples.len(),
        percentile(&samples, 0.50).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3 / samples.len() as f64,
        samples.len() as f64 / total.as_secs_f64()
    );
}

/// Calls per second with `connections` clients calling `tool` for `seconds`.
async fn throughput(port: u16, token: &str, connections: usize, seconds: u64, write: bool) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..connections {
        let done = Arc::clone(&done);
        let token = token.to_string();
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::open(port, &token).await;
            let path = format!("Bench/Writer {connections}-{c}");
            if write {
                conn.call("write_note", json!({"path": path, "content": "start\n"}))
                    .await;
            }
            let mut i = 0u64;
            while Instant::now() < deadline {
                if write {
                    let args = json!({"path": path, "operation": "append", "content": format!("line {i}")});
                    conn.call("edit_note", args).await;
                } else {
                    conn.call("read_note", json!({"path": "Bench/Page"})).await;
                }
                i += 1;
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    done.load(Ordering::Relaxed) as f64 / seconds as f64
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let n: usize = std::env::var("MCP_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let dir = tempfile::tempdir().expect("tempdir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut config = ServerConfig::new(
        listener.local_addr().expect("addr"),
        dir.path().join("data"),
        "localhost",
        url::Url::parse(&format!("http://localhost:{port}")).expect("url"),
    );
    // Measures the server, not the write rate limit.
    config.limits.rates = robot_server::limits::Rates::unlimited();
    let state = AppState::open(config).await.expect("state");
    let alice = state.db.create_user("alice", "Alice").await.expect("user");
    let wiki = create(
        &state,
        CreateWiki {
            slug: Slug::parse("notes").expect("slug"),
            owner: alice.clone(),
            display_name: None,
            description: String::new(),
            from_git: None,
        },
    )
    .await
    .expect("wiki");
    let (_, token) = state
        .db
        .create_api_token(wiki.id, alice.id, "bench", TokenRole::Editor)
        .await
        .expect("token");
    tokio::spawn(async move {
        axum::serve(listener, app(state)).await.expect("serve");
    });

    let mut conn = Conn::open(port, &token).await;
    let page =
        "# Bench\n\n".to_string() + &"Some words in a paragraph of a typical note. ".repeat(40);
    let created = conn
        .call("write_note", json!({"path": "Bench/Page", "content": page}))
        .await;
    let mut revision = created["structuredContent"]["revision"]
        .as_str()
        .expect("revision")
        .to_string();

    for _ in 0..200 {
        conn.call("read_note", json!({"path": "Bench/Page"})).await;
    }
    let mut reads = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        conn.call("read_note", json!({"path": "Bench/Page"})).await;
        reads.push(started.elapsed());
    }
    report("read_note", reads);

    let writes_n = (n / 4).max(50);
    let mut writes = Vec::with_capacity(writes_n);
    for i in 0..writes_n {
        let content = format!("{page}\n\nrevision {i}\n");
        let started = Instant::now();
        let result = conn
            .call(
                "write_note",
                json!({"path": "Bench/Page", "content": content, "revision": revision}),
            )
            .await;
        writes.push(started.elapsed());
        revision = result["structuredContent"]["revision"]
            .as_str()
            .expect("revision")
            .to_string();
    }
    report("write_note (with revision)", writes);

    // The same read once the page has a longer history: the page's revision comes from a log
    // walk, so this shows whether read cost grows with the wiki's history.
    let mut reads = Vec::with_capacity(n / 4);
    for _ in 0..(n / 4).max(50) {
        let started = Instant::now();
        conn.call("read_note", json!({"path": "Bench/Page"})).await;
        reads.push(started.elapsed());
    }
    report(&format!("read_note after {writes_n} commits"), reads);

    for connections in [1, 4, 16] {
        let rate = throughput(port, &token, connections, 3, false).await;
        println!("read_note throughput        {connections:>2} connections: {rate:>8.0} calls/s");
    }
    for connections in [1, 4, 16] {
        let rate = throughput(port, &token, connections, 3, true).await;
        println!("edit_note append throughput {connections:>2} connections: {rate:>8.0} commits/s");
    }
}
