//! Git smart HTTP, driven by the real `git` client against the app served on a real socket:
//! clone, fetch and push with wiki tokens; the git-access switch; every refusal (wrong token,
//! reader token, force push, other refs, page and byte quotas, rate limit) leaves the wiki as it
//! was; and a push reaches the wiki, its search index and its recorded usage like any other write.
//! A push is admitted by what it writes to disk, and one wiki's stalled clients cannot take the
//! git processes of the others (issue 17, findings 3 and 6).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use robot_platform::{QuotaOverride, TokenRole, Wiki};
use robot_server::GitConfig;
use robot_server::git_http::GitRunner;
use robot_server::limits::{LimitsConfig, Rate};
use robot_store::Quota;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

mod common;

use common::{NOTES, World, make_wiki, send, world, world_limited};

/// The app on `127.0.0.1:{port}`, with `notes` (owned by alice) and its tokens.
struct Served {
    world: World,
    wiki: Wiki,
    port: u16,
    editor: String,
    reader: String,
    /// Where clones go; also `HOME` for git, so no user configuration leaks in.
    work: tempfile::TempDir,
}

async fn served(world: World) -> Served {
    let wiki = make_wiki(&world.state, "notes", &world.alice).await;
    world
        .state
        .db
        .set_git_access(&wiki.slug, true)
        .await
        .expect("git on");
    let token = |role: TokenRole| {
        let db = world.state.db.clone();
        let (wiki_id, alice) = (wiki.id, world.alice.id);
        async move {
            db.create_api_token(wiki_id, alice, &format!("git-{role}"), role)
                .await
                .expect("token")
                .1
        }
    };
    let editor = token(TokenRole::Editor).await;
    let reader = token(TokenRole::ReadOnly).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let app = robot_server::app(world.state.clone())
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Served {
        world,
        wiki,
        port,
        editor,
        reader,
        work: tempfile::tempdir().expect("tmp"),
    }
}

impl Served {
    /// The clone URL, with `token` as the password when given.
    fn url(&self, token: Option<&str>) -> String {
        match token {
            Some(token) => format!("http://token:{token}@notes.localhost:{}/.git", self.port),
            None => format!("http://notes.localhost:{}/.git", self.port),
        }
    }

    /// Runs git in `dir` (relative to the work directory), off the async runtime.
    async fn git(&self, dir: &str, args: &[&str]) -> Output {
        let mut command = Command::new("git");
        command
            .args([
                "-c",
                &format!(
                    "http.curloptResolve=notes.localhost:{}:127.0.0.1",
                    self.port
                ),
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(self.work.path().join(dir))
            .env("HOME", self.work.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_AUTHOR_NAME", "Grace")
            .env("GIT_AUTHOR_EMAIL", "grace@example.com")
            .env("GIT_COMMITTER_NAME", "Grace")
            .env("GIT_COMMITTER_EMAIL", "grace@example.com");
        tokio::task::spawn_blocking(move || command.output().expect("git runs"))
            .await
            .expect("join")
    }

    /// Runs git and insists that it succeeds.
    async fn ok(&self, dir: &str, args: &[&str]) -> String {
        let out = self.git(dir, args).await;
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs git and insists that it fails; returns what it printed on stderr.
    async fn refused(&self, dir: &str, args: &[&str]) -> String {
        let out = self.git(dir, args).await;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "git {args:?} succeeded: {stderr}");
        stderr
    }

    /// Stages everything in `dir` and commits it.
    async fn commit_all(&self, dir: &str, message: &str) {
        self.ok(dir, &["add", "."]).await;
        self.ok(dir, &["commit", "-qm", message]).await;
    }

    /// Resets `clone` to the server's branch, then commits and pushes one small attachment:
    /// what a push that fits every limit looks like.
    async fn push_a_file_that_fits(&self) {
        self.ok("clone", &["reset", "-q", "--hard", "origin/main"])
            .await;
        self.write("clone/Home/fits.txt", "fits\n");
        self.commit_all("clone", "fits").await;
        self.ok("clone", &["push", "-q", "origin", "main"]).await;
    }

    fn path(&self, dir: &str) -> PathBuf {
        self.work.path().join(dir)
    }

    fn write(&self, file: &str, content: &str) {
        let path = self.path(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, content).expect("write");
    }

    /// The wiki's bare repository on disk.
    fn repo(&self) -> PathBuf {
        self.world
            .state
            .store
            .wiki("notes")
            .expect("repo")
            .path()
            .to_path_buf()
    }

    async fn head(&self) -> Option<String> {
        let store = std::sync::Arc::clone(&self.world.state.store);
        tokio::task::spawn_blocking(move || {
            store
                .wiki("notes")
                .expect("repo")
                .head()
                .expect("head")
                .map(|c| c.to_string())
        })
        .await
        .expect("join")
    }

    /// A REST GET on the wiki with the editor token.
    async fn api(&self, path: &str) -> common::Reply {
        let req = Request::get(path)
            .header(header::HOST, NOTES)
            .header(header::ACCEPT, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {}", self.editor))
            .body(Body::empty())
            .expect("request");
        send(&self.world.state, req).await
    }

    /// A raw git request through the router, to look at statuses and headers.
    async fn raw(&self, path: &str, authorization: Option<String>) -> common::Reply {
        let mut req = Request::get(path)
            .header(header::HOST, NOTES)
            .header(header::USER_AGENT, "git/2.47.0");
        if let Some(value) = authorization {
            req = req.header(header::AUTHORIZATION, value);
        }
        send(&self.world.state, req.body(Body::empty()).expect("request")).await
    }
}

/// `Authorization: Basic` with a wiki token as the password, as git sends it.
fn basic(token: &str) -> String {
    basic_credentials("x-token", token)
}

/// `Authorization: Basic` for `user:password`.
fn basic_credentials(user: &str, password: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

fn has_file(dir: &Path, name: &str) -> bool {
    dir.join(name).is_file()
}

/// `len` bytes of xorshift noise: incompressible, different for each `seed`.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Bytes of every file under `dir`, as the quota counts them (`du -sb`, files only).
fn disk_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .expect("ls")
        .filter_map(Result::ok)
        .map(|entry| match entry.file_type() {
            Ok(kind) if kind.is_dir() => disk_size(&entry.path()),
            Ok(_) => entry.metadata().map_or(0, |m| m.len()),
            Err(_) => 0,
        })
        .sum()
}

/// Loose objects of a bare repository (`objects/xx/…`).
fn loose_objects(repo: &Path) -> usize {
    std::fs::read_dir(repo.join("objects"))
        .expect("ls")
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.len() == 2 && name.chars().all(|c| c.is_ascii_hexdigit())
        })
        .map(|e| std::fs::read_dir(e.path()).map_or(0, |d| d.count()))
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clone_push_and_pull_follow_the_wiki() {
    let s = served(world().await).await;
    s.ok(".", &["clone", "-q", &s.url(Some(&s.editor)), "clone"])
        .await;
    assert!(has_file(&s.path("clone"), "Home.md"), "the seeded wiki");

    // Two commits in one push: both pages reach the wiki and its search index.
    s.write(
        "clone/Field Notes/Giraffes.md",
        "# Giraffes\n\nThe okapi is the giraffe's closest relative.\n",
    );
    s.commit_all("clone", "giraffes").await;
    s.write(
        "clone/Zebras.md",
        "# Zebras\n\nStripes confuse biting flies.\n",
    );
    s.commit_all("clone", "zebras").await;
    s.ok("clone", &["push", "-q", "origin", "main"]).await;

    let local = s.ok("clone", &["rev-parse", "HEAD"]).await;
    assert_eq!(s.head().await.as_deref(), Some(local.trim()));
    let page = s.api("/api/v1/pages/Field_Notes/Giraffes").await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    assert!(page.text.contains("okapi"), "{page:?}");
    for (query, page) in [("okapi", "Giraffes"), ("stripes", "Zebras")] {
        let hits = s.api(&format!("/api/v1/search?q={query}")).await;
        assert!(
            hits.text.contains(page),
            "search for {query} after the push: {hits:?}"
        );
    }
    // Usage is recorded after a push, without waiting for anything periodic.
    let mut recorded = None;
    for _ in 0..50 {
        recorded = s.world.state.db.usage(s.wiki.id).await.expect("usage");
        if recorded.is_some_and(|u| u.pages >= 3) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        recorded.is_some_and(|u| u.pages >= 3 && u.bytes > 0),
        "usage after the push: {recorded:?}"
    );

    // An edit in the browser or over REST comes back with `git pull`.
    let current = s.api("/api/v1/pages/Zebras").await;
    let req = Request::put("/api/v1/pages/Zebras")
        .header(header::HOST, NOTES)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {}", s.editor))
        .body(Body::from(
            serde_json::json!({
                "content": "# Zebras\n\nEdited on the web.\n",
                "revision": current.json["revision"],
            })
            .to_string(),
        ))
        .expect("request");
    let edited = send(&s.world.state, req).await;
    assert!(edited.status.is_success(), "{edited:?}");
    s.ok("clone", &["pull", "-q", "--ff-only"]).await;
    let pulled = std::fs::read_to_string(s.path("clone/Zebras.md")).expect("read");
    assert!(pulled.contains("Edited on the web"), "{pulled}");

    // Protocol v0 clients are served too (v2 is git's default).
    s.ok(
        ".",
        &[
            "-c",
            "protocol.version=0",
            "clone",
            "-q",
            &s.url(Some(&s.reader)),
            "v0",
        ],
    )
    .await;
    assert!(has_file(&s.path("v0"), "Zebras.md"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_may_clone_and_push() {
    let s = served(world().await).await;
    let refs = "/.git/info/refs?service=git-upload-pack";

    // A private wiki asks git for credentials (Basic challenge) and says how to get them.
    let anonymous = s.raw(refs, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{anonymous:?}");
    let challenge = anonymous.headers[header::WWW_AUTHENTICATE]
        .to_str()
        .expect("header");
    assert!(challenge.starts_with("Basic realm="), "{challenge}");
    assert!(anonymous.text.contains("token"), "{anonymous:?}");
    let stderr = s.refused(".", &["clone", "-q", &s.url(None), "anon"]).await;
    // Git asked for credentials (it may not prompt here).
    assert!(stderr.contains("could not read Username"), "{stderr}");

    // A browser session is not a git credential.
    let cookie = robot_server::session::issue_token(&s.world.state, &s.world.alice).expect("jwt");
    let req = Request::get(refs)
        .header(header::HOST, NOTES)
        .header(header::COOKIE, format!("robot_session={cookie}"))
        .body(Body::empty())
        .expect("request");
    assert_eq!(
        send(&s.world.state, req).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Wrong, foreign and revoked tokens.
    let bogus = s.raw(refs, Some(basic("rw_not-a-token"))).await;
    assert_eq!(bogus.status, StatusCode::UNAUTHORIZED, "{bogus:?}");
    let other = make_wiki(&s.world.state, "other", &s.world.alice).await;
    let (_, foreign) = s
        .world
        .state
        .db
        .create_api_token(other.id, s.world.alice.id, "foreign", TokenRole::Editor)
        .await
        .expect("token");
    let refused = s.raw(refs, Some(basic(&foreign))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{refused:?}");
    assert!(refused.headers.get(header::WWW_AUTHENTICATE).is_none());

    // Bearer works as well as Basic; the token may sit in the user name.
    let bearer = s.raw(refs, Some(format!("Bearer {}", s.reader))).await;
    assert_eq!(bearer.status, StatusCode::OK, "{bearer:?}");
    assert_eq!(
        bearer.headers[header::CONTENT_TYPE],
        "application/x-git-upload-pack-advertisement"
    );
    let in_user_name = s.raw(refs, Some(basic_credentials(&s.reader, ""))).await;
    assert_eq!(in_user_name.status, StatusCode::OK, "{in_user_name:?}");

    // A reader token clones but cannot push, and the refused push changes nothing.
    s.ok(".", &["clone", "-q", &s.url(Some(&s.reader)), "reader"])
        .await;
    s.write("reader/Nope.md", "# Nope\n");
    s.commit_all("reader", "nope").await;
    let before = s.head().await;
    let stderr = s.refused("reader", &["push", "-q", "origin", "main"]).await;
    assert!(stderr.contains("may not push"), "{stderr}");
    assert_eq!(s.head().await, before);

    // A revoked token stops working at once.
    let revoked = s
        .world
        .state
        .db
        .revoke_api_token(s.wiki.id, "git-read-only")
        .await
        .expect("revoke");
    assert!(revoked);
    let after = s.raw(refs, Some(basic(&s.reader))).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{after:?}");

    // A wiki readable by anyone can be cloned without a token, but not pushed to.
    let mut access = s.wiki.access;
    access.read = robot_platform::policy::AccessLevel::Anonymous;
    s.world
        .state
        .db
        .update_wiki(&s.wiki.slug, "notes", "", &access)
        .await
        .expect("public");
    s.ok(".", &["clone", "-q", &s.url(None), "public"]).await;
    s.write("public/Anon.md", "# Anon\n");
    s.commit_all("public", "anon").await;
    s.refused("public", &["push", "-q", "origin", "main"]).await;
    assert_eq!(s.head().await, before);

    // Git access off: nothing is there, whoever asks (no challenge, no token check).
    s.world
        .state
        .db
        .set_git_access(&s.wiki.slug, false)
        .await
        .expect("git off");
    for auth in [None, Some(basic(&s.editor)), Some(basic("rw_bogus"))] {
        let off = s.raw(refs, auth).await;
        assert_eq!(off.status, StatusCode::NOT_FOUND, "{off:?}");
        assert!(off.headers.get(header::WWW_AUTHENTICATE).is_none());
    }
    s.refused(".", &["clone", "-q", &s.url(Some(&s.editor)), "off"])
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_that_would_lose_history_or_hide_content_are_refused() {
    let s = served(world().await).await;
    s.ok(".", &["clone", "-q", &s.url(Some(&s.editor)), "clone"])
        .await;
    let before = s.head().await;

    // Rewriting history (force push) is refused.
    s.write("clone/Home.md", "# Rewritten\n");
    s.ok("clone", &["commit", "-qa", "--amend", "-m", "rewrite"])
        .await;
    let stderr = s
        .refused("clone", &["push", "-q", "--force", "origin", "main"])
        .await;
    assert!(
        stderr.contains("non-fast-forward") || stderr.contains("rejected"),
        "{stderr}"
    );
    assert_eq!(s.head().await, before);

    // Other branches and tags would be invisible in the wiki: refused by the hook.
    let stderr = s
        .refused("clone", &["push", "-q", "origin", "HEAD:refs/heads/draft"])
        .await;
    assert!(stderr.contains("only main can be pushed"), "{stderr}");
    s.ok("clone", &["tag", "v1"]).await;
    s.refused("clone", &["push", "-q", "origin", "v1"]).await;

    // Deleting the branch is refused.
    s.refused("clone", &["push", "-q", "origin", ":main"]).await;

    assert_eq!(s.head().await, before, "nothing changed");
    let refs = s.ok("clone", &["ls-remote", "origin"]).await;
    assert!(!refs.contains("draft") && !refs.contains("v1"), "{refs}");

    // Not a git client: the POST endpoints want git's content type.
    let req = Request::post("/.git/git-receive-pack")
        .header(header::HOST, NOTES)
        .header(header::AUTHORIZATION, basic(&s.editor))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("a=b"))
        .expect("request");
    assert_eq!(
        send(&s.world.state, req).await.status,
        StatusCode::BAD_REQUEST
    );
    // Dumb-protocol paths are not served.
    assert_eq!(
        s.raw("/.git/HEAD", Some(basic(&s.editor))).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_respect_the_quota_and_the_rate_limit() {
    let limits = LimitsConfig {
        quota: Quota {
            max_bytes: 2 * 1024 * 1024,
            max_pages: 4,
        },
        ..LimitsConfig::default()
    };
    let s = served(world_limited(limits).await).await;
    s.ok(".", &["clone", "-q", &s.url(Some(&s.editor)), "clone"])
        .await;
    let seeded = std::fs::read_dir(s.path("clone"))
        .expect("ls")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".md"))
        .count();
    let before = s.head().await;

    // One page too many: the hook refuses it while the objects are quarantined.
    for n in 0..=(4 - seeded) {
        s.write(&format!("clone/Page {n}.md"), "# A page\n");
    }
    s.commit_all("clone", "too many").await;
    let stderr = s.refused("clone", &["push", "origin", "main"]).await;
    assert!(
        stderr.contains("over the wiki's limit of 4 pages"),
        "{stderr}"
    );
    assert_eq!(s.head().await, before);

    // More bytes than the quota leaves: 413 before git sees the pack.
    s.ok("clone", &["reset", "-q", "--hard", "origin/main"])
        .await;
    std::fs::write(s.path("clone/big.bin"), noise(3 * 1024 * 1024, 0)).expect("write");
    s.commit_all("clone", "big").await;
    let stderr = s.refused("clone", &["push", "-q", "origin", "main"]).await;
    assert!(stderr.contains("413"), "{stderr}");
    assert_eq!(s.head().await, before);

    // A push that fits (an attachment: the pages are at their limit) still works afterwards.
    s.push_a_file_that_fits().await;
    assert_ne!(s.head().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_are_rate_limited_and_clones_are_not() {
    let mut limits = LimitsConfig::default();
    limits.rates.write = Rate::new(1, 1, Duration::from_secs(3600));
    let s = served(world_limited(limits).await).await;
    s.ok(".", &["clone", "-q", &s.url(Some(&s.editor)), "clone"])
        .await;
    for n in 0..2 {
        s.write(&format!("clone/Push {n}.md"), "# Push\n");
        s.commit_all("clone", "push").await;
        let out = s.git("clone", &["push", "-q", "origin", "main"]).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if n == 0 {
            assert!(out.status.success(), "{stderr}");
        } else {
            assert!(!out.status.success() && stderr.contains("429"), "{stderr}");
        }
    }
    // Clones and fetches are reads: never limited.
    for n in 0..3 {
        s.ok(
            ".",
            &["clone", "-q", &s.url(Some(&s.editor)), &format!("c{n}")],
        )
        .await;
    }
}

/// Issue 17, finding 3: a pack of fewer than 100 objects used to be unpacked into full-size loose
/// objects, so a 262 KiB push could write 24 MiB into a 1 MiB quota. Pushes are kept as packs,
/// and what lands in quarantine is checked against the quota before any ref moves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_3_push_of_small_pack_cannot_exceed_quota() {
    const QUOTA: u64 = 2 * 1024 * 1024;
    let limits = LimitsConfig {
        quota: Quota {
            max_bytes: QUOTA,
            max_pages: 1000,
        },
        ..LimitsConfig::default()
    };
    let s = served(world_limited(limits).await).await;
    s.ok(".", &["clone", "-q", &s.url(Some(&s.editor)), "clone"])
        .await;
    let repo = s.repo();
    let loose_before = loose_objects(&repo);

    // 48 near-copies of 256 KiB of noise: the pack is about 260 KiB (every copy but one is a
    // delta), loose objects would take 12 MiB, six times the quota. It fits, as a pack.
    let base = noise(256 * 1024, 1);
    for n in 0..48 {
        let mut copy = base.clone();
        copy[n * 4096] ^= 0xff;
        s.write(&format!("clone/Home/v{n:02}/data.bin"), "");
        std::fs::write(s.path(&format!("clone/Home/v{n:02}/data.bin")), copy).expect("write");
    }
    s.commit_all("clone", "copies").await;
    let before = s.head().await;
    s.git("clone", &["push", "-q", "origin", "main"]).await;
    assert!(
        disk_size(&repo) <= QUOTA,
        "the repository holds {} bytes, over its quota of {QUOTA}",
        disk_size(&repo)
    );
    assert_ne!(
        s.head().await,
        before,
        "a push that fits as a pack is accepted"
    );
    assert_eq!(
        loose_objects(&repo),
        loose_before,
        "the pushed objects stay in their pack"
    );

    // A thin pack: one byte changed in a copy the wiki holds. The request is a few hundred
    // bytes; git completes the pack with the 256 KiB copy it is a delta of, more than the
    // 64 KiB the quota leaves. Refused before the branch moves, and nothing stays behind.
    let used = disk_size(&repo);
    let limit = used + 64 * 1024;
    s.world
        .state
        .db
        .set_quota_override(
            &s.wiki.slug,
            QuotaOverride {
                max_bytes: Some(limit),
                max_pages: None,
            },
        )
        .await
        .expect("quota");
    let mut copy = base.clone();
    copy[7] ^= 1;
    std::fs::write(s.path("clone/Home/v00/data.bin"), copy).expect("write");
    s.ok("clone", &["commit", "-qam", "one byte"]).await;
    let before = s.head().await;
    let stderr = s.refused("clone", &["push", "origin", "main"]).await;
    assert!(
        stderr.contains("bytes left in the wiki's storage quota; nothing was changed"),
        "{stderr}"
    );
    assert_eq!(s.head().await, before);
    assert!(
        disk_size(&repo) <= limit,
        "the refused push left {} bytes behind",
        disk_size(&repo) - used
    );
    let leftovers: Vec<String> = std::fs::read_dir(repo.join("objects"))
        .expect("ls")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("incoming") || name.starts_with("tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "quarantine left behind: {leftovers:?}"
    );

    // A small push within what is left still works, and is kept as a pack too.
    s.push_a_file_that_fits().await;
    assert_ne!(s.head().await, before);
    assert_eq!(loose_objects(&repo), loose_before);
    assert!(disk_size(&repo) <= limit);
}

/// An upload-pack request for `want` on the wiki `notes`, sent on a socket with a tiny receive
/// buffer whose answer is never read: git soon blocks on a full pipe, holding its slot.
async fn stalled_fetch(port: u16, token: &str, want: &str) -> tokio::net::TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("small buffer");
    let mut stream = socket
        .connect(std::net::SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .expect("connect");
    let body = format!("0032want {want}\n00000009done\n");
    let request = format!(
        "POST /.git/git-upload-pack HTTP/1.1\r\nHost: notes.localhost\r\n\
         User-Agent: git/2.47.0\r\nAuthorization: {}\r\n\
         Content-Type: application/x-git-upload-pack-request\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        basic(token),
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    stream
}

/// Issue 17, finding 6: six stalled clones of one wiki took every git process slot, and every
/// other wiki's git answered 503 after 30 s. Each wiki now has a share of the slots below the
/// whole pool, and a client that stops reading loses its slot after the idle timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_6_stalled_clones_of_one_wiki_do_not_block_other_wikis() {
    const BIG: usize = 6 * 1024 * 1024;
    let mut world = world().await;
    let git = GitConfig {
        processes: 4,
        processes_per_wiki: 2,
        idle_timeout: Duration::from_secs(2),
    };
    world.state.git =
        GitRunner::install(&world.state.config.git_hooks_dir(), &git).expect("git runner");
    let s = served(world).await;

    // `notes` is large enough that a clone fills every buffer between git and a client that
    // does not read.
    let store = std::sync::Arc::clone(&s.world.state.store);
    tokio::task::spawn_blocking(move || {
        store
            .wiki("notes")
            .expect("repo")
            .commit(robot_store::CommitRequest {
                author: robot_store::Author {
                    name: "Grace".into(),
                    email: "grace@example.com".into(),
                },
                message: "big".into(),
                base: None,
                changes: vec![robot_store::Change::Write {
                    path: robot_store::RepoPath::parse("Home/big.bin").expect("path"),
                    content: noise(BIG, 6),
                }],
            })
            .expect("commit")
    })
    .await
    .expect("join");
    let head = s.head().await.expect("head");

    // Another wiki, with git on.
    let other = make_wiki(&s.world.state, "other", &s.world.alice).await;
    s.world
        .state
        .db
        .set_git_access(&other.slug, true)
        .await
        .expect("git on");
    let (_, other_token) = s
        .world
        .state
        .db
        .create_api_token(other.id, s.world.alice.id, "git", TokenRole::Editor)
        .await
        .expect("token");
    let resolve_other = format!("http.curloptResolve=other.localhost:{}:127.0.0.1", s.port);
    let other_url = format!("http://token:{other_token}@other.localhost:{}/.git", s.port);

    // Six clones of `notes` whose answers nobody reads: more than the whole pool.
    let mut stalled = Vec::new();
    for _ in 0..6 {
        stalled.push(stalled_fetch(s.port, &s.reader, &head).await);
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // The other wiki is served at once.
    let started = Instant::now();
    s.ok(
        ".",
        &["-c", &resolve_other, "clone", "-q", &other_url, "other"],
    )
    .await;
    assert!(has_file(&s.path("other"), "Home.md"));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "cloning the other wiki took {:?}",
        started.elapsed()
    );

    // The stalled clients lose their slots after the idle timeout: `notes` can be cloned again
    // well before a request waiting for a slot would give up (30 s).
    let started = Instant::now();
    s.ok(".", &["clone", "-q", &s.url(Some(&s.reader)), "notes"])
        .await;
    assert!(has_file(&s.path("notes"), "Home/big.bin"));
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "cloning the stalled wiki took {:?}",
        started.elapsed()
    );

    // Each stalled request was cut off, not served: its connection ends short of the pack.
    for mut stream in stalled {
        let mut got = Vec::new();
        let read =
            tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut got)).await;
        assert!(read.is_ok(), "a stalled request is still open");
        assert!(got.len() < BIG, "a stalled request got {} bytes", got.len());
    }

    // A request body that stops arriving is cut off too, with a reason.
    let mut unfinished = tokio::net::TcpStream::connect(("127.0.0.1", s.port))
        .await
        .expect("connect");
    let request = format!(
        "POST /.git/git-upload-pack HTTP/1.1\r\nHost: notes.localhost\r\n\
         User-Agent: git/2.47.0\r\nAuthorization: {}\r\n\
         Content-Type: application/x-git-upload-pack-request\r\n\
         Content-Length: 100\r\nConnection: close\r\n\r\n0032want",
        basic(&s.reader)
    );
    unfinished
        .write_all(request.as_bytes())
        .await
        .expect("send");
    let mut answer = Vec::new();
    let read =
        tokio::time::timeout(Duration::from_secs(10), unfinished.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "an unfinished request is still open");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 400") && answer.contains("stopped arriving"),
        "{answer}"
    );
}
