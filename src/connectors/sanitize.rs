//! Ingestion-time sanitisation: every string field of every domain value a
//! connector returns goes through `domain::sanitize::clean` here, once.

use crate::domain::sanitize::clean;
use crate::domain::{
    ApprovalRequest, Campaign, InventoryLevel, MetricSample, SyncFailure, SyncJob,
};

pub trait Sanitize {
    fn sanitize(&mut self);
}

fn s(field: &mut String) {
    *field = clean(field);
}

fn opt(field: &mut Option<String>) {
    if let Some(v) = field {
        s(v);
    }
}

impl Sanitize for Campaign {
    fn sanitize(&mut self) {
        s(&mut self.id);
        s(&mut self.name);
        s(&mut self.owner);
        s(&mut self.provider);
        opt(&mut self.fallback);
        self.skus.iter_mut().for_each(s);
    }
}

impl Sanitize for MetricSample {
    fn sanitize(&mut self) {
        s(&mut self.campaign_id);
    }
}

impl Sanitize for SyncJob {
    fn sanitize(&mut self) {
        s(&mut self.id);
        s(&mut self.name);
        opt(&mut self.error);
    }
}

impl Sanitize for SyncFailure {
    fn sanitize(&mut self) {
        s(&mut self.job_id);
        s(&mut self.error);
    }
}

impl Sanitize for InventoryLevel {
    fn sanitize(&mut self) {
        s(&mut self.sku);
        s(&mut self.warehouse);
    }
}

impl Sanitize for ApprovalRequest {
    fn sanitize(&mut self) {
        s(&mut self.id);
        s(&mut self.campaign_id);
        s(&mut self.title);
        s(&mut self.requested_by);
        for step in &mut self.steps {
            s(&mut step.id);
            s(&mut step.name);
            s(&mut step.scope);
            step.approvers.iter_mut().for_each(s);
            for d in &mut step.decisions {
                s(&mut d.by);
                opt(&mut d.reason);
            }
        }
    }
}

impl<T: Sanitize> Sanitize for Vec<T> {
    fn sanitize(&mut self) {
        self.iter_mut().for_each(Sanitize::sanitize);
    }
}
