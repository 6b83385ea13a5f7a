//! The words the studio shows for a node's own settings (not a component's config, whose form
//! help comes from its doc comments): messages name settings by these labels, and the studio
//! draws its controls from [`node_settings`], so both say the same thing.

use crate::flow::OnError;

/// The label of a node's `on_error` setting.
pub const ON_ERROR: &str = "When a record fails";

/// The label of each `on_error` choice.
pub fn on_error(choice: OnError) -> &'static str {
    match choice {
        OnError::Fail => "Stop the run (nothing is written)",
        OnError::Skip => "Skip it, count it and go on",
        OnError::Route => "Send it to the error port",
    }
}

/// One choice of a setting, with its label.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct Choice<T> {
    pub value: T,
    pub label: String,
}

/// The labels of the settings every node has, for the studio's node panel.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct NodeSettingLabels {
    pub on_error: String,
    pub on_error_choices: Vec<Choice<OnError>>,
}

/// The labels the studio shows for a node's own settings.
pub fn node_settings() -> NodeSettingLabels {
    NodeSettingLabels {
        on_error: ON_ERROR.to_string(),
        on_error_choices: [OnError::Fail, OnError::Skip, OnError::Route]
            .into_iter()
            .map(|value| Choice {
                value,
                label: on_error(value).to_string(),
            })
            .collect(),
    }
}
