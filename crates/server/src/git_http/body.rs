//! Reading a git request body: capped while it streams in, cut off when the client stops sending
//! it, and un-gzipped (git compresses fetch negotiations) with the same cap on what it inflates to.

use std::io::Read as _;
use std::time::Duration;

use axum::body::Body;
use axum::http::HeaderMap;
use axum::http::header::{CONTENT_ENCODING, CONTENT_LENGTH};
use http_body_util::BodyExt as _;

/// Most bytes read and dropped after a body went over its limit.
const DRAIN_CAP: u64 = 64 * 1024 * 1024;

/// Why a body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// Larger than the limit, sent or inflated.
    TooLarge,
    /// Nothing arrived for the idle timeout: the client stopped sending.
    Stalled(Duration),
    /// Broken: the connection failed, or the gzip stream is corrupt, or an unknown encoding.
    Invalid(String),
}

/// The declared `Content-Length`, if any.
pub fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// Reads the whole body, refusing more than `limit` bytes before or after decompression, and
/// giving up when nothing arrives for `idle` (a client that stops sending must not keep the
/// request, and later a git process, waiting).
pub async fn read(
    body: Body,
    headers: &HeaderMap,
    limit: u64,
    idle: Duration,
) -> Result<Vec<u8>, BodyError> {
    if declared_length(headers).is_some_and(|n| n > limit) {
        return Err(BodyError::TooLarge);
    }
    let raw = collect(body, limit, idle).await?;
    let encoding = headers
        .get(CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match encoding.as_str() {
        "" | "identity" => Ok(raw),
        "gzip" | "x-gzip" => inflate(&raw, limit),
        other => Err(BodyError::Invalid(format!(
            "unsupported Content-Encoding “{other}” (gzip or none)"
        ))),
    }
}

/// Collects up to `limit` bytes. Past the limit the rest is read and dropped, up to
/// [`DRAIN_CAP`] more, so that a client streaming a chunked body (git does, for large pushes)
/// reads the refusal instead of a broken pipe.
async fn collect(mut body: Body, limit: u64, idle: Duration) -> Result<Vec<u8>, BodyError> {
    let mut kept = Vec::new();
    let mut seen: u64 = 0;
    while let Some(frame) = tokio::time::timeout(idle, body.frame())
        .await
        .map_err(|_| BodyError::Stalled(idle))?
    {
        let frame =
            frame.map_err(|e| BodyError::Invalid(format!("reading the request failed: {e}")))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen = seen.saturating_add(data.len() as u64);
        if seen <= limit {
            kept.extend_from_slice(&data);
        } else if seen > limit.saturating_add(DRAIN_CAP) {
            break;
        }
    }
    if seen > limit {
        return Err(BodyError::TooLarge);
    }
    Ok(kept)
}

fn inflate(gzipped: &[u8], limit: u64) -> Result<Vec<u8>, BodyError> {
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(gzipped)
        .take(limit.saturating_add(1))
        .read_to_end(&mut inflated)
        .map_err(|e| BodyError::Invalid(format!("the gzip body is corrupt: {e}")))?;
    if inflated.len() as u64 > limit {
        return Err(BodyError::TooLarge);
    }
    Ok(inflated)
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use axum::http::HeaderValue;

    use super::*;

    const IDLE: Duration = Duration::from_secs(5);

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).expect("gzip");
        encoder.finish().expect("gzip")
    }

    fn gzip_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        headers
    }

    #[tokio::test]
    async fn reads_plain_and_gzipped_bodies() {
        let plain = read(Body::from("0009done\n"), &HeaderMap::new(), 100, IDLE).await;
        assert_eq!(plain.ok(), Some(b"0009done\n".to_vec()));
        let zipped = read(Body::from(gzip(b"0009done\n")), &gzip_headers(), 100, IDLE).await;
        assert_eq!(zipped.ok(), Some(b"0009done\n".to_vec()));
    }

    #[tokio::test]
    async fn refuses_bodies_over_the_limit_before_and_after_inflating() {
        let sent = read(Body::from(vec![b'a'; 101]), &HeaderMap::new(), 100, IDLE).await;
        assert!(matches!(sent, Err(BodyError::TooLarge)));
        let mut declared = HeaderMap::new();
        declared.insert(CONTENT_LENGTH, HeaderValue::from_static("5000"));
        let early = read(Body::from("small"), &declared, 100, IDLE).await;
        assert!(matches!(early, Err(BodyError::TooLarge)));
        // A small gzip body that inflates past the limit (a "zip bomb") is refused too.
        let bomb = gzip(&vec![0u8; 10_000]);
        assert!(bomb.len() < 100);
        let inflated = read(Body::from(bomb), &gzip_headers(), 100, IDLE).await;
        assert!(matches!(inflated, Err(BodyError::TooLarge)));
    }

    #[tokio::test]
    async fn gives_up_on_a_body_that_stops_arriving() {
        use tokio::io::AsyncWriteExt as _;
        let (mut client, from_client) = tokio::io::duplex(64);
        client.write_all(b"0032want").await.expect("first bytes");
        let body = Body::from_stream(tokio_util::io::ReaderStream::new(from_client));
        // The client stays connected and silent: the read ends after the idle timeout.
        let idle = Duration::from_millis(100);
        let read = read(body, &HeaderMap::new(), 100, idle).await;
        assert!(matches!(read, Err(BodyError::Stalled(_))));
        drop(client);
    }

    #[tokio::test]
    async fn refuses_corrupt_gzip_and_unknown_encodings() {
        let corrupt = read(Body::from("not gzip"), &gzip_headers(), 100, IDLE).await;
        assert!(matches!(corrupt, Err(BodyError::Invalid(_))));
        let mut brotli = HeaderMap::new();
        brotli.insert(CONTENT_ENCODING, HeaderValue::from_static("br"));
        let unknown = read(Body::from("x"), &brotli, 100, IDLE).await;
        assert!(matches!(unknown, Err(BodyError::Invalid(_))));
    }
}
