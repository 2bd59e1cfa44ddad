//! all-MiniLM-L6-v2, the sentence-transformers model, run by candle on the CPU.
//!
//! The sentence-transformers recipe: BERT over at most 256 word pieces, mean of the token
//! vectors weighted by the attention mask, then L2 normalisation.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use sha2::{Digest, Sha256};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

use crate::error::EmbedError;
use crate::{Embedder, normalize};

/// The directory name `scripts/fetch-model` installs the model under (inside `data/models`).
pub const MODEL_DIR_NAME: &str = "all-MiniLM-L6-v2";
/// The model's token window (sentence-transformers' `max_seq_length`).
const MAX_TOKENS: usize = 256;
/// Characters that fit in [`MAX_TOKENS`] for English prose (about four per word piece, with room
/// for markup, which tokenizes densely).
const MAX_INPUT_CHARS: usize = 900;

/// all-MiniLM-L6-v2 loaded from a directory holding `config.json`, `tokenizer.json` and
/// `model.safetensors`.
pub struct MiniLm {
    model: BertModel,
    tokenizer: Tokenizer,
    model_id: String,
    dimensions: usize,
    /// Embedding saturates every core it gets; a bounded pool leaves the rest to requests.
    /// Queries (someone is waiting) run here at normal priority.
    pool: rayon::ThreadPool,
    /// Indexing runs here, on threads of the lowest scheduling priority ([`BACKGROUND_NICE`]),
    /// so page views and queries take the CPU first while a large wiki embeds.
    background: rayon::ThreadPool,
}

/// The nice value of background embedding threads (19 is the lowest priority).
pub const BACKGROUND_NICE: i32 = 19;

impl std::fmt::Debug for MiniLm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MiniLm")
            .field("model_id", &self.model_id)
            .field("threads", &self.pool.current_num_threads())
            .finish_non_exhaustive()
    }
}

impl MiniLm {
    /// Loads the model from `dir`, computing with at most `threads` threads (at least one).
    pub fn load(dir: &Path, threads: usize) -> Result<MiniLm, EmbedError> {
        let config_path = dir.join("config.json");
        let config: Config =
            serde_json::from_slice(&read(&config_path)?).map_err(|e| EmbedError::BadModel {
                path: config_path.clone(),
                reason: e.to_string(),
            })?;
        let tokenizer_path = dir.join("tokenizer.json");
        let tokenizer = load_tokenizer(&tokenizer_path)?;
        let weights_path = dir.join("model.safetensors");
        let weights = read(&weights_path)?;
        let digest = hex::encode(Sha256::digest(&weights));
        let model_id = format!("all-MiniLM-L6-v2@{}", &digest[..12]);
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu)?;
        let model = BertModel::load(vb, &config).map_err(|e| EmbedError::BadModel {
            path: weights_path.clone(),
            reason: e.to_string(),
        })?;
        let cannot_start = |e: rayon::ThreadPoolBuildError| EmbedError::BadModel {
            path: dir.to_path_buf(),
            reason: format!("cannot start embedding threads: {e}"),
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("embed-{i}"))
            .build()
            .map_err(cannot_start)?;
        let background = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("embed-bg-{i}"))
            .start_handler(|_| lower_this_threads_priority())
            .build()
            .map_err(cannot_start)?;
        Ok(MiniLm {
            model,
            tokenizer,
            model_id,
            dimensions: config.hidden_size,
            pool,
            background,
        })
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| EmbedError::Tokenize(e.to_string()))?;
        let rows = encodings.len();
        let width = encodings.first().map_or(0, |e| e.get_ids().len());
        let mut ids = Vec::with_capacity(rows * width);
        let mut mask = Vec::with_capacity(rows * width);
        for encoding in &encodings {
            ids.extend_from_slice(encoding.get_ids());
            mask.extend_from_slice(encoding.get_attention_mask());
        }
        let device = &self.model.device;
        let ids = Tensor::from_vec(ids, (rows, width), device)?;
        let mask = Tensor::from_vec(mask, (rows, width), device)?;
        let token_types = ids.zeros_like()?;
        let hidden = self.model.forward(&ids, &token_types, Some(&mask))?;
        // Mean over the real tokens only: padding must not pull short texts towards each other.
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
        let counts = mask.sum(1)?.clamp(1e-9f32, f32::MAX)?;
        let pooled = summed.broadcast_div(&counts)?;
        let mut vectors: Vec<Vec<f32>> = pooled.to_vec2()?;
        vectors.iter_mut().for_each(|v| normalize(v));
        Ok(vectors)
    }
}

impl Embedder for MiniLm {
    fn model_id(&self) -> &str {
        &self.model_id
    }

    fn dimensions(&self) -> usize {
        self.dimensions
    }

    fn max_input_chars(&self) -> usize {
        MAX_INPUT_CHARS
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        self.pool.install(|| self.embed_batch(texts))
    }

    fn embed_in_background(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        self.background.install(|| self.embed_batch(texts))
    }
}

/// Gives the calling thread the lowest scheduling priority. On Linux the nice value is a
/// per-thread attribute, so `setpriority(PRIO_PROCESS, 0)` from a thread changes only that
/// thread. Failing only costs readers some speed, so it is logged, not fatal.
fn lower_this_threads_priority() {
    if let Err(err) = rustix::process::setpriority_process(None, BACKGROUND_NICE) {
        tracing::warn!(%err, "cannot lower the priority of a background embedding thread");
    }
}

fn read(path: &Path) -> Result<Vec<u8>, EmbedError> {
    std::fs::read(path).map_err(|source| EmbedError::ModelFile {
        path: path.to_path_buf(),
        source,
    })
}

fn load_tokenizer(path: &Path) -> Result<Tokenizer, EmbedError> {
    let bad = |reason: String| EmbedError::BadModel {
        path: path.to_path_buf(),
        reason,
    };
    let mut tokenizer = Tokenizer::from_bytes(read(path)?).map_err(|e| bad(e.to_string()))?;
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length: MAX_TOKENS,
            ..TruncationParams::default()
        }))
        .map_err(|e| bad(e.to_string()))?;
    tokenizer.with_padding(Some(PaddingParams {
        strategy: PaddingStrategy::BatchLongest,
        ..PaddingParams::default()
    }));
    Ok(tokenizer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dot;
    use std::path::PathBuf;

    /// The model installed by `scripts/fetch-model` (the test command runs it first).
    fn model() -> MiniLm {
        let dir = std::env::var_os("ROBOT_MODEL_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/models/all-MiniLM-L6-v2")
            });
        MiniLm::load(&dir, 2).unwrap_or_else(|e| {
            panic!("{e}\n(set ROBOT_MODEL_DIR or run scripts/fetch-model data/models)")
        })
    }

    #[test]
    fn background_embedding_runs_at_the_lowest_priority_and_gives_the_same_vectors() {
        let model = model();
        let nice = model
            .background
            .install(|| rustix::process::getpriority_process(None))
            .expect("getpriority");
        assert_eq!(nice, BACKGROUND_NICE, "indexing threads yield to requests");
        let foreground = model
            .pool
            .install(|| rustix::process::getpriority_process(None))
            .expect("getpriority");
        assert!(
            foreground < BACKGROUND_NICE,
            "query threads keep their priority"
        );
        let texts = ["reset my password", "the recipe needs two eggs"];
        let now = model.embed(&texts).expect("embed");
        let later = model.embed_in_background(&texts).expect("embed");
        for (a, b) in now.iter().zip(&later) {
            assert!(dot(a, b) > 0.9999);
        }
    }

    #[test]
    fn paraphrases_score_far_above_unrelated_text() {
        let model = model();
        assert_eq!(model.dimensions(), 384);
        assert!(model.model_id().starts_with("all-MiniLM-L6-v2@"));
        let v = model
            .embed(&[
                "reset my password",
                "change the account password",
                "the recipe needs two eggs and flour",
            ])
            .expect("embed");
        let similar = dot(&v[0], &v[1]);
        let unrelated = dot(&v[0], &v[2]);
        assert!(similar > 0.6, "paraphrase similarity {similar}");
        assert!(unrelated < 0.2, "unrelated similarity {unrelated}");
        for vector in &v {
            assert!((dot(vector, vector) - 1.0).abs() < 1e-4);
        }
    }

    #[test]
    fn a_text_embeds_the_same_alone_and_padded_in_a_batch() {
        let model = model();
        let alone = model.embed(&["short text"]).expect("embed");
        let batch = model
            .embed(&[
                "short text",
                &"a much longer neighbour sentence ".repeat(20),
            ])
            .expect("embed");
        assert!(dot(&alone[0], &batch[0]) > 0.9999);
    }

    #[test]
    fn a_missing_model_says_how_to_install_it() {
        let err = MiniLm::load(Path::new("/nonexistent/model"), 1).expect_err("no model");
        assert!(err.to_string().contains("scripts/fetch-model"), "{err}");
    }
}
