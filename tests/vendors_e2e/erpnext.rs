use mops::connectors::erpnext::ErpNextClient;
use mops::connectors::vendor::Supported;
use mops::connectors::{HttpError, Secret};
use mops::domain::{CommandKind, System, Verdict};
use mops::simulator::{Faults, SimDialect};
use serde_json::{Value, json};

use super::{backend, command, http, native, sim};

fn client(sim: &mops::simulator::SimHandle, token: &str) -> ErpNextClient {
    ErpNextClient::new(
        http(1),
        &sim.dialect_url(SimDialect::Erpnext),
        &Secret::new(token),
    )
}

#[tokio::test]
async fn bins_and_ledger_match_native_stock() {
    let sim = sim(20).await;
    let b = backend(&sim, SimDialect::Erpnext, 3);
    let mut got = b.stock().await.unwrap().items;
    let mut want = native(&sim).stock().await.unwrap().items;
    assert!(!want.is_empty());
    let key = |l: &mops::domain::InventoryLevel| (l.sku.clone(), l.warehouse.clone());
    got.sort_by_key(key);
    want.sort_by_key(key);
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(key(g), key(w));
        assert_eq!(
            (g.on_hand, g.reserved, g.projected),
            (w.on_hand, w.reserved, w.projected)
        );
        assert!(
            (g.daily_sell_through - w.daily_sell_through).abs() < 1e-6,
            "{g:?} vs {w:?}"
        );
    }
    sim.shutdown();
}

#[tokio::test]
async fn fields_filters_and_paging_follow_frappe() {
    let sim = sim(20).await;
    let token = format!("key:{}", sim.state().config().token);
    let c = client(&sim, &token);
    let rows: Vec<Value> = c
        .list(
            "Bin",
            &["item_code", "actual_qty"],
            json!([["item_code", "=", "SKU-1001"]]),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "one Bin per warehouse");
    assert!(
        rows.iter()
            .all(|r| r["item_code"] == "SKU-1001" && r.get("warehouse").is_none())
    );
    let page: Vec<Value> = c.list("Bin", &["name"], json!([]), &[]).await.unwrap();
    assert_eq!(page.len(), native(&sim).stock().await.unwrap().items.len());
    match c
        .list::<Value>("Bin", &["secret_field"], json!([]), &[])
        .await
        .unwrap_err()
    {
        HttpError::Api {
            status: 417,
            code,
            message,
            ..
        } => {
            assert_eq!(code, "DataError");
            assert!(
                message.contains("Field not permitted in query: secret_field"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    match c
        .list::<Value>("Sales Invoice", &["name"], json!([]), &[])
        .await
        .unwrap_err()
    {
        HttpError::Api {
            status: 404, code, ..
        } => assert_eq!(code, "DoesNotExistError"),
        other => panic!("{other:?}"),
    }
    sim.shutdown();
}

#[tokio::test]
async fn auth_errors_faults_and_unsupported_approvals() {
    let sim = sim(20).await;
    match client(&sim, "key:wrong").bins().await.unwrap_err() {
        HttpError::Api {
            status: 401, code, ..
        } => assert_eq!(code, "AuthenticationError"),
        other => panic!("{other:?}"),
    }
    let err = client(&sim, "no-colon").bins().await.unwrap_err();
    assert!(err.to_string().contains("key:secret"), "{err}");
    let b = backend(&sim, SimDialect::Erpnext, 1);
    match b.approvals().await.unwrap() {
        Supported::No(u) => assert!(
            u.to_string()
                .contains("ERPNext does not provide approval chains")
        ),
        Supported::Yes(_) => panic!("ERPNext has no approval chains"),
    }
    let decide = command(CommandKind::Decide {
        request_id: "r".into(),
        step_id: "s".into(),
        verdict: Verdict::Approve,
    });
    assert!(
        b.execute(&decide)
            .await
            .unwrap_err()
            .to_string()
            .contains("ERPNext")
    );
    sim.set_faults(
        System::Erp,
        Faults {
            rate_limit: Some(1),
            ..Faults::default()
        },
    );
    match b.stock().await.unwrap_err() {
        HttpError::RateLimited { .. } => {}
        other => panic!("{other:?}"),
    }
    sim.set_faults(
        System::Erp,
        Faults {
            outage: true,
            ..Faults::default()
        },
    );
    // A fresh client: the first one now holds requests until the 429 window ends.
    let b = backend(&sim, SimDialect::Erpnext, 1);
    match b.stock().await.unwrap_err() {
        HttpError::Api {
            status: 503, code, ..
        } => assert_eq!(code, "ServerError"),
        other => panic!("{other:?}"),
    }
    sim.shutdown();
}
