//! Regression tests of issue 17's findings on limits, through the real router:
//!
//! - 5: the editor's live preview is a render: rate-limited with a budget of its own, and a stored
//!   page's rendered HTML survives commits that do not change what the page shows.
//! - 7: a thumbnail of a decompression bomb is never decoded; thumbnails are cached.
//! - 9: rate limits follow what a request does, not how its path ends.
//! - 10: attachments need the same permission on the web and over REST.

mod api_support;

use std::time::Duration;

use api_support::{Api, CSRF, NOTES, Reply, b64, common};
use axum::body::{Body, to_bytes};
use axum::http::{Method, Request, StatusCode, header};
use robot_platform::{AccessLevel, AccessSettings, Slug};
use robot_server::limits::{Rate, Rates};
use serde_json::json;
use tower::ServiceExt as _;

/// A browser GET on `notes` as alice; returns the status and the raw body bytes.
async fn browser_get_bytes(api: &Api, path: &str) -> (StatusCode, Vec<u8>) {
    let req = Request::get(path)
        .header(header::HOST, NOTES)
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, api.cookie(&api.alice))
        .body(Body::empty())
        .expect("request");
    let response = robot_server::app(api.state.clone())
        .oneshot(req)
        .await
        .expect("response");
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 64 * 1024 * 1024)
        .await
        .expect("body");
    (status, bytes.to_vec())
}

/// Uploads `bytes` as attachment `name` of Home over REST with the editor token.
async fn upload(api: &Api, name: &str, bytes: &[u8]) {
    let reply = api
        .call(
            Method::POST,
            "/api/v1/pages/Home/attachments",
            Some(json!({"filename": name, "content": b64(bytes)})),
        )
        .await;
    assert!(reply.status.is_success(), "upload {name}: {reply:?}");
}

/// A valid greyscale PNG of `width` x `height` black pixels, built row by row so the test never
/// holds the decoded image: a few hundred KB that would decode to `width * height` bytes or more.
fn black_png(width: u32, height: u32) -> Vec<u8> {
    use std::io::Write as _;
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit greyscale, no interlace
    chunk(&mut png, b"IHDR", &ihdr);
    let row = vec![0u8; 1 + width as usize]; // filter byte + pixels
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    for _ in 0..height {
        zlib.write_all(&row).expect("compress");
    }
    chunk(&mut png, b"IDAT", &zlib.finish().expect("compress"));
    chunk(&mut png, b"IEND", &[]);
    png
}

#[tokio::test]
async fn finding_5_preview_is_rate_limited_as_a_render() {
    // Default limits: a flood of previews from one client is refused long before it ends.
    let api = Api::new().await;
    let mut refused = None;
    for n in 0..100 {
        let reply = api
            .browser_post(
                &api.alice,
                "/Home/preview",
                &[("content", &format!("# Draft {n}\n\n[[Home]]\n"))],
            )
            .await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some((n, reply));
            break;
        }
        assert_eq!(reply.status, StatusCode::OK, "preview {n}: {reply:?}");
        assert!(reply.text.contains("Draft"), "{reply:?}");
    }
    let (n, reply) = refused.expect("100 previews in a row were all rendered");
    assert!(n >= 10, "an editor's normal previews pass ({n} did)");
    assert!(reply.headers.contains_key(header::RETRY_AFTER), "{reply:?}");
    assert!(
        reply.text.contains("previews"),
        "says what was limited: {reply:?}"
    );

    // Previews have a budget of their own: the same client can still save.
    let save = api
        .browser_post(
            &api.alice,
            "/Home/save",
            &[("content", "# Home\n\nsaved\n")],
        )
        .await;
    assert_eq!(save.status, StatusCode::SEE_OTHER, "{save:?}");
}

#[tokio::test]
async fn finding_5_preview_spends_no_write_budget() {
    // A tight write limit: previews neither spend it nor are refused by it.
    let api = Api::with_rates(Rates {
        write: Rate::new(1, 1, Duration::from_secs(3600)),
        ..Rates::unlimited()
    })
    .await;
    for n in 0..5 {
        let reply = api
            .browser_post(&api.alice, "/Home/preview", &[("content", "x")])
            .await;
        assert_eq!(reply.status, StatusCode::OK, "preview {n}: {reply:?}");
    }
    let save = api
        .browser_post(&api.alice, "/Home/save", &[("content", "y\n")])
        .await;
    assert_eq!(save.status, StatusCode::SEE_OTHER, "{save:?}");
}

/// `GET /Cached` as alice.
async fn view(api: &Api) -> Reply {
    let req = Request::get("/Cached")
        .header(header::HOST, NOTES)
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, api.cookie(&api.alice))
        .body(Body::empty())
        .expect("request");
    common::send(&api.state, req).await
}

#[tokio::test]
async fn finding_5_preview_needs_write_not_just_read() {
    // A public wiki that only members edit: visitors read, but get no renders on demand.
    let api = Api::new().await;
    api.state
        .db
        .update_wiki(
            &Slug::parse("notes").expect("slug"),
            "notes",
            "",
            &AccessSettings {
                read: AccessLevel::Anonymous,
                write: AccessLevel::Approved,
                attachments: AccessLevel::Approved,
            },
        )
        .await
        .expect("access");
    let body = format!("content=%23+Hi&csrf_token={CSRF}");
    let anonymous = Request::post("/Home/preview")
        .header(header::HOST, NOTES)
        .header(header::ACCEPT, "application/json")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("robot_csrf={CSRF}"))
        .body(Body::from(body))
        .expect("request");
    let reply = common::send(&api.state, anonymous).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    let bob = api
        .browser_post(&api.bob, "/Home/preview", &[("content", "# Hi")])
        .await;
    assert_eq!(bob.status, StatusCode::FORBIDDEN, "{bob:?}");
    let alice = api
        .browser_post(&api.alice, "/Home/preview", &[("content", "# Hi")])
        .await;
    assert_eq!(alice.status, StatusCode::OK, "{alice:?}");
}

#[tokio::test]
async fn finding_5_unrelated_commit_keeps_render_cache() {
    let api = Api::new().await;
    api.put_page("Cached", "# Cached\n\nSee [[Home]] and [[Later]].\n")
        .await;
    let first = view(&api).await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");
    let before = api.state.renders.stats();

    // A commit that touches neither the page nor its link targets: the render is reused.
    api.put_page("Unrelated", "# Unrelated\n").await;
    let second = view(&api).await;
    assert_eq!(second.status, StatusCode::OK, "{second:?}");
    let after = api.state.renders.stats();
    assert_eq!(
        after.hits,
        before.hits + 1,
        "an unrelated commit kept the hit"
    );
    assert_eq!(after.misses, before.misses, "nothing was rendered again");

    // Creating a link target changes how the page looks: it is rendered again.
    api.put_page("Later", "# Now it exists\n").await;
    let third = view(&api).await;
    assert_eq!(third.status, StatusCode::OK, "{third:?}");
    let last = api.state.renders.stats();
    assert_eq!(last.misses, after.misses + 1, "a link target appeared");
    assert_ne!(
        first.text, third.text,
        "the link to the new page is no longer styled as missing"
    );
}

#[tokio::test]
async fn finding_7_thumbnail_of_huge_image_is_not_decoded() {
    let api = Api::new().await;
    let bomb = black_png(8000, 8000);
    assert!(bomb.len() < 1024 * 1024, "small on disk: {}", bomb.len());
    upload(&api, "bomb.png", &bomb).await;

    let (status, body) = browser_get_bytes(&api, "/Home/a/bomb.png?thumbnail=200").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body == bomb,
        "the original is served instead of a thumbnail ({} bytes back)",
        body.len()
    );
    assert_eq!(api.state.thumbnails.decodes(), 0, "nothing was decoded");
}

#[tokio::test]
async fn finding_7_thumbnails_are_cached() {
    let api = Api::new().await;
    let image = black_png(400, 300);
    upload(&api, "photo.png", &image).await;

    let (status, first) = browser_get_bytes(&api, "/Home/a/photo.png?thumbnail=100").await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(first, image, "a thumbnail");
    let decoded = image::load_from_memory(&first).expect("a PNG");
    // Sizes round up to a short ladder (100 → 128), so asking for every size cannot bypass
    // the cache.
    assert_eq!((decoded.width(), decoded.height()), (128, 96));
    assert_eq!(api.state.thumbnails.decodes(), 1);

    let (_, again) = browser_get_bytes(&api, "/Home/a/photo.png?thumbnail=100").await;
    assert_eq!(again, first);
    assert_eq!(api.state.thumbnails.decodes(), 1, "served from the cache");

    // An image already smaller than the thumbnail is served as is, without decoding it.
    let (_, original) = browser_get_bytes(&api, "/Home/a/photo.png?thumbnail=800").await;
    assert_eq!(original, image);
    assert_eq!(api.state.thumbnails.decodes(), 1);
}

#[tokio::test]
async fn finding_9_put_to_page_named_preview_counts_as_write() {
    let api = Api::with_rates(Rates {
        write: Rate::new(3, 3, Duration::from_secs(60)),
        ..Rates::unlimited()
    })
    .await;
    let before = api.commits().await;
    for n in 0..3 {
        let reply = api
            .call(
                Method::PUT,
                &format!("/api/v1/pages/Draft_{n}/preview"),
                Some(json!({"content": "x\n"})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "write {n}: {reply:?}");
    }
    let refused = api
        .call(
            Method::PUT,
            "/api/v1/pages/Draft_3/preview",
            Some(json!({"content": "x\n"})),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "a write to a page named preview is a write: {refused:?}"
    );
    assert_eq!(refused.code(), "rate_limited");
    assert_eq!(
        api.commits().await,
        before + 3,
        "the refused write wrote nothing"
    );
}

#[tokio::test]
async fn finding_10_attachment_delete_from_web_needs_upload() {
    let api = Api::new().await;
    // Registered users may edit pages, only admins may change attachments: bob (signed in, not
    // a member) has write but not upload.
    api.state
        .db
        .update_wiki(
            &Slug::parse("notes").expect("slug"),
            "notes",
            "",
            &AccessSettings {
                read: AccessLevel::Registered,
                write: AccessLevel::Registered,
                attachments: AccessLevel::Admin,
            },
        )
        .await
        .expect("access");
    upload(&api, "keep.txt", b"important").await;
    let before = api.commits().await;

    let delete = api
        .browser_post(
            &api.bob,
            "/Home/attachment/keep.txt",
            &[("action", "delete")],
        )
        .await;
    assert_eq!(delete.status, StatusCode::FORBIDDEN, "{delete:?}");
    assert!(delete.text.contains("upload attachments"), "{delete:?}");
    // Refused before any lookup: the answer does not tell which files exist.
    let missing = api
        .browser_post(
            &api.bob,
            "/Home/attachment/nothing.txt",
            &[("action", "delete")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN, "{missing:?}");
    assert_eq!(api.commits().await, before, "nothing was deleted");
    let still = api.get("/api/v1/pages/Home/attachments/keep.txt").await;
    assert_eq!(still.status, StatusCode::OK, "{still:?}");

    // Bob may still edit pages, the owner may still delete.
    let save = api
        .browser_post(&api.bob, "/Bobs/save", &[("content", "# Bob\n")])
        .await;
    assert_eq!(save.status, StatusCode::SEE_OTHER, "{save:?}");
    let owner = api
        .browser_post(
            &api.alice,
            "/Home/attachment/keep.txt",
            &[("action", "delete")],
        )
        .await;
    assert_eq!(owner.status, StatusCode::SEE_OTHER, "{owner:?}");
}
