//! The one hook for "a wiki changed": listeners added by the server, shared by every repository
//! handle.

use std::sync::{Arc, RwLock};

type Listener = Arc<dyn Fn(&str) + Send + Sync>;

/// Who to tell that a wiki changed. Cloning shares the listeners, so a listener added after
/// handles were opened still hears them.
#[derive(Clone, Default)]
pub(crate) struct CommitObserver(Arc<RwLock<Vec<Listener>>>);

impl std::fmt::Debug for CommitObserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CommitObserver")
    }
}

impl CommitObserver {
    pub(crate) fn add(&self, listen: impl Fn(&str) + Send + Sync + 'static) {
        if let Ok(mut listeners) = self.0.write() {
            listeners.push(Arc::new(listen));
        }
    }

    /// Tells every listener that wiki `slug` changed. Listeners must be quick (send on a
    /// channel): this runs on the writer's thread.
    pub(crate) fn notify(&self, slug: &str) {
        let listeners = self.0.read().map(|l| l.clone()).unwrap_or_default();
        for listen in listeners {
            listen(slug);
        }
    }
}
