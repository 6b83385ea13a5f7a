//! Tokens a connector fetches itself (a manifest's OAuth2), kept with their credential between
//! runs the way Sluice's own OAuth2 credentials keep theirs: the access token in the secret
//! store with its expiry beside it, a rotated refresh token stored before it is used, and one
//! fetch at a time per credential, across processes too.

use chrono::{DateTime, Utc};
use sluice_core::credential::{IssuedToken, KEPT_ACCESS_TOKEN, KEPT_TOKEN_EXPIRES_AT, TokenFetch};
use sluice_store::StoredCredential;

use crate::oauth::{field, is_fresh};
use crate::secrets::SecretKey;
use crate::{Error, Result, Sluice};

impl Sluice {
    /// The token kept for the credential `id` while it is fresh and not `rejected`; else one
    /// `fetch` gets from the credential's current fields (secrets read again: another process
    /// may have rotated them), kept before it is returned.
    pub(crate) fn kept_token(
        &self,
        id: &str,
        rejected: Option<&str>,
        fetch: TokenFetch<'_>,
    ) -> Result<IssuedToken> {
        let lock = self.credential_lock(id);
        let _serialised = lock.lock().expect("token lock");
        let _across_processes = self.lock_credential_file(id)?;
        let stored = self
            .store()
            .credential_by_id(id)?
            .ok_or_else(|| Error::Credential("the credential was removed during the run".into()))?;
        let expires_at = field(&stored, KEPT_TOKEN_EXPIRES_AT)
            .and_then(|text| text.parse::<DateTime<Utc>>().ok());
        match (self.secret(&stored, KEPT_ACCESS_TOKEN)?, rejected) {
            // Another run fetched one while this one waited: use it.
            (Some(token), Some(refused)) if token != refused => {
                return Ok(kept(token, expires_at));
            }
            (Some(token), None) if is_fresh(expires_at) => return Ok(kept(token, expires_at)),
            _ => {}
        }
        let unreadable = std::cell::RefCell::new(None);
        let current = |name: &str| match self.secret(&stored, name) {
            Ok(Some(secret)) => Some(secret),
            Ok(None) => field(&stored, name),
            Err(error) => {
                unreadable.borrow_mut().get_or_insert(error.to_string());
                None
            }
        };
        let fetched = fetch(&current);
        // A secret the keychain would not give explains a failed fetch better than the fetch.
        let issued = match (fetched, unreadable.into_inner()) {
            (Ok(issued), _) => issued,
            (Err(_), Some(keychain)) => return Err(Error::Credential(keychain)),
            (Err(message), None) => return Err(Error::Credential(message)),
        };
        self.keep_token(&stored, &issued)?;
        tracing::info!(credential = %stored.name, "fetched and kept an access token");
        Ok(issued)
    }

    /// Stores a fetched token, its expiry and the fields the provider rotated.
    fn keep_token(&self, stored: &StoredCredential, issued: &IssuedToken) -> Result<()> {
        let secret_fields = self
            .registry()
            .credential_type(&stored.kind)
            .map(|kind| kind.secret_fields())
            .unwrap_or_default();
        let mut updated = stored.clone();
        let mut secrets = vec![(KEPT_ACCESS_TOKEN.to_string(), issued.access_token.clone())];
        for (name, value) in &issued.rotated {
            if secret_fields.contains(name) {
                secrets.push((name.clone(), value.clone()));
            } else if stored.fields.contains_key(name) {
                updated.fields.insert(name.clone(), value.clone().into());
            } else {
                return Err(Error::Credential(format!(
                    "the connector gave a new value for '{name}', which the credential '{}' does not have",
                    stored.name
                )));
            }
        }
        // Secrets first: a keychain that refuses leaves the stored credential as it was.
        for (name, value) in &secrets {
            self.secrets().set(
                &SecretKey {
                    credential_id: &stored.id,
                    credential_name: &stored.name,
                    field: name,
                },
                value,
            )?;
            if !updated.secret_fields.contains(name) {
                updated.secret_fields.push(name.clone());
            }
        }
        updated.secret_fields.sort();
        match issued.expires_in {
            Some(lifetime) => {
                let at = Utc::now()
                    + chrono::Duration::from_std(lifetime).unwrap_or(chrono::Duration::zero());
                updated.fields.insert(
                    KEPT_TOKEN_EXPIRES_AT.into(),
                    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true).into(),
                );
            }
            None => {
                updated.fields.remove(KEPT_TOKEN_EXPIRES_AT);
            }
        }
        self.store().save_credential(&updated)?;
        Ok(())
    }
}

/// A kept token as the connector sees it: how long it has left.
fn kept(access_token: String, expires_at: Option<DateTime<Utc>>) -> IssuedToken {
    IssuedToken {
        access_token,
        expires_in: expires_at.map(|at| (at - Utc::now()).to_std().unwrap_or_default()),
        rotated: Vec::new(),
    }
}
