use std::time::Duration;

use super::support;
use super::tmux::{Tmux, mops_bin};

/// In a production profile without --yes, a terminal asks for the target id;
/// a wrong answer refuses, the right one goes ahead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_asks_to_type_the_campaign_id_on_a_terminal() {
    let mut env = support::start(true).await;
    env.with_config("production = true");
    let config = env.config.clone().unwrap();
    let line = format!(
        "MOPS_MARKETING_URL={} MOPS_CRM_URL={} MOPS_ERP_URL={} MOPS_TOKEN=demo-token \
         MOPS_ACTOR=ana {} --config {} --data-dir {} pause cmp-0001 --reason tty; echo EXIT=$?",
        env.sim.marketing_url(),
        env.sim.crm_url(),
        env.sim.erp_url(),
        mops_bin(),
        config.display(),
        env.data_dir().display()
    );
    tokio::task::block_in_place(|| {
        let t = Tmux::start(200, 30);
        let ask = |answer: &str, exit: &str| {
            t.run("clear");
            t.wait_for_prompt();
            t.run(&line);
            t.wait_for("the confirmation prompt", Duration::from_secs(20), |s| {
                s.contains("Type \"cmp-0001\" to confirm")
            });
            t.run(answer);
            t.wait_for(exit, Duration::from_secs(20), |s| s.contains(exit))
        };
        let screen = ask("cmp-0002", "EXIT=2");
        assert!(screen.contains("refused"), "{screen}");
        let screen = ask("cmp-0001", "EXIT=0");
        assert!(screen.contains("applied: pause cmp-0001"), "{screen}");
    });
    assert_eq!(
        support::campaign(&env, "cmp-0001").await["status"],
        "paused"
    );
}
