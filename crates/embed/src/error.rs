//! What can go wrong loading a model or embedding text.

use std::path::PathBuf;

/// An embedding failure.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// A model file is missing or unreadable.
    #[error(
        "cannot read model file {path}: {source} (run `scripts/fetch-model` to install the model)"
    )]
    ModelFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A model file is there but not what we expect.
    #[error("model {path} is not a usable sentence-embedding model: {reason}")]
    BadModel {
        /// The file or directory.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Tokenizing the input failed.
    #[error("cannot tokenize text: {0}")]
    Tokenize(String),
    /// The model computation failed.
    #[error("embedding computation failed: {0}")]
    Compute(#[from] candle_core::Error),
}
