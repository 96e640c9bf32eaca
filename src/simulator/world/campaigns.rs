//! Campaign state seen and changed through the marketing API: status,
//! live spend, providers, pause / resume and fallbacks.

use chrono::Duration;

use super::catalog::{self, PROVIDERS};
use super::metrics::{Pause, hour_floor};
use super::{ProviderStatus, World, WorldError, ctx};
use crate::domain::{Campaign, CampaignStatus, Channel, FallbackKind};

impl World {
    fn status(&self, i: usize) -> CampaignStatus {
        let (spec, now) = (&self.catalog.campaigns[i], self.now);
        if spec.draft {
            CampaignStatus::Draft
        } else if now < spec.start {
            CampaignStatus::Scheduled
        } else if now >= spec.end {
            CampaignStatus::Completed
        } else if self.states[i]
            .pauses
            .last()
            .is_some_and(|p| p.to.is_none() && p.from <= now)
        {
            CampaignStatus::Paused
        } else {
            CampaignStatus::Active
        }
    }

    pub fn campaign(&mut self, i: usize) -> Campaign {
        let now = self.now;
        let spec = &self.catalog.campaigns[i];
        let current = hour_floor(now);
        let c = ctx((&self.catalog, &self.states, &self.incidents, self.seed), i);
        let (until, closed) = &mut self.spend_cache[i];
        while *until < current && *until < spec.end {
            *closed += c.spend(*until, *until, *until + Duration::hours(1));
            *until += Duration::hours(1);
        }
        let spend = *closed + c.spend(current, current, now);
        let provider = c.provider_at(now);
        let st = &self.states[i];
        let updated_at = [Some(spec.start), Some(spec.end), st.updated_at]
            .into_iter()
            .flatten()
            .filter(|t| *t <= now)
            .max()
            .unwrap_or(spec.start - Duration::days(1));
        Campaign {
            id: spec.id.clone(),
            name: spec.name.clone(),
            channel: spec.channel,
            status: self.status(i),
            owner: spec.owner.into(),
            budget: spec.budget,
            spend: (spend * 100.0).round() / 100.0,
            start: spec.start,
            end: spec.end,
            skus: spec.skus.iter().map(|s| catalog::sku_id(*s)).collect(),
            provider: provider.into(),
            fallback: st.fallback.as_ref().map(|(k, _, _)| k.as_str().to_string()),
            updated_at,
        }
    }

    pub fn find_campaign(&self, id: &str) -> Result<usize, WorldError> {
        self.catalog
            .find(id)
            .ok_or_else(|| WorldError::NotFound(format!("no campaign {id}")))
    }

    pub fn providers(&self) -> Vec<ProviderStatus> {
        let now = self.now;
        PROVIDERS
            .iter()
            .map(|name| {
                let windows = self
                    .incidents
                    .outages
                    .iter()
                    .filter(|(p, _)| p == name)
                    .map(|(_, w)| w);
                let down = windows
                    .clone()
                    .filter(|w| w.contains(now))
                    .map(|w| w.from)
                    .max();
                let ended = windows.filter_map(|w| w.to).filter(|t| *t <= now).max();
                ProviderStatus {
                    name: name.to_string(),
                    status: if down.is_some() { "down" } else { "up" }.into(),
                    since: down.or(ended).unwrap_or(self.start - Duration::days(30)),
                }
            })
            .collect()
    }

    pub fn pause(&mut self, id: &str, actor: &str) -> Result<Campaign, WorldError> {
        let i = self.find_campaign(id)?;
        let status = self.status(i);
        if status != CampaignStatus::Active {
            let by_at = self.states[i]
                .pauses
                .last()
                .filter(|_| status == CampaignStatus::Paused)
                .map(|p| (p.by.clone(), p.from));
            return Err(WorldError::conflict(
                format!("campaign {id} is {}", status.as_str()),
                status.as_str(),
                by_at,
            ));
        }
        let now = self.now;
        self.states[i].pauses.push(Pause {
            from: now,
            by: actor.into(),
            to: None,
        });
        self.states[i].updated_at = Some(now);
        Ok(self.campaign(i))
    }

    pub fn resume(&mut self, id: &str, actor: &str) -> Result<Campaign, WorldError> {
        let i = self.find_campaign(id)?;
        let status = self.status(i);
        if status != CampaignStatus::Paused {
            let by_at = self.states[i]
                .pauses
                .last()
                .and_then(|p| p.to.clone())
                .map(|(at, by)| (by, at));
            return Err(WorldError::conflict(
                format!("campaign {id} is not paused but {}", status.as_str()),
                status.as_str(),
                by_at,
            ));
        }
        let now = self.now;
        if let Some(p) = self.states[i].pauses.last_mut() {
            p.to = Some((now, actor.into()));
        }
        self.states[i].updated_at = Some(now);
        Ok(self.campaign(i))
    }

    pub fn throttle(&mut self, id: &str, percent: u8, actor: &str) -> Result<Campaign, WorldError> {
        let i = self.find_campaign(id)?;
        if percent > 100 {
            return Err(WorldError::Invalid {
                message: format!("percent must be 0..=100, got {percent}"),
                details: serde_json::json!({ "percent": percent }),
            });
        }
        let now = self.now;
        let st = &mut self.states[i];
        let current = st.throttles.last().map_or(100, |(_, p, _)| *p);
        if current == percent {
            let by_at = st.throttles.last().map(|(at, _, by)| (by.clone(), *at));
            return Err(WorldError::conflict(
                format!("campaign {id} already runs at {percent}%"),
                &format!("{percent}%"),
                by_at,
            ));
        }
        st.throttles.push((now, percent, actor.into()));
        st.updated_at = Some(now);
        Ok(self.campaign(i))
    }

    /// Current send-rate limit in percent of plan (100 = none).
    pub fn throttle_percent(&self, index: usize) -> u8 {
        self.states
            .get(index)
            .and_then(|s| s.throttles.last())
            .map_or(100, |(_, p, _)| *p)
    }

    pub fn fallback(
        &mut self,
        id: &str,
        kind: FallbackKind,
        actor: &str,
    ) -> Result<Campaign, WorldError> {
        let i = self.find_campaign(id)?;
        let now = self.now;
        let st = &mut self.states[i];
        if let Some((k, at, by)) = st.fallback.as_ref().filter(|(k, _, _)| *k == kind) {
            return Err(WorldError::conflict(
                format!("fallback {} already engaged on {id}", k.as_str()),
                k.as_str(),
                Some((by.clone(), *at)),
            ));
        }
        st.fallback = Some((kind, now, actor.into()));
        st.updated_at = Some(now);
        if kind == FallbackKind::BackupProvider
            && self.catalog.campaigns[i].channel == Channel::Email
        {
            st.switch_at.get_or_insert(now);
        }
        Ok(self.campaign(i))
    }
}
