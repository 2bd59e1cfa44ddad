//! `robot backup` and `robot restore` against the real binary: a restored data directory has the
//! same users, wikis (with their whole history), tokens and keys, and restore never overwrites.

use std::path::{Path, PathBuf};

mod common;

use common::{ok, robot};

fn head(data_dir: &Path, slug: &str) -> Option<String> {
    let store = robot_store::Store::open(data_dir.join("wikis")).expect("store");
    store
        .wiki(slug)
        .expect("wiki")
        .head()
        .expect("head")
        .map(|c| c.to_string())
}

#[test]
fn a_restored_data_directory_has_everything_back() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let live = tmp.path().join("live");
    ok(&live, &["user", "add", "alice"]);
    ok(&live, &["wiki", "create", "notes", "--owner", "alice"]);
    ok(&live, &["wiki", "create", "lab", "--owner", "alice"]);
    let secret = ok(&live, &["token", "create", "notes", "--name", "agent"]);
    assert!(secret.contains("rwt_"), "{secret}");

    let backups = tmp.path().join("backups");
    let made = PathBuf::from(ok(&live, &["backup", backups.to_str().expect("utf-8")]).trim());
    assert!(made.starts_with(&backups), "{}", made.display());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&made).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "the backup holds keys: private");
    }

    let restored = tmp.path().join("restored");
    let said = ok(&restored, &["restore", made.to_str().expect("utf-8")]);
    assert!(said.contains("restored 2 wikis"), "{said}");
    assert_eq!(
        ok(&restored, &["user", "list"]),
        ok(&live, &["user", "list"])
    );
    assert_eq!(
        ok(&restored, &["wiki", "list"]),
        ok(&live, &["wiki", "list"])
    );
    assert!(ok(&restored, &["token", "list", "notes"]).contains("agent"));
    for slug in ["notes", "lab"] {
        assert_eq!(head(&restored, slug), head(&live, slug), "{slug}");
        assert!(head(&restored, slug).is_some());
    }
    let key = |dir: &Path| std::fs::read(dir.join("keys/session.pem")).expect("key");
    assert_eq!(
        key(&restored),
        key(&live),
        "sessions signed before still verify"
    );

    // Never over an existing data directory, and never from something that is not a backup.
    let again = robot(&restored, &["restore", made.to_str().expect("utf-8")]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("empty data directory"));
    let not_a_backup = robot(
        &tmp.path().join("fresh"),
        &["restore", live.to_str().expect("utf-8")],
    );
    assert!(!not_a_backup.status.success());
    assert!(String::from_utf8_lossy(&not_a_backup.stderr).contains("not a complete robot backup"));
}
