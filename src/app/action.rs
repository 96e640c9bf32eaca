use serde::Deserialize;

/// A UI intent. Anything that changes the outside world is an
/// `OperatorCommand`, never an `Action`.
///
/// The unit variants are what a keymap can bind; their snake_case names are
/// the config keys (`[keys] quit = ["q", "ctrl-c"]`). The variants carrying
/// data come from the input line, not from the keymap.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Redraw,
    Freeze,
    Help,
    NextView,
    PrevView,
    ShowOverview,
    ShowCampaigns,
    ShowAlerts,
    ShowSync,
    ShowThrottles,
    ShowApprovals,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Detail,
    Back,
    CommandMode,
    FilterMode,
    SortNext,
    Approve,
    Reject,
    Pause,
    Resume,
    Fallback,
    RetrySync,
    Acknowledge,
    ApplyThrottle,
    #[serde(skip)]
    Input(InputEdit),
}

/// Editing the `:` command or `/` filter line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InputEdit {
    Char(char),
    Paste(String),
    Backspace,
    Complete,
    Submit,
    Cancel,
}

impl Action {
    /// Every bindable action, in the order the help screen lists them.
    pub const BINDABLE: [Action; 31] = [
        Action::Quit,
        Action::Help,
        Action::Redraw,
        Action::Freeze,
        Action::NextView,
        Action::PrevView,
        Action::ShowOverview,
        Action::ShowCampaigns,
        Action::ShowAlerts,
        Action::ShowSync,
        Action::ShowThrottles,
        Action::ShowApprovals,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Detail,
        Action::Back,
        Action::CommandMode,
        Action::FilterMode,
        Action::SortNext,
        Action::Approve,
        Action::Reject,
        Action::Pause,
        Action::Resume,
        Action::Fallback,
        Action::RetrySync,
        Action::Acknowledge,
        Action::ApplyThrottle,
    ];

    pub fn describe(&self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Redraw => "redraw the screen",
            Action::Freeze => "freeze / unfreeze live updates",
            Action::Help => "help (this screen)",
            Action::NextView => "next view",
            Action::PrevView => "previous view",
            Action::ShowOverview => "overview",
            Action::ShowCampaigns => "campaigns",
            Action::ShowAlerts => "alerts",
            Action::ShowSync => "sync failures",
            Action::ShowThrottles => "throttles",
            Action::ShowApprovals => "approvals",
            Action::Up => "move up",
            Action::Down => "move down",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "go to top",
            Action::Bottom => "go to bottom",
            Action::Detail => "open detail",
            Action::Back => "back / clear filter",
            Action::CommandMode => "command line (:campaigns, :q ...)",
            Action::FilterMode => "filter (status=paused health<60 ...)",
            Action::SortNext => "cycle sort column",
            Action::Approve => "approve the selected request's current step",
            Action::Reject => "reject the selected request's current step",
            Action::Pause => "pause the selected campaign",
            Action::Resume => "resume the selected campaign",
            Action::Fallback => "switch the campaign to the backup provider",
            Action::RetrySync => "retry the selected sync job",
            Action::Acknowledge => "acknowledge the selected alert",
            Action::ApplyThrottle => "apply the selected throttle recommendation",
            Action::Input(_) => "edit input",
        }
    }

    /// Parse a config name such as `"show_alerts"` through serde, so the
    /// config format and this enum cannot drift apart.
    pub fn from_name(name: &str) -> Option<Action> {
        use serde::de::IntoDeserializer;
        let de: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            name.into_deserializer();
        Action::deserialize(de).ok()
    }
}

/// The screens. `Detail` is entered from a list, not by number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum View {
    Overview,
    Campaigns,
    Alerts,
    Sync,
    Throttles,
    Approvals,
    Help,
    Detail,
    /// Commands submitted this session (`:outbox`).
    Outbox,
}

impl View {
    /// The views Tab cycles through, numbered 1..=7.
    pub const TABS: [View; 7] = [
        View::Overview,
        View::Campaigns,
        View::Alerts,
        View::Sync,
        View::Throttles,
        View::Approvals,
        View::Help,
    ];

    pub fn title(self) -> &'static str {
        match self {
            View::Overview => "Overview",
            View::Campaigns => "Campaigns",
            View::Alerts => "Alerts",
            View::Sync => "Sync failures",
            View::Throttles => "Throttles",
            View::Approvals => "Approvals",
            View::Help => "Help",
            View::Detail => "Campaign detail",
            View::Outbox => "Outbox",
        }
    }

    pub fn tab_index(self) -> Option<usize> {
        View::TABS.iter().position(|v| *v == self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde() {
        assert_eq!(Action::from_name("quit"), Some(Action::Quit));
        assert_eq!(Action::from_name("show_alerts"), Some(Action::ShowAlerts));
        assert_eq!(Action::from_name("input"), None);
        assert_eq!(Action::from_name("nope"), None);
    }
}
