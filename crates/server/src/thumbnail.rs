//! Thumbnails of image attachments (`?thumbnail=N`), made so that no request can make the server
//! decode more than it can afford.
//!
//! A compressed image says nothing about its decoded size: a 186 KB PNG can be 8000×8000 pixels,
//! 183 MiB once decoded. So, before anything is decoded:
//!
//! - the image's header is read (a few bytes) and an image whose pixels exceed
//!   [`MAX_PIXELS`] is never decoded: it is served as it is, and the browser decides what to do;
//! - an image that already fits the asked size is served as it is, without decoding either;
//! - decoding itself runs under the `image` crate's [`image::Limits`] (edges and allocation), in
//!   case a header lies;
//! - at most [`MAX_CONCURRENT_DECODES`] decodes run at once, so parallel requests wait instead of
//!   adding up their memory;
//! - results are cached by (blob id, size), bounded in bytes, so repeated requests decode
//!   nothing; sizes are rounded up to a short ladder so the cache cannot be bypassed by asking for
//!   every size in turn.

use std::collections::{HashMap, VecDeque};
use std::io::Cursor;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use image::{ImageFormat, ImageReader, Limits};
use tokio::sync::Semaphore;

/// Largest image we decode, in pixels: 20 megapixels covers phone and most camera photos, and
/// decodes to at most 80 MiB (RGBA, 8 bits per channel).
pub const MAX_PIXELS: u64 = 20_000_000;
/// Longest edge we decode, whatever the pixel count (a 100,000×10 strip is not a photo).
pub const MAX_EDGE: u32 = 16_384;
/// Most memory one decode may allocate (see [`image::Limits::max_alloc`]).
pub const MAX_DECODE_BYTES: u64 = 96 * 1024 * 1024;
/// Decodes running at once, across all wikis.
pub const MAX_CONCURRENT_DECODES: usize = 2;
/// Bytes of thumbnails kept in memory.
pub const CACHE_BYTES: usize = 32 * 1024 * 1024;
/// Thumbnail edges served; a request is rounded up to the next one.
const LADDER: [u32; 18] = [
    16, 32, 48, 64, 80, 96, 128, 160, 200, 240, 320, 400, 480, 640, 800, 960, 1280, 1600,
];

/// The largest thumbnail edge.
pub const MAX_THUMBNAIL: u32 = LADDER[LADDER.len() - 1];

/// What to send for a thumbnail request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Thumbnail {
    /// The scaled-down image, in the original's format.
    Scaled(Bytes),
    /// The original file: it already fits, it is too large to decode, or it is not a PNG,
    /// JPEG, GIF or WebP image we can read.
    Original,
}

/// The thumbnail maker of the process: cache, decode limit and counters.
pub struct Thumbnails {
    permits: Semaphore,
    cache: Mutex<Cache>,
    decodes: AtomicU64,
}

#[derive(Default)]
struct Cache {
    map: HashMap<(String, u32), Thumbnail>,
    order: VecDeque<(String, u32)>,
    bytes: usize,
}

impl Default for Thumbnails {
    fn default() -> Self {
        Thumbnails::new()
    }
}

impl Thumbnails {
    /// An empty cache.
    pub fn new() -> Thumbnails {
        Thumbnails {
            permits: Semaphore::new(MAX_CONCURRENT_DECODES),
            cache: Mutex::new(Cache::default()),
            decodes: AtomicU64::new(0),
        }
    }

    /// Images decoded since start (cache misses that had to decode), so tests and operators can
    /// see the cache and the limits work.
    pub fn decodes(&self) -> u64 {
        self.decodes.load(Ordering::Relaxed)
    }

    /// The thumbnail of blob `blob_id` (whose content is `bytes`) at most `size` pixels on each
    /// edge (rounded up to the next size of the ladder).
    ///
    /// Cancel-safe: a request that goes away while waiting for its turn decodes nothing.
    pub async fn get(&self, blob_id: &str, bytes: Bytes, size: u32) -> Thumbnail {
        let size = rung(size);
        let key = (blob_id.to_string(), size);
        if let Some(hit) = self.lock().map.get(&key) {
            return hit.clone();
        }
        let thumbnail = match plan(&bytes, size) {
            None => Thumbnail::Original,
            Some(format) => {
                // Closed never: the semaphore lives as long as `self`.
                let Ok(_permit) = self.permits.acquire().await else {
                    return Thumbnail::Original;
                };
                self.decodes.fetch_add(1, Ordering::Relaxed);
                // The permit is held until the decode is done, even if the request goes away
                // meanwhile: the memory is in use until then.
                let scaled = tokio::task::spawn_blocking(move || scale(&bytes, format, size)).await;
                match scaled {
                    Ok(Some(thumb)) => Thumbnail::Scaled(Bytes::from(thumb)),
                    Ok(None) | Err(_) => Thumbnail::Original,
                }
            }
        };
        self.insert(key, thumbnail.clone());
        thumbnail
    }

    fn insert(&self, key: (String, u32), thumbnail: Thumbnail) {
        let size = cost(&thumbnail);
        if size > CACHE_BYTES {
            return;
        }
        let mut cache = self.lock();
        // A parallel request made the same thumbnail meanwhile: keep the first.
        if cache.map.contains_key(&key) {
            return;
        }
        cache.map.insert(key.clone(), thumbnail);
        cache.order.push_back(key);
        cache.bytes += size;
        while cache.bytes > CACHE_BYTES {
            let Some(old) = cache.order.pop_front() else {
                break;
            };
            if let Some(gone) = cache.map.remove(&old) {
                cache.bytes -= cost(&gone);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        // A panic while holding the lock cannot leave the map inconsistent, so keep serving.
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Memory an entry costs: its bytes plus, roughly, its key and bookkeeping (so that the many
/// small "serve the original" answers are bounded too).
fn cost(thumbnail: &Thumbnail) -> usize {
    let bytes = match thumbnail {
        Thumbnail::Scaled(bytes) => bytes.len(),
        Thumbnail::Original => 0,
    };
    bytes + 128
}

/// The ladder's edge at or above `size`.
fn rung(size: u32) -> u32 {
    LADDER
        .iter()
        .copied()
        .find(|&rung| rung >= size)
        .unwrap_or(MAX_THUMBNAIL)
}

/// Decides from the magic bytes and the header alone whether to decode: the format to decode
/// as, or `None` to serve the original.
fn plan(bytes: &[u8], size: u32) -> Option<ImageFormat> {
    // By content, not by name; and only the formats the wiki shows as images.
    let format = image::guess_format(bytes).ok().filter(|format| {
        matches!(
            format,
            ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP
        )
    })?;
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .ok()?;
    if width <= size && height <= size {
        return None;
    }
    if width > MAX_EDGE || height > MAX_EDGE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        tracing::debug!(
            width,
            height,
            "image too large to thumbnail; serving the original"
        );
        return None;
    }
    Some(format)
}

/// Decodes under [`decode_limits`] and scales down; `None` when the image cannot be read within
/// them.
fn scale(bytes: &[u8], format: ImageFormat, size: u32) -> Option<Vec<u8>> {
    scale_within(bytes, format, size, decode_limits())
}

/// What one decode may cost, checked by the decoder itself (a second line behind [`plan`]).
fn decode_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_EDGE);
    limits.max_image_height = Some(MAX_EDGE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

fn scale_within(bytes: &[u8], format: ImageFormat, size: u32, limits: Limits) -> Option<Vec<u8>> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let image = reader.decode().ok()?;
    let thumb = image.thumbnail(size, size);
    let mut out = Cursor::new(Vec::new());
    thumb.write_to(&mut out, format).ok()?;
    Some(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::GrayImage::new(width, height);
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, ImageFormat::Png).expect("encode");
        out.into_inner()
    }

    #[test]
    fn sizes_round_up_to_the_ladder() {
        assert_eq!(rung(1), 16);
        assert_eq!(rung(80), 80);
        assert_eq!(rung(81), 96);
        assert_eq!(rung(5000), MAX_THUMBNAIL);
    }

    #[test]
    fn plans_from_the_header() {
        assert_eq!(plan(&png(50, 40), 80), None, "fits already");
        assert_eq!(plan(&png(500, 40), 80), Some(ImageFormat::Png));
        assert_eq!(plan(b"not a png", 80), None);
        let mut tiff = png(500, 40);
        tiff.splice(0..8, *b"II*\0\0\0\0\0");
        assert_eq!(plan(&tiff, 80), None, "not a format we thumbnail");
    }

    #[test]
    fn decoding_stays_within_its_limits() {
        let image = png(300, 200);
        let scaled = scale(&image, ImageFormat::Png, 100).expect("scaled");
        let thumb = image::load_from_memory(&scaled).expect("png");
        assert_eq!((thumb.width(), thumb.height()), (100, 67));
        let mut tight = decode_limits();
        tight.max_alloc = Some(1000);
        assert_eq!(
            scale_within(&image, ImageFormat::Png, 100, tight),
            None,
            "60,000 pixels do not fit in 1,000 bytes"
        );
    }

    #[tokio::test]
    async fn the_cache_is_bounded_in_bytes() {
        let thumbnails = Thumbnails::new();
        let original = Bytes::from(png(400, 400));
        let first = thumbnails.get("blob", original.clone(), 100).await;
        assert!(matches!(first, Thumbnail::Scaled(_)));
        let again = thumbnails.get("blob", original.clone(), 97).await;
        assert_eq!(again, first, "97 rounds up to the cached 128");
        assert_eq!(thumbnails.decodes(), 1);
        thumbnails.insert(
            ("huge".into(), 16),
            Thumbnail::Scaled(Bytes::from(vec![0; CACHE_BYTES - 200])),
        );
        let cache = thumbnails.lock();
        assert!(cache.bytes <= CACHE_BYTES);
        assert!(
            !cache.map.contains_key(&("blob".to_string(), 128)),
            "evicted"
        );
    }
}
