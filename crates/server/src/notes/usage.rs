//! The wiki's storage against its quota.

use super::{Notes, NotesResult};
use crate::limits::quota::{UsageReport, report};

impl Notes<'_> {
    /// The repository's size and page count now, with the wiki's quota. Needs read access.
    pub async fn usage(&self) -> NotesResult<UsageReport> {
        self.require_read()?;
        Ok(report(self.state, &self.ctx.wiki).await?)
    }
}
