//! Rendering cost at scale and bytes on the wire.
//!
//! - `render/campaigns_10k_200x50`, `render/overview_10k_200x50`: one frame
//!   (render plus ratatui's buffer diff) with 10,000 campaigns, analytics
//!   evaluated, into a TestBackend.
//! - Bytes written to a terminal per minute of steady-state monitoring: 60
//!   one-second ticks through a CrosstermBackend over a counting sink, with
//!   synchronized output as the app draws it; marketing data changes every
//!   5 s and CRM/ERP every 10 s (the default poll intervals). Printed once,
//!   for the normal and the low-bandwidth mode (which draws on data changes
//!   only, with a minute clock).
//!
//! Run briefly: `cargo bench --bench render -- --warm-up-time 1 --measurement-time 3`.

use std::cell::Cell;
use std::hint::black_box;
use std::io::Write;
use std::rc::Rc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use mops::app::{AppContext, AppState, View, refresh_derived};
use mops::domain::snapshot::HourBucket;
use mops::domain::{Campaign, CampaignStatus, Channel, Freshness, Snapshot, System};
use mops::terminal::SyncOutput;
use mops::ui::{self, theme::Theme};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

const N: usize = 10_000;
const W: u16 = 200;
const H: u16 = 50;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0)
        .single()
        .expect("valid time")
}

fn snapshot(n: usize) -> Snapshot {
    let now = t0();
    let channels = [Channel::Email, Channel::Sms, Channel::Push, Channel::Social];
    let mut s = Snapshot::default();
    for i in 0..n {
        let id = format!("cmp-{i:05}");
        s.campaigns.push(Campaign {
            id: id.clone(),
            name: format!(
                "Campaign {i} {}",
                ["Spring Sale", "Winter Launch", "VIP"][i % 3]
            ),
            channel: channels[i % channels.len()],
            status: if i % 17 == 0 {
                CampaignStatus::Paused
            } else {
                CampaignStatus::Active
            },
            owner: "ana".into(),
            budget: 10_000.0,
            spend: 1_000.0 + (i % 900) as f64,
            start: now - Duration::days(14),
            end: now + Duration::days(14),
            skus: vec![],
            provider: "sendgrid".into(),
            fallback: None,
            updated_at: now,
        });
        let history = (0..48)
            .map(|h| {
                let sends = 500.0 + ((h * 7 + i * 13) % 97) as f64;
                HourBucket {
                    ts: now - Duration::hours(48 - h as i64),
                    values: [
                        sends,
                        sends * 0.97,
                        sends * 0.25,
                        sends * 0.03,
                        sends * 0.01,
                        1.0,
                        2.0,
                        sends * 0.05,
                    ],
                }
            })
            .collect();
        s.history.insert(id, history);
    }
    for sys in System::ALL {
        s.freshness.insert(
            sys,
            Freshness {
                fetched_at: Some(now),
                last_attempt: Some(now),
                ..Freshness::default()
            },
        );
    }
    s
}

fn state(view: View, low_bandwidth: bool) -> AppState {
    let ctx = AppContext {
        initial: snapshot(N),
        low_bandwidth,
        ..AppContext::default()
    };
    let (mut s, _) = AppState::new(ctx, t0());
    refresh_derived(&mut s);
    s.view = view;
    s
}

fn frames(c: &mut Criterion) {
    let theme = Theme::default();
    let mut g = c.benchmark_group("render");
    for (view, name) in [
        (View::Campaigns, "campaigns_10k_200x50"),
        (View::Overview, "overview_10k_200x50"),
    ] {
        let mut s = state(view, false);
        let mut terminal = Terminal::new(TestBackend::new(W, H)).expect("test backend");
        let mut tick = 0i64;
        g.bench_function(name, |b| {
            b.iter(|| {
                // A new second each frame so the diff has a clock to write.
                tick += 1;
                s.now = t0() + Duration::seconds(tick);
                terminal
                    .draw(|f| ui::render(f, black_box(&s), &theme))
                    .expect("draw");
            })
        });
    }
    g.finish();
    bytes_per_minute();
}

/// A `Write` that only counts.
struct Counting(Rc<Cell<usize>>);

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.set(self.0.get() + buf.len());
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Bytes for one simulated minute on the campaigns view at 200x50.
fn minute(view: View, low_bandwidth: bool) -> (usize, usize) {
    let theme = Theme::default();
    let mut s = state(view, low_bandwidth);
    let count = Rc::new(Cell::new(0));
    let backend = CrosstermBackend::new(Counting(count.clone()));
    let mut terminal = Terminal::with_options(
        backend,
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, W, H)),
        },
    )
    .expect("crossterm backend over a counter");
    let draw = |s: &AppState, terminal: &mut Terminal<CrosstermBackend<Counting>>| {
        terminal.backend_mut().begin_frame().expect("begin");
        terminal.draw(|f| ui::render(f, s, &theme)).expect("draw");
        terminal.backend_mut().end_frame().expect("end");
    };
    draw(&s, &mut terminal);
    let first = count.get();
    let mut drawn = 0;
    for sec in 1..=60i64 {
        s.now = t0() + Duration::seconds(sec);
        let mut changed = false;
        for (sys, every) in [(System::Marketing, 5), (System::Crm, 10), (System::Erp, 10)] {
            if sec % every == 0 {
                let snap = std::sync::Arc::make_mut(&mut s.snapshot);
                snap.freshness.entry(sys).or_default().fetched_at = Some(s.now);
                if sys == System::Marketing {
                    // Spend moves on the first screenful of rows.
                    for c in snap.campaigns.iter_mut().take(400) {
                        c.spend += 3.0;
                    }
                }
                changed = true;
            }
        }
        if changed {
            refresh_derived(&mut s);
        }
        let minute_turned = sec % 60 == 0;
        if !low_bandwidth || changed || minute_turned {
            draw(&s, &mut terminal);
            drawn += 1;
        }
    }
    (count.get() - first, drawn)
}

fn bytes_per_minute() {
    for (view, name) in [(View::Campaigns, "campaigns"), (View::Overview, "overview")] {
        for low in [false, true] {
            let (bytes, frames) = minute(view, low);
            println!(
                "bytes/minute {name} 200x50 {}: {bytes} bytes in {frames} frames ({:.1} KiB/min)",
                if low { "low-bandwidth" } else { "normal" },
                bytes as f64 / 1024.0
            );
        }
    }
}

criterion_group!(benches, frames);
criterion_main!(benches);
