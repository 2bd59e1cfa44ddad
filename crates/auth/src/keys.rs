//! The RS256 key that signs and verifies platform session tokens.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rsa::pkcs1::EncodeRsaPrivateKey as _;
use rsa::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, EncodePublicKey as _, LineEnding};
use rsa::traits::PublicKeyParts as _;
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::{Digest as _, Sha256};

use crate::{AuthError, SessionClaims, random_token};

/// The issuer and audience a [`SessionKeys`] expects unless told otherwise with
/// [`SessionKeys::with_issuer`].
pub const DEFAULT_ISSUER: &str = "robot.wtf";

/// True when `exp` (seconds since the epoch) is past, beyond the leeway, as `jsonwebtoken`
/// decides it.
fn expired(exp: i64) -> bool {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    u64::try_from(exp).map_or(true, |exp| exp.saturating_add(LEEWAY_SECS) < now)
}

/// The key file's name inside the key directory.
const KEY_FILE: &str = "session.pem";
/// 2048 bits: the RS256 norm; tokens are short-lived and the key can be rotated by replacing it.
const KEY_BITS: usize = 2048;
/// Clock skew tolerated on `exp`, in seconds.
const LEEWAY_SECS: u64 = 30;
/// Tokens whose signature was checked, remembered before the memory is emptied.
const MAX_VERIFIED: usize = 10_000;

/// The RS256 key pair for platform session tokens, and the issuer/audience they must name.
///
/// Only RS256 tokens signed by this key, for this issuer and audience, and not expired, pass
/// [`SessionKeys::verify`]; `alg: none` and HMAC tokens are refused whatever their signature.
pub struct SessionKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    kid: String,
    n: String,
    e: String,
    issuer: String,
    /// Claims of tokens already verified, by the SHA-256 of the token: a browser sends the same
    /// cookie with every request, and an RSA signature check costs more than the rest of a
    /// cached page view. A token's bytes fix its claims and signature, so only `exp` is checked
    /// again.
    verified: Mutex<HashMap<[u8; 32], SessionClaims>>,
}

impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material.
        f.debug_struct("SessionKeys")
            .field("kid", &self.kid)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl SessionKeys {
    /// Loads `{dir}/session.pem` (a PKCS#8 PEM RSA private key), or, when it does not exist yet,
    /// generates a 2048-bit key and writes it there with mode 0600, creating `dir` with mode
    /// 0700.
    ///
    /// Safe to call from two processes at once (the CLI and the server): the new key is written
    /// to a private temporary file and hard-linked into place, so the loser of the race loads
    /// the winner's key instead of overwriting it.
    pub fn load_or_generate(dir: &Path) -> Result<SessionKeys, AuthError> {
        create_private_dir(dir)?;
        let path = dir.join(KEY_FILE);
        match fs::read_to_string(&path) {
            Ok(pem) => return Self::from_pem(&pem, &path),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(source) => return Err(io_error("read the session key", &path, source)),
        }
        let key = generate_key()?;
        let pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| AuthError::KeyGeneration(e.to_string()))?;
        if install_new_file(dir, &path, pem.as_bytes())? {
            Self::from_private_key(&key)
        } else {
            let pem = fs::read_to_string(&path)
                .map_err(|source| io_error("read the session key", &path, source))?;
            Self::from_pem(&pem, &path)
        }
    }

    /// A fresh key that lives only in memory: for tests, and for tools that never need to
    /// verify a token after a restart.
    pub fn generate() -> Result<SessionKeys, AuthError> {
        Self::from_private_key(&generate_key()?)
    }

    /// The same keys, expecting `issuer` as both the `iss` and the `aud` of tokens (the platform
    /// domain, e.g. `robot.wtf`). The default is [`DEFAULT_ISSUER`].
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> SessionKeys {
        self.issuer = issuer.into();
        self.verified = Mutex::default();
        self
    }

    /// The issuer and audience that [`SessionKeys::verify`] requires.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The key id put in each token's header and in the JWKS: the first 16 characters of the
    /// base64url SHA-256 of the public key's SubjectPublicKeyInfo DER.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Signs `claims` as an RS256 JWT whose header names this key's `kid`.
    pub fn issue(&self, claims: &SessionClaims) -> Result<String, AuthError> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map_err(|e| AuthError::Signing(e.to_string()))
    }

    /// Checks `token`'s signature (RS256 with this key only), `exp` (with 30 s of leeway), `iss`
    /// and `aud` (both must equal [`SessionKeys::issuer`]), and returns its claims.
    pub fn verify(&self, token: &str) -> Result<SessionClaims, AuthError> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let known = self
            .verified
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&digest)
            .cloned();
        if let Some(claims) = known {
            return if expired(claims.exp) {
                Err(AuthError::Expired)
            } else {
                Ok(claims)
            };
        }
        let claims = self.verify_signature(token)?;
        let mut verified = self.verified.lock().unwrap_or_else(PoisonError::into_inner);
        if verified.len() >= MAX_VERIFIED {
            verified.clear();
        }
        verified.insert(digest, claims.clone());
        Ok(claims)
    }

    fn verify_signature(&self, token: &str) -> Result<SessionClaims, AuthError> {
        // Validation::new pins the accepted algorithms to exactly RS256: `none`, HS256 signed
        // with the public key, and every other algorithm are refused before any crypto runs.
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = LEEWAY_SECS;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        jsonwebtoken::decode::<SessionClaims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => AuthError::Expired,
                _ => AuthError::InvalidToken(e.to_string()),
            })
    }

    /// The public key as a JSON Web Key Set:
    /// `{"keys":[{"kty":"RSA","n":…,"e":…,"kid":…,"alg":"RS256","use":"sig"}]}`.
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({
            "keys": [{
                "kty": "RSA",
                "n": self.n,
                "e": self.e,
                "kid": self.kid,
                "alg": "RS256",
                "use": "sig",
            }]
        })
    }

    fn from_pem(pem: &str, path: &Path) -> Result<SessionKeys, AuthError> {
        let key = RsaPrivateKey::from_pkcs8_pem(pem).map_err(|e| AuthError::BadKey {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        Self::from_private_key(&key).map_err(|e| AuthError::BadKey {
            path: path.to_owned(),
            reason: e.to_string(),
        })
    }

    fn from_private_key(key: &RsaPrivateKey) -> Result<SessionKeys, AuthError> {
        // jsonwebtoken's RustCrypto backend signs with a PKCS#1 DER private key and verifies
        // with the raw modulus and exponent.
        let pkcs1 = key
            .to_pkcs1_der()
            .map_err(|e| AuthError::KeyGeneration(e.to_string()))?;
        let public = RsaPublicKey::from(key);
        let spki = public
            .to_public_key_der()
            .map_err(|e| AuthError::KeyGeneration(e.to_string()))?;
        let n = public.n().to_bytes_be();
        let e = public.e().to_bytes_be();
        let mut kid = URL_SAFE_NO_PAD.encode(Sha256::digest(spki.as_bytes()));
        kid.truncate(16);
        Ok(SessionKeys {
            encoding: EncodingKey::from_rsa_der(pkcs1.as_bytes()),
            decoding: DecodingKey::from_rsa_raw_components(&n, &e),
            kid,
            n: URL_SAFE_NO_PAD.encode(&n),
            e: URL_SAFE_NO_PAD.encode(&e),
            issuer: DEFAULT_ISSUER.to_owned(),
            verified: Mutex::default(),
        })
    }
}

fn generate_key() -> Result<RsaPrivateKey, AuthError> {
    RsaPrivateKey::new(&mut rand::rngs::OsRng, KEY_BITS)
        .map_err(|e| AuthError::KeyGeneration(e.to_string()))
}

fn io_error(action: &'static str, path: &Path, source: io::Error) -> AuthError {
    AuthError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

fn create_private_dir(dir: &Path) -> Result<(), AuthError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|source| io_error("create the key directory", dir, source))
}

/// Writes `contents` to a new private file and moves it to `path` unless `path` already exists.
/// Returns `false` when another process installed its file first (ours is discarded).
fn install_new_file(dir: &Path, path: &Path, contents: &[u8]) -> Result<bool, AuthError> {
    let tmp: PathBuf = dir.join(format!(".{KEY_FILE}.{}.tmp", &random_token()[..12]));
    let written = write_private(&tmp, contents);
    if let Err(source) = written {
        let _ = fs::remove_file(&tmp);
        return Err(io_error("write the session key", &tmp, source));
    }
    let installed = match fs::hard_link(&tmp, path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        // A filesystem without hard links: fall back to a rename, which may replace a key
        // another process installed a moment ago (only possible on the very first start).
        Err(_) => fs::rename(&tmp, path)
            .map(|()| true)
            .map_err(|source| io_error("install the session key", path, source)),
    };
    let _ = fs::remove_file(&tmp);
    installed
}

fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests;
