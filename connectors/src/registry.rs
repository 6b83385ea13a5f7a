//! The one place every node type is registered: core transforms plus each connector's components.

use sluice_core::Registry;

/// Every node type this build of Sluice knows.
pub fn registry() -> Registry {
    let mut registry = Registry::with_transforms();
    for descriptor in [
        crate::csv::descriptors(),
        crate::json::descriptors(),
        crate::sqlite::descriptors(),
    ]
    .into_iter()
    .flatten()
    {
        registry.register(descriptor);
    }
    registry
}
