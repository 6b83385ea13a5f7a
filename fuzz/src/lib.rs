//! What the fuzz targets share: reading bytes as a file through a source component, the way a
//! run reads it, with every record and error kept.

use sluice_core::OnError;
use sluice_core::component::{BuildContext, Component};
use sluice_core::engine::Output;
use sluice_core::expression::Expressions;

/// Reads `input` as the file of a `component` source (`csv.read`, `json.read`) configured with
/// `config` (its `path` is set to the file). Errors are fine; a panic or a hang is the finding.
pub fn read_as_file(component: &str, mut config: serde_json::Value, input: &[u8]) {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("input");
    std::fs::write(&path, input).expect("write the input");
    config["path"] = serde_json::Value::from(path.to_string_lossy().into_owned());
    let registry = sluice_connectors::registry();
    let descriptor = registry.get(component).expect("a registered component");
    let Ok(Component::Source(source)) = (descriptor.parse)(config) else {
        panic!("{component} is a source and its config parses");
    };
    let expressions = Expressions::for_validation();
    let context = BuildContext {
        node_id: "read",
        flow_id: "fuzz",
        live: false,
        ..BuildContext::standalone(folder.path(), &expressions)
    };
    let Ok(mut reader) = source.build(&context) else {
        return;
    };
    let mut output = Output::for_test(&["out"], OnError::Route);
    let _ = reader.read(&mut output);
}
