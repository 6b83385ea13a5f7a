//! The one place every node type is registered: core transforms plus each connector's components,
//! the connectors built from manifests (Apps), and the credential types connectors declare.

use sluice_core::Registry;

/// Every node type this build of Sluice knows.
pub fn registry() -> Registry {
    let mut registry = Registry::with_transforms();
    for descriptor in [
        crate::csv::descriptors(),
        crate::json::descriptors(),
        crate::records::descriptors(),
        crate::sqlite::descriptors(),
        crate::postgres::descriptors(),
        crate::mysql::descriptors(),
        crate::http::descriptors(),
        crate::webhook::descriptors(),
        crate::code::descriptors(),
    ]
    .into_iter()
    .flatten()
    {
        registry.register(descriptor);
    }
    registry.register_staging_kind(crate::file::staging_kind());
    registry.register_staging_kind(crate::sqlite::staging_kind());
    registry.register_staging_kind(crate::postgres::staging_kind());
    registry.register_staging_kind(crate::mysql::staging_kind());
    for credential_type in crate::http::credential_types() {
        registry.register_credential_type(credential_type);
    }
    registry.register_credential_type(crate::postgres::credential_type());
    registry.register_credential_type(crate::mysql::credential_type());
    for connector in crate::declarative::library() {
        registry.register(connector.descriptor());
        if let Some(credential_type) = connector.credential_type() {
            registry.register_credential_type(credential_type);
        }
    }
    registry
}
