//! The pre-receive hook every push passes through. Git runs it after the pack is received and
//! before any ref moves, with the new objects still in quarantine: when it refuses, the objects
//! are thrown away and the wiki is exactly as before. Its limits come from the environment the
//! runner sets, so one script serves every wiki.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Environment variable carrying the only ref a push may update.
pub const ENV_BRANCH: &str = "ROBOT_BRANCH";
/// Environment variable carrying the page limit (absent: no limit).
pub const ENV_MAX_PAGES: &str = "ROBOT_MAX_PAGES";
/// Environment variable carrying the bytes the push may add before the wiki is over its byte
/// quota (absent: no limit).
pub const ENV_MAX_NEW_BYTES: &str = "ROBOT_MAX_NEW_BYTES";

/// The script. It refuses, with a message git shows as `remote: …`:
/// - a push whose quarantined objects (the pack as git completed and indexed it) take more
///   bytes than the quota leaves. The request's size is only a lower bound: git completes a thin
///   pack with the bases it refers to, and adds an index. The files are measured as the store
///   measures the repository (bytes of every file), so what passes here fits its quota;
/// - any ref but the wiki's branch (tags and other branches would be invisible in the wiki);
/// - a head with more pages (`.md` files) than the limit.
///
/// Deleting the branch and rewriting its history are refused by git itself
/// (`receive.denyDeletes`, `receive.denyNonFastForwards`, see `runner.rs`).
const PRE_RECEIVE: &str = r#"#!/bin/sh
# Written by robot.wtf at start-up; changes are overwritten.
zero=0000000000000000000000000000000000000000
if [ -n "$ROBOT_MAX_NEW_BYTES" ] && [ -d "$GIT_QUARANTINE_PATH" ]; then
    bytes=$(find "$GIT_QUARANTINE_PATH" -type f | while IFS= read -r file; do wc -c < "$file"; done | awk '{ sum += $1 } END { printf "%d", sum }')
    case "$bytes" in
        ''|*[!0-9]*)
            echo "robot.wtf: the server could not measure this push against the wiki's storage quota; nothing was changed (tell the operator)" >&2
            cat > /dev/null
            exit 1
            ;;
    esac
    if [ "$bytes" -gt "$ROBOT_MAX_NEW_BYTES" ]; then
        echo "robot.wtf: this push would add $bytes bytes, over the $ROBOT_MAX_NEW_BYTES bytes left in the wiki's storage quota; nothing was changed" >&2
        cat > /dev/null
        exit 1
    fi
fi
status=0
while read -r old new ref; do
    if [ "$ref" != "$ROBOT_BRANCH" ]; then
        echo "robot.wtf: only ${ROBOT_BRANCH#refs/heads/} can be pushed: the wiki shows that branch alone ($ref refused)" >&2
        status=1
        continue
    fi
    if [ "$new" = "$zero" ]; then
        continue
    fi
    if [ -n "$ROBOT_MAX_PAGES" ]; then
        pages=$(git ls-tree -r -z --name-only "$new" | tr '\0' '\n' | grep -c '\.md$')
        if [ "$pages" -gt "$ROBOT_MAX_PAGES" ]; then
            echo "robot.wtf: this push would leave $pages pages, over the wiki's limit of $ROBOT_MAX_PAGES pages; nothing was changed" >&2
            status=1
        fi
    fi
done
exit $status
"#;

/// Writes the hooks into `dir` (created if missing) and returns it, for `core.hooksPath`.
pub fn install(dir: &Path) -> io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("pre-receive");
    // Write beside, then rename: a push running during start-up never sees half a script. The
    // staging name is this installer's own: CLI commands start beside a running server (and each
    // other) and install the same hooks at once; a shared name let one rename the other's file
    // away.
    static INSTALLS: AtomicUsize = AtomicUsize::new(0);
    let staging = dir.join(format!(
        "pre-receive.{}-{}.tmp",
        std::process::id(),
        INSTALLS.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&staging, PRE_RECEIVE)?;
    make_executable(&staging)?;
    std::fs::rename(&staging, &path)?;
    Ok(dir.to_path_buf())
}

#[cfg(unix)]
fn make_executable(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installers_running_at_once_all_succeed_and_leave_one_whole_hook() {
        let dir = tempfile::tempdir().expect("tempdir");
        let hooks = dir.path().join("git-hooks");
        let installers: Vec<_> = (0..8)
            .map(|_| {
                let hooks = hooks.clone();
                std::thread::spawn(move || (0..20).try_for_each(|_| install(&hooks).map(drop)))
            })
            .collect();
        for installer in installers {
            installer.join().expect("thread").expect("install");
        }
        let names: Vec<String> = std::fs::read_dir(&hooks)
            .expect("hooks")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["pre-receive"], "no staging file is left behind");
        let script = std::fs::read_to_string(hooks.join("pre-receive")).expect("hook");
        assert_eq!(script, PRE_RECEIVE);
    }
}
