//! The one hook for "a wiki changed": set once by the server, shared by every repository handle.

use std::sync::{Arc, RwLock};

type Listener = Arc<dyn Fn(&str) + Send + Sync>;

/// Who to tell that a wiki changed. Cloning shares the listener slot, so a listener set after
/// handles were opened still hears them.
#[derive(Clone, Default)]
pub(crate) struct CommitObserver(Arc<RwLock<Option<Listener>>>);

impl std::fmt::Debug for CommitObserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CommitObserver")
    }
}

impl CommitObserver {
    pub(crate) fn set(&self, listen: impl Fn(&str) + Send + Sync + 'static) {
        if let Ok(mut slot) = self.0.write() {
            *slot = Some(Arc::new(listen));
        }
    }

    /// Tells the listener, if any, that wiki `slug` changed. Listeners must be quick (send on a
    /// channel): this runs on the writer's thread.
    pub(crate) fn notify(&self, slug: &str) {
        let listener = self.0.read().ok().and_then(|slot| slot.clone());
        if let Some(listen) = listener {
            listen(slug);
        }
    }
}
