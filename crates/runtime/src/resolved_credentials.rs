//! A credential during a run: its fields with its secrets read from the secret store, and the
//! tokens it keeps (Sluice's OAuth2 credentials refresh their own; a connector's are kept by
//! `kept_tokens.rs`). Its Debug output names it and never shows a value.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use sluice_core::credential::{CredentialAccess, CredentialType, IssuedToken, TokenFetch};
use sluice_store::StoredCredential;

use crate::credentials::text_of;
use crate::secrets::SecretKey;
use crate::{Result, Sluice};

/// A credential's values during a run. Its Debug output shows its name only.
struct ResolvedCredential {
    sluice: Sluice,
    id: String,
    name: String,
    kind: String,
    values: BTreeMap<String, String>,
}

impl fmt::Debug for ResolvedCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl CredentialAccess for ResolvedCredential {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &str {
        &self.kind
    }

    fn field(&self, name: &str) -> Option<String> {
        self.values.get(name).cloned()
    }

    fn kept_token(
        &self,
        rejected: Option<&str>,
        fetch: TokenFetch<'_>,
    ) -> std::result::Result<IssuedToken, String> {
        self.sluice
            .kept_token(&self.id, rejected, fetch)
            .map_err(|error| error.to_string())
    }
}

impl Sluice {
    /// The credential with its secrets, for a run.
    pub(crate) fn resolve_credential(
        &self,
        stored: StoredCredential,
    ) -> Result<Arc<dyn CredentialAccess>> {
        let mut values: BTreeMap<String, String> = stored
            .fields
            .iter()
            .map(|(field, value)| (field.clone(), text_of(value)))
            .collect();
        if stored.kind == crate::oauth::OAUTH2 {
            // Tokens are fetched (and refreshed) when a request needs one.
            return Ok(Arc::new(crate::oauth::OAuthCredential {
                sluice: self.clone(),
                id: stored.id,
                name: stored.name,
                fields: values,
                current: Default::default(),
            }));
        }
        let secret_fields = self
            .registry()
            .credential_type(&stored.kind)
            .map(CredentialType::secret_fields)
            .unwrap_or_default();
        for field in secret_fields {
            let key = SecretKey {
                credential_id: &stored.id,
                credential_name: &stored.name,
                field: &field,
            };
            if let Some(value) = self.secrets().get(&key)? {
                values.insert(field, value);
            }
        }
        Ok(Arc::new(ResolvedCredential {
            sluice: self.clone(),
            id: stored.id,
            name: stored.name,
            kind: stored.kind,
            values,
        }))
    }
}
