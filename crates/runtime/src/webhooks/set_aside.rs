//! Webhook records set aside after failing runs (see the store's `webhook_queue`): listed, put
//! back in the queue, or deleted, by flow.

use sluice_store::SetAsideRecord;

use crate::{Result, Sluice};

impl Sluice {
    /// The records set aside for a flow (by name or id), oldest first.
    pub fn set_aside_webhook_records(&self, flow: &str) -> Result<Vec<SetAsideRecord>> {
        let flow_id = self.find_flow(flow)?.flow.id;
        Ok(self.store.set_aside_webhook_records(&flow_id)?)
    }

    /// Puts a flow's set-aside records back at the front of its queue, as if new: they run
    /// with the flow's next webhook request, or when Sluice (studio or daemon) next starts.
    /// Returns how many.
    pub fn requeue_webhook_records(&self, flow: &str) -> Result<usize> {
        let flow_id = self.find_flow(flow)?.flow.id;
        Ok(self.store.requeue_set_aside_webhook_records(&flow_id)?)
    }

    /// Deletes a flow's set-aside records. Returns how many.
    pub fn delete_set_aside_webhook_records(&self, flow: &str) -> Result<usize> {
        let flow_id = self.find_flow(flow)?.flow.id;
        Ok(self.store.delete_set_aside_webhook_records(&flow_id)?)
    }
}
