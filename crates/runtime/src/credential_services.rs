//! What a credential's type can do with a stored credential outside a run: prove it works ("Test
//! connection"), and list the tables a database credential can read (the node form's pickers).
//! Both talk to the service: blocking, call them off the async runtime.

use std::sync::Arc;

use sluice_core::credential::{CredentialAccess, CredentialType, DatabaseTable};

use crate::{Error, Result, Sluice};

impl Sluice {
    /// "Test connection": what the credential's type can prove about it.
    pub fn test_credential(&self, name: &str) -> Result<String> {
        let (test, access) = self.with_service(
            name,
            |kind| kind.test.clone(),
            "cannot be tested on its own",
        )?;
        test(access).map_err(Error::Credential)
    }

    /// The tables a database credential can read, with their columns.
    pub fn credential_tables(&self, name: &str) -> Result<Vec<DatabaseTable>> {
        let (browse, access) =
            self.with_service(name, |kind| kind.browse, "has no tables to list")?;
        browse(access).map_err(Error::Credential)
    }

    /// The credential `name` with its secrets, and what `service` its type offers; `lacking`
    /// says what a type without it cannot do.
    fn with_service<S>(
        &self,
        name: &str,
        service: impl FnOnce(&CredentialType) -> Option<S>,
        lacking: &str,
    ) -> Result<(S, Arc<dyn CredentialAccess>)> {
        let stored = self.stored_credential(name)?;
        let credential_type = self.credential_type(&stored.kind)?;
        let Some(service) = service(&credential_type) else {
            return Err(Error::Credential(format!(
                "a {} credential {lacking}",
                credential_type.title
            )));
        };
        Ok((service, self.resolve_credential(stored)?))
    }
}
