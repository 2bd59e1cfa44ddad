use std::sync::OnceLock;

use super::*;
use crate::claims::now;

/// RSA key generation is the slow part of these tests: make two keys per test binary, not one
/// per test.
fn key(which: usize) -> &'static RsaPrivateKey {
    static KEYS: [OnceLock<RsaPrivateKey>; 2] = [OnceLock::new(), OnceLock::new()];
    KEYS[which].get_or_init(|| generate_key().expect("generate a test key"))
}

fn keys() -> SessionKeys {
    SessionKeys::from_private_key(key(0)).expect("usable key")
}

fn other_keys() -> SessionKeys {
    SessionKeys::from_private_key(key(1)).expect("usable key")
}

fn claims() -> SessionClaims {
    SessionClaims::new(7, "alice", "Alice", DEFAULT_ISSUER, 3600)
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn assert_invalid(result: Result<SessionClaims, AuthError>) {
    match result {
        Err(AuthError::InvalidToken(_)) => {}
        other => panic!("expected InvalidToken, got {other:?}"),
    }
}

#[test]
fn issue_then_verify_round_trips() {
    let keys = keys();
    let claims = claims();
    let token = keys.issue(&claims).expect("sign");
    assert_eq!(token.matches('.').count(), 2);
    assert_eq!(keys.verify(&token).expect("verify"), claims);
    let header = jsonwebtoken::decode_header(&token).expect("header");
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(header.kid.as_deref(), Some(keys.kid()));
}

#[test]
fn expired_token_is_rejected() {
    let keys = keys();
    let mut claims = claims();
    claims.iat = now() - 7200;
    claims.exp = now() - 3600;
    let token = keys.issue(&claims).expect("sign");
    assert!(matches!(keys.verify(&token), Err(AuthError::Expired)));
}

#[test]
fn a_verified_token_still_expires() {
    // Valid for one more second within the leeway: verified (and remembered) now, refused once
    // that second has passed, although its signature is not checked again.
    let keys = keys();
    let mut claims = claims();
    claims.exp = now() - i64::try_from(LEEWAY_SECS).expect("small") + 1;
    let token = keys.issue(&claims).expect("sign");
    assert_eq!(keys.verify(&token).expect("still valid"), claims);
    assert_eq!(keys.verify(&token).expect("remembered"), claims);
    std::thread::sleep(std::time::Duration::from_millis(2_100));
    assert!(matches!(keys.verify(&token), Err(AuthError::Expired)));
}

#[test]
fn a_remembered_token_is_not_accepted_with_one_byte_changed() {
    let keys = keys();
    let token = keys.issue(&claims()).expect("sign");
    assert!(keys.verify(&token).is_ok());
    let mut tampered = token.into_bytes();
    if let Some(last) = tampered.last_mut() {
        *last = if *last == b'A' { b'B' } else { b'A' };
    }
    let tampered = String::from_utf8(tampered).expect("ascii");
    assert_invalid(keys.verify(&tampered));
}

#[test]
fn token_from_another_key_is_rejected() {
    let token = other_keys().issue(&claims()).expect("sign");
    assert_invalid(keys().verify(&token));
}

#[test]
fn tampered_payload_is_rejected() {
    let keys = keys();
    let token = keys.issue(&claims()).expect("sign");
    let parts: Vec<&str> = token.split('.').collect();
    let mut forged = claims();
    forged.sub = "user:1".into();
    let payload = b64(&serde_json::to_vec(&forged).expect("json"));
    let tampered = format!("{}.{}.{}", parts[0], payload, parts[2]);
    assert_invalid(keys.verify(&tampered));
    // Flipping one character of the signature breaks it too.
    let mut signature = parts[2].to_owned();
    let last = if signature.ends_with('A') { "B" } else { "A" };
    signature.replace_range(signature.len() - 1.., last);
    assert_invalid(keys.verify(&format!("{}.{}.{}", parts[0], parts[1], signature)));
}

#[test]
fn alg_none_is_rejected() {
    let keys = keys();
    let real = keys.issue(&claims()).expect("sign");
    let real_signature = real.rsplit('.').next().unwrap_or_default();
    let payload = b64(&serde_json::to_vec(&claims()).expect("json"));
    for alg in ["none", "None", "NONE"] {
        let header = b64(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#).as_bytes());
        assert_invalid(keys.verify(&format!("{header}.{payload}.")));
        assert_invalid(keys.verify(&format!("{header}.{payload}.{real_signature}")));
    }
}

#[test]
fn hmac_signed_with_the_public_key_is_rejected() {
    let keys = keys();
    let public = RsaPublicKey::from(key(0));
    let spki_pem = public.to_public_key_pem(LineEnding::LF).expect("pem");
    let spki_der = public.to_public_key_der().expect("der");
    let secrets: [&[u8]; 3] = [spki_pem.as_bytes(), spki_der.as_bytes(), keys.n.as_bytes()];
    for secret in secrets {
        for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            let token = jsonwebtoken::encode(
                &Header::new(alg),
                &claims(),
                &EncodingKey::from_secret(secret),
            )
            .expect("sign");
            assert_invalid(keys.verify(&token));
        }
    }
}

#[test]
fn other_rsa_algorithms_are_rejected() {
    let keys = keys();
    for alg in [Algorithm::RS512, Algorithm::PS256] {
        let token =
            jsonwebtoken::encode(&Header::new(alg), &claims(), &keys.encoding).expect("sign");
        assert_invalid(keys.verify(&token));
    }
}

#[test]
fn wrong_audience_or_issuer_is_rejected() {
    let keys = keys();
    let mut wrong_aud = claims();
    wrong_aud.aud = "evil.example".into();
    assert_invalid(keys.verify(&keys.issue(&wrong_aud).expect("sign")));

    let mut wrong_iss = claims();
    wrong_iss.iss = "evil.example".into();
    assert_invalid(keys.verify(&keys.issue(&wrong_iss).expect("sign")));

    // A deployment on another domain refuses robot.wtf's tokens even with the same key.
    let token = keys.issue(&claims()).expect("sign");
    let elsewhere = SessionKeys::from_private_key(key(0))
        .expect("usable key")
        .with_issuer("wiki.example");
    assert_eq!(elsewhere.issuer(), "wiki.example");
    assert_invalid(elsewhere.verify(&token));
    let local = SessionClaims::new(7, "alice", "Alice", "wiki.example", 60);
    assert!(
        elsewhere
            .verify(&elsewhere.issue(&local).expect("sign"))
            .is_ok()
    );
}

#[test]
fn missing_subject_is_rejected() {
    let keys = keys();
    let mut value = serde_json::to_value(claims()).expect("json");
    if let Some(map) = value.as_object_mut() {
        map.remove("sub");
    }
    let token =
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &value, &keys.encoding).expect("sign");
    assert_invalid(keys.verify(&token));
}

#[test]
fn garbage_is_rejected() {
    let keys = keys();
    for token in ["", "a", "a.b", "a.b.c", "...", "eyJhbGciOiJSUzI1NiJ9.e30."] {
        assert_invalid(keys.verify(token));
    }
}

#[test]
fn jwks_publishes_a_key_that_verifies_tokens() {
    let keys = keys();
    let jwks = keys.jwks();
    let jwk = &jwks["keys"][0];
    assert_eq!(jwk["kty"], "RSA");
    assert_eq!(jwk["alg"], "RS256");
    assert_eq!(jwk["use"], "sig");
    assert_eq!(jwk["kid"], keys.kid());
    assert_eq!(jwk["e"], "AQAB");
    assert_eq!(keys.kid().len(), 16);

    let set: jsonwebtoken::jwk::JwkSet = serde_json::from_value(jwks.clone()).expect("jwks");
    let found = set.find(keys.kid()).expect("kid present");
    let decoding = DecodingKey::from_jwk(found).expect("decoding key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[DEFAULT_ISSUER]);
    let token = keys.issue(&claims()).expect("sign");
    assert!(jsonwebtoken::decode::<SessionClaims>(&token, &decoding, &validation).is_ok());
}

#[test]
fn debug_output_hides_the_key() {
    let text = format!("{:?}", keys());
    assert!(text.contains("kid"));
    assert!(!text.contains("encoding"));
}

#[test]
fn key_persists_across_loads_with_private_modes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("data").join("keys");
    let first = SessionKeys::load_or_generate(&dir).expect("generate");
    let second = SessionKeys::load_or_generate(&dir).expect("load");
    assert_eq!(first.kid(), second.kid());
    let token = first.issue(&claims()).expect("sign");
    assert_eq!(
        second.verify(&token).expect("verify"),
        first.verify(&token).expect("verify")
    );

    let pem = fs::read_to_string(dir.join(KEY_FILE)).expect("read key");
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    let leftovers: Vec<_> = fs::read_dir(&dir)
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .filter(|name| name != KEY_FILE)
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| fs::metadata(p).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode(&dir.join(KEY_FILE)), 0o600);
        assert_eq!(mode(&dir), 0o700);
    }
}

#[test]
fn existing_pem_is_loaded_not_replaced() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pem = key(1).to_pkcs8_pem(LineEnding::LF).expect("pem");
    fs::write(tmp.path().join(KEY_FILE), pem.as_bytes()).expect("write");
    let loaded = SessionKeys::load_or_generate(tmp.path()).expect("load");
    assert_eq!(loaded.kid(), other_keys().kid());
}

#[test]
fn corrupt_key_file_is_a_clear_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    fs::write(tmp.path().join(KEY_FILE), "not a key").expect("write");
    let err = SessionKeys::load_or_generate(tmp.path()).expect_err("must fail");
    assert!(matches!(err, AuthError::BadKey { .. }), "{err:?}");
    assert!(err.to_string().contains("session.pem"));
}

#[test]
fn losing_the_install_race_keeps_the_winners_key() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join(KEY_FILE);
    assert!(install_new_file(tmp.path(), &path, b"winner").expect("install"));
    assert!(!install_new_file(tmp.path(), &path, b"loser").expect("install"));
    assert_eq!(fs::read(&path).expect("read"), b"winner");
    assert_eq!(fs::read_dir(tmp.path()).expect("list").count(), 1);
}
