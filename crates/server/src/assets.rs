//! Static assets compiled into the binary: our CSS/JS/icons and the vendored browser libraries
//! that the set-up step fetched from the npm registry into `web/dist`.

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Own;

#[derive(RustEmbed)]
#[folder = "../../web/dist/vendor/"]
#[allow_missing = true]
struct Vendor;

/// `GET /-/static/{*path}` on every host.
pub async fn serve(Path(path): Path<String>) -> Response {
    let file = match path.strip_prefix("vendor/") {
        Some(vendored) => Vendor::get(vendored),
        None => Own::get(&path),
    };
    let Some(file) = file else {
        if path.starts_with("vendor/") {
            tracing::warn!(%path, "vendored asset missing: run `npm ci && npm run vendor` in web/ (scripts/setup does)");
        }
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let mime = mime_guess::from_path(&path).first_or_octet_stream();
    let mut response = file.data.into_owned().into_response();
    if let Ok(value) = HeaderValue::from_str(mime.as_ref()) {
        response.headers_mut().insert(CONTENT_TYPE, value);
    }
    response.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

/// `GET /favicon.ico`: browsers ask for it on every host; answer with our SVG icon.
pub async fn favicon() -> Response {
    serve(Path("favicon.svg".to_string())).await
}
