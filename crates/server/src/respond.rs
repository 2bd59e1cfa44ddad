//! Small response helpers shared by the views.

use askama::Template;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use crate::context::FLASH_COOKIE;
use crate::error::{AppError, AppResult};

/// Renders a template to an HTML response.
pub fn page(template: &impl Template) -> AppResult<Response> {
    let body = template.render().map_err(AppError::internal)?;
    Ok(Html(body).into_response())
}

/// Renders a template with a status other than 200.
pub fn page_with_status(status: StatusCode, template: &impl Template) -> AppResult<Response> {
    let mut response = page(template)?;
    *response.status_mut() = status;
    Ok(response)
}

/// A 303 redirect (after a POST) carrying a one-shot message for the next page.
pub fn redirect_with_flash(location: &str, kind: &str, message: &str) -> Response {
    let mut response = redirect(location);
    let value = utf8_percent_encode(&format!("{kind}:{message}"), NON_ALPHANUMERIC).to_string();
    if let Ok(cookie) = HeaderValue::from_str(&format!(
        "{FLASH_COOKIE}={value}; Path=/; Max-Age=60; SameSite=Lax"
    )) {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    response
}

/// A plain 303 redirect. A protocol-relative location (`//host`, `/\host`) would leave the
/// site, so it is replaced by `/` as a last line of defence.
pub fn redirect(location: &str) -> Response {
    let location = if location.starts_with("//") || location.starts_with("/\\") {
        "/"
    } else {
        location
    };
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// Clears the flash cookie once a page has shown it.
pub fn clear_flash(mut response: Response) -> Response {
    if let Ok(cookie) = HeaderValue::from_str(&format!("{FLASH_COOKIE}=; Path=/; Max-Age=0")) {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    response
}
