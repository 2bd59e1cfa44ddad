//! A three-way merge of one text that always produces something a person can edit: where both
//! sides changed the same lines, git's conflict markers hold both versions. Used to show someone
//! whose save was refused what they wrote and what changed meanwhile, merged as far as git can.

use crate::error::StoreError;

/// The label of the person's own text in the markers (`<<<<<<< your edit`).
pub const YOUR_LABEL: &str = "your edit";
/// The label of the page as it is now (`>>>>>>> current page`).
pub const CURRENT_LABEL: &str = "current page";

/// The merge of two edits of one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedText {
    /// The merged text, with conflict markers where the edits overlap.
    pub text: String,
    /// True when nothing overlapped (no markers).
    pub clean: bool,
}

/// Merges `yours` and `current`, both edited from `base`, line by line (git's merge, diff3 style
/// off, markers labelled [`YOUR_LABEL`] and [`CURRENT_LABEL`]).
pub fn merge_text(base: &str, yours: &str, current: &str) -> Result<MergedText, StoreError> {
    // `git2::merge_file` does not initialise libgit2 itself (opening a repository does): in a
    // process whose first git call is this one it fails with "no error". `Buf::new` initialises
    // it (once per process).
    drop(git2::Buf::new());
    fn input(text: &str) -> git2::MergeFileInput<'_> {
        let mut input = git2::MergeFileInput::new();
        input.content(text.as_bytes());
        input
    }
    let mut options = git2::MergeFileOptions::new();
    options.our_label(YOUR_LABEL).their_label(CURRENT_LABEL);
    let merged = git2::merge_file(
        &input(base),
        &input(yours),
        &input(current),
        Some(&mut options),
    )?;
    Ok(MergedText {
        text: String::from_utf8_lossy(merged.content()).into_owned(),
        clean: merged.is_automergeable(),
    })
}

/// Whether `text` still holds the markers [`merge_text`] writes (a save of it would publish them).
pub fn has_conflict_markers(text: &str) -> bool {
    let opens = format!("<<<<<<< {YOUR_LABEL}");
    let closes = format!(">>>>>>> {CURRENT_LABEL}");
    text.lines().any(|l| l == opens) && text.lines().any(|l| l == closes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disjoint_edits_merge_cleanly() {
        let base = "one\ntwo\nthree\nfour\nfive\n";
        let yours = "ONE\ntwo\nthree\nfour\nfive\n";
        let current = "one\ntwo\nthree\nfour\nFIVE\n";
        let merged = merge_text(base, yours, current).expect("merge");
        assert!(merged.clean);
        assert_eq!(merged.text, "ONE\ntwo\nthree\nfour\nFIVE\n");
        assert!(!has_conflict_markers(&merged.text));
    }

    #[test]
    fn overlapping_edits_keep_both_versions_between_markers() {
        let base = "intro\nthe line\noutro\n";
        let yours = "intro\nmy line\noutro\n";
        let current = "intro\ntheir line\noutro\n";
        let merged = merge_text(base, yours, current).expect("merge");
        assert!(!merged.clean);
        assert!(
            merged.text.contains(
                "<<<<<<< your edit\nmy line\n=======\ntheir line\n>>>>>>> current page\n"
            ),
            "{}",
            merged.text
        );
        assert!(merged.text.starts_with("intro\n") && merged.text.ends_with("outro\n"));
        assert!(has_conflict_markers(&merged.text));
        assert!(!has_conflict_markers("a <<<<<<< your edit in prose\n"));
    }
}
