//! Where a credential may be sent: its `hosts` field, filled from its URL fields when the person
//! leaves it empty (and, once, for credentials saved before credentials named their hosts).

use serde_json::{Map, Value};
use sluice_core::credential::CredentialType;

use crate::{Result, Sluice};

impl Sluice {
    /// Gives the credentials saved before they named their hosts the hosts of their URLs.
    pub(crate) fn fill_missing_credential_hosts(&self) -> Result<()> {
        let registry = self.registry();
        for mut stored in self.store().credentials()? {
            let Some(credential_type) = registry.credential_type(&stored.kind) else {
                continue;
            };
            let before = stored.fields.clone();
            fill_hosts(credential_type, &mut stored.fields);
            if stored.fields != before {
                self.store().save_credential(&stored)?;
            }
        }
        Ok(())
    }
}

/// Fills an empty `hosts` field (where the credential may be sent) with the hosts of the URL
/// fields its type names in `x-sluice-hosts-from` (the test URL, the token URL).
pub(crate) fn fill_hosts(credential_type: &CredentialType, fields: &mut Map<String, Value>) {
    let Some((_, property)) = credential_type
        .fields()
        .into_iter()
        .find(|(name, _)| name == "hosts")
    else {
        return;
    };
    if fields
        .get("hosts")
        .and_then(Value::as_str)
        .is_some_and(|hosts| !hosts.trim().is_empty())
    {
        return;
    }
    let mut hosts: Vec<String> = Vec::new();
    let sources = property["x-sluice-hosts-from"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for source in sources.iter().filter_map(Value::as_str) {
        // A plain-http URL to another machine is listed as such: the credential may go there
        // unencrypted because the person said so.
        let host = fields
            .get(source)
            .and_then(Value::as_str)
            .and_then(|url| reqwest::Url::parse(url).ok())
            .and_then(|url| {
                let host = url.host_str()?.to_ascii_lowercase();
                let loopback = matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]");
                Some(match url.scheme() == "http" && !loopback {
                    true => format!("http://{host}"),
                    false => host,
                })
            });
        if let Some(host) = host
            && !hosts.contains(&host)
        {
            hosts.push(host);
        }
    }
    if !hosts.is_empty() {
        fields.insert("hosts".into(), Value::String(hosts.join(", ")));
    }
}
