//! `Backend`: the native client or a vendor connector per system, behind
//! the method names the pollers and the dispatcher already use.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{CrmFlavour, ErpFlavour, Flavours, MarketingFlavour, Supported, Unsupported};
use crate::connectors::airbyte::AirbyteClient;
use crate::connectors::erpnext::{self, ErpNextClient};
use crate::connectors::hubspot::HubSpotClient;
use crate::connectors::mautic::MauticClient;
use crate::connectors::{
    CommandOutcome, Endpoints, HttpClient, HttpError, Listed, NativeClient, Secret,
};
use crate::domain::{
    ApprovalRequest, Campaign, CommandKind, InventoryLevel, MetricSample, OperatorCommand,
    SyncFailure, SyncJob,
};

enum Marketing {
    Native,
    Mautic(MauticClient),
    HubSpot(HubSpotClient),
}

enum Crm {
    Native,
    Airbyte(AirbyteClient),
}

enum Erp {
    Native,
    ErpNext(ErpNextClient),
}

/// Per-system credentials when vendors do not share the profile's token.
#[derive(Debug, Clone, Default)]
pub struct VendorTokens {
    pub marketing: Option<Secret>,
    pub crm: Option<Secret>,
    pub erp: Option<Secret>,
}

pub struct Backend {
    native: NativeClient,
    flavours: Flavours,
    marketing: Marketing,
    crm: Crm,
    erp: Erp,
}

impl From<NativeClient> for Backend {
    fn from(client: NativeClient) -> Backend {
        Backend::native(client)
    }
}

impl Backend {
    /// Every system on the native contract.
    pub fn native(client: NativeClient) -> Backend {
        Backend {
            native: client,
            flavours: Flavours::default(),
            marketing: Marketing::Native,
            crm: Crm::Native,
            erp: Erp::Native,
        }
    }

    /// One connector per system as `flavours` says; each vendor uses its
    /// system's URL from `ep` and its token from `tokens` (else `ep.token`).
    pub fn new(
        http: Arc<HttpClient>,
        ep: Endpoints,
        flavours: Flavours,
        tokens: VendorTokens,
    ) -> Backend {
        let pick = |t: &Option<Secret>| t.clone().unwrap_or_else(|| ep.token.clone());
        let marketing = match flavours.marketing {
            MarketingFlavour::Native => Marketing::Native,
            MarketingFlavour::Mautic => Marketing::Mautic(MauticClient::new(
                http.clone(),
                &ep.marketing,
                &pick(&tokens.marketing),
            )),
            MarketingFlavour::Hubspot => Marketing::HubSpot(HubSpotClient::new(
                http.clone(),
                &ep.marketing,
                &pick(&tokens.marketing),
            )),
        };
        let crm = match flavours.crm {
            CrmFlavour::Native => Crm::Native,
            CrmFlavour::Airbyte => Crm::Airbyte(AirbyteClient::new(
                http.clone(),
                &ep.crm,
                &pick(&tokens.crm),
            )),
        };
        let erp = match flavours.erp {
            ErpFlavour::Native => Erp::Native,
            ErpFlavour::Erpnext => Erp::ErpNext(ErpNextClient::new(
                http.clone(),
                &ep.erp,
                &pick(&tokens.erp),
            )),
        };
        Backend {
            native: NativeClient::new(http, ep),
            flavours,
            marketing,
            crm,
            erp,
        }
    }

    pub fn flavours(&self) -> Flavours {
        self.flavours
    }

    pub fn endpoints(&self) -> &Endpoints {
        self.native.endpoints()
    }

    /// What the configured vendors cannot do, for the UI to show once.
    pub fn unsupported(&self) -> Vec<Unsupported> {
        let mut out = Vec::new();
        let fallback = |vendor| Unsupported {
            vendor,
            capability: "fallbacks",
            note: "switching provider or content is not exposed by its API".into(),
        };
        match self.marketing {
            Marketing::Native => {}
            Marketing::Mautic(_) => out.push(fallback("Mautic")),
            Marketing::HubSpot(_) => {
                out.push(fallback("HubSpot"));
                out.push(Unsupported {
                    vendor: "HubSpot",
                    capability: "campaign pause",
                    note: "pause/resume unpublish/publish the campaign's automated emails".into(),
                });
            }
        }
        if let Erp::ErpNext(_) = self.erp {
            out.push(erpnext::no_approvals());
        }
        out
    }

    pub async fn campaigns(&self) -> Result<Listed<Campaign>, HttpError> {
        match &self.marketing {
            Marketing::Native => self.native.campaigns().await,
            Marketing::Mautic(c) => c.campaigns().await,
            Marketing::HubSpot(c) => c.campaigns().await,
        }
    }

    /// Hourly buckets newer than `since` (exclusive).
    pub async fn metrics_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Listed<MetricSample>, HttpError> {
        match &self.marketing {
            Marketing::Native => self.native.metrics_since(since).await,
            Marketing::Mautic(c) => c.metrics_since(since).await,
            Marketing::HubSpot(c) => c.metrics_since(since).await,
        }
    }

    pub async fn sync_jobs(&self) -> Result<(Listed<SyncJob>, Vec<SyncFailure>), HttpError> {
        match &self.crm {
            Crm::Native => self.native.sync_jobs().await,
            Crm::Airbyte(c) => c.sync_jobs().await,
        }
    }

    pub async fn stock(&self) -> Result<Listed<InventoryLevel>, HttpError> {
        match &self.erp {
            Erp::Native => self.native.stock().await,
            Erp::ErpNext(c) => c.stock().await,
        }
    }

    /// Pending approvals, or an explicit "this ERP has none to offer".
    pub async fn approvals(&self) -> Result<Supported<Listed<ApprovalRequest>>, HttpError> {
        match &self.erp {
            Erp::Native => self.native.approvals().await.map(Supported::Yes),
            Erp::ErpNext(c) => Ok(c.approvals()),
        }
    }

    /// The exact request(s) a command turns into. Vendor lines start with
    /// the HTTP method; HubSpot's body carries a `capability_note`.
    pub fn request_for(&self, cmd: &OperatorCommand) -> Result<(String, Value), HttpError> {
        match (&cmd.kind, &self.marketing, &self.crm, &self.erp) {
            (
                CommandKind::Pause { .. }
                | CommandKind::Resume { .. }
                | CommandKind::Fallback { .. }
                | CommandKind::Throttle { .. },
                m,
                _,
                _,
            ) => match m {
                Marketing::Native => self.native.request_for(cmd),
                Marketing::Mautic(c) => c.request_for(cmd),
                Marketing::HubSpot(c) => c.request_for(cmd),
            },
            (CommandKind::RetrySync { .. }, _, Crm::Airbyte(c), _) => c.request_for(cmd),
            (CommandKind::Decide { .. }, _, _, Erp::ErpNext(_)) => {
                Err(erpnext::no_approvals().into_error())
            }
            _ => self.native.request_for(cmd),
        }
    }

    /// Send one command once (see `NativeClient::execute` for the contract).
    pub async fn execute(&self, cmd: &OperatorCommand) -> Result<CommandOutcome, HttpError> {
        match (&cmd.kind, &self.marketing, &self.crm, &self.erp) {
            (
                CommandKind::Pause { .. }
                | CommandKind::Resume { .. }
                | CommandKind::Fallback { .. }
                | CommandKind::Throttle { .. },
                m,
                _,
                _,
            ) => match m {
                Marketing::Native => self.native.execute(cmd).await,
                Marketing::Mautic(c) => c.execute(cmd).await,
                Marketing::HubSpot(c) => c.execute(cmd).await,
            },
            (CommandKind::RetrySync { .. }, _, Crm::Airbyte(c), _) => c.execute(cmd).await,
            (CommandKind::Decide { .. }, _, _, Erp::ErpNext(_)) => {
                Err(erpnext::no_approvals().into_error())
            }
            _ => self.native.execute(cmd).await,
        }
    }
}
