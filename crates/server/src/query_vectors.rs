//! Query embeddings, cached: agents repeat queries, and embedding one costs milliseconds of CPU
//! while a cache hit costs a hash lookup.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use robot_embed::Embedder;

use crate::notes::NotesError;

/// Queries remembered; the cache is emptied when full (simple, and queries repeat in bursts).
const CAPACITY: usize = 1024;

/// (model id, query text).
type Key = (String, String);

/// Cached query vectors, keyed by model and query text.
#[derive(Debug, Default)]
pub struct QueryVectors(Mutex<HashMap<Key, Arc<Vec<f32>>>>);

impl QueryVectors {
    /// The vector of `query` from `embedder`, computed off the async runtime on a miss.
    pub async fn embed(
        &self,
        embedder: &Arc<dyn Embedder>,
        query: &str,
    ) -> Result<Arc<Vec<f32>>, NotesError> {
        let key = (embedder.model_id().to_string(), query.to_string());
        if let Some(hit) = self.0.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(hit);
        }
        let vector = {
            let embedder = Arc::clone(embedder);
            let query = query.to_string();
            tokio::task::spawn_blocking(move || embedder.embed(&[&query]))
                .await
                .map_err(NotesError::internal)?
                .map_err(NotesError::internal)?
        };
        let vector = Arc::new(vector.into_iter().next().unwrap_or_default());
        if let Ok(mut map) = self.0.lock() {
            if map.len() >= CAPACITY {
                map.clear();
            }
            map.insert(key, Arc::clone(&vector));
        }
        Ok(vector)
    }
}
