//! Importing an existing repository (for example an An Otter Wiki content repository).
//!
//! The history of the source's `HEAD` branch is copied object for object, so commit ids, authors
//! and dates survive. Objects are streamed through a pack built from a revision walk: nothing is
//! checked out, and no transport or URL parsing is involved.
//!
//! The source is checked before git reads it: it must be a plain repository directory whose git
//! data stays inside it (no symlink leading out, no `objects/info/alternates`, no `.git` file
//! pointing elsewhere, not shallow).

use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use git2::{ErrorCode, Repository, RepositoryOpenFlags};

use crate::error::StoreError;
use crate::repo::MAIN_REF;
use crate::store::init_bare;

/// Copies all history of `source`'s `HEAD` into a new bare repository at `dest`.
pub(crate) fn copy_head_history(source: &Path, dest: &Path) -> Result<(), StoreError> {
    let reject = |reason: String| StoreError::ImportSource {
        path: source.display().to_string(),
        reason,
    };
    let git_dir = source_git_dir(source).map_err(reject)?;
    let src = Repository::open_ext(
        &git_dir,
        RepositoryOpenFlags::NO_SEARCH | RepositoryOpenFlags::BARE | RepositoryOpenFlags::NO_DOTGIT,
        std::iter::empty::<&OsStr>(),
    )
    .map_err(|e| match e.code() {
        ErrorCode::Owner => reject(
            "the repository belongs to another user; copy it (`git clone --mirror`) and import the copy".into(),
        ),
        _ => reject(format!("git cannot open it ({}); check it is a git repository", e.message())),
    })?;
    let head = match src.head() {
        Ok(head) => head,
        Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => {
            return Err(reject(
                "it has no commits yet; there is nothing to import".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let head = head.peel_to_commit()?.id();

    let mut walk = src.revwalk()?;
    walk.push(head)?;
    let mut pack = src.packbuilder()?;
    pack.insert_walk(&mut walk)?;

    let dest_repo = init_bare(dest)?;
    let odb = dest_repo.odb()?;
    let mut writer = odb.packwriter()?;
    let mut write_error = None;
    pack.foreach(|chunk| match writer.write_all(chunk) {
        Ok(()) => true,
        Err(e) => {
            write_error = Some(e);
            false
        }
    })?;
    if let Some(e) = write_error {
        return Err(e.into());
    }
    writer.commit()?;
    dest_repo.find_commit(head)?;
    dest_repo.reference(MAIN_REF, head, false, "import")?;
    Ok(())
}

/// The git directory of `source`, or why it cannot be imported (with what to do instead).
fn source_git_dir(source: &Path) -> Result<PathBuf, String> {
    let meta = fs::metadata(source).map_err(|e| format!("it cannot be read ({e})"))?;
    if !meta.is_dir() {
        return Err("it is not a directory; pass the repository folder".into());
    }
    let dot_git = source.join(".git");
    let git_dir = match fs::symlink_metadata(&dot_git) {
        Ok(m) if m.file_type().is_symlink() => {
            return Err("its `.git` is a symbolic link; import the repository it points to".into());
        }
        Ok(m) if m.is_dir() => dot_git,
        Ok(_) => {
            return Err(
                "its `.git` is a file (a linked worktree or submodule); import the main \
                        repository instead"
                    .into(),
            );
        }
        Err(_) => source.to_path_buf(),
    };
    for required in ["HEAD", "objects", "refs"] {
        if fs::symlink_metadata(git_dir.join(required)).is_err() {
            return Err(format!(
                "it is not a git repository (no `{required}`); pass a working repository or a bare \
                 `.git` folder"
            ));
        }
    }
    for refused in ["objects/info/alternates", "commondir", "shallow"] {
        if fs::symlink_metadata(git_dir.join(refused)).is_ok() {
            return Err(format!(
                "it depends on data outside itself (`{refused}`); make a standalone copy with \
                 `git clone --mirror --no-local` (and `git fetch --unshallow` if shallow) and import that"
            ));
        }
    }
    let root = git_dir
        .canonicalize()
        .map_err(|e| format!("it cannot be read ({e})"))?;
    check_no_escaping_links(&root, &root)?;
    Ok(root)
}

/// Fails on any symbolic link under `dir` that resolves outside `root` (or nowhere).
fn check_no_escaping_links(root: &Path, dir: &Path) -> Result<(), String> {
    let entries =
        fs::read_dir(dir).map_err(|e| format!("`{}` cannot be read ({e})", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("`{}` cannot be read ({e})", dir.display()))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| format!("`{}` cannot be read ({e})", path.display()))?;
        if kind.is_symlink() {
            let inside = path
                .canonicalize()
                .is_ok_and(|target| target.starts_with(root));
            if !inside {
                return Err(format!(
                    "`{}` is a symbolic link leading outside the repository; replace it with a copy",
                    path.display()
                ));
            }
        } else if kind.is_dir() {
            check_no_escaping_links(root, &path)?;
        }
    }
    Ok(())
}
