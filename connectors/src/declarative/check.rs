//! "Test connection" for an app's credential, as the manifest's `check` says: its check stream
//! read with the credential and the connector's default settings, stopped after the first record.

use std::sync::Arc;

use serde_json::{Map, Value};
use sluice_core::ComponentError;
use sluice_core::credential::CredentialAccess;

use super::Delivery;
use super::component::Connector;

impl Connector {
    /// Reads the first record of each check stream with `credential`: a line saying so when the
    /// API answers, else why not (a setting with no default is asked for).
    pub(super) fn check(&self, credential: Arc<dyn CredentialAccess>) -> Result<String, String> {
        let defaults = self.fields.check_settings(Map::new()).map_err(|(field, problem)| {
            format!(
                "Test connection uses {}'s default settings, and {field} has none ({problem}): preview a node of it with its settings instead",
                self.title
            )
        })?;
        let settings = self
            .read_settings(&defaults, None, Some(credential))
            .map_err(|error| error.to_string())?;
        let mut answered = Vec::new();
        for stream in self.manifest.check_streams() {
            let mut first = FirstRecord::default();
            self.manifest
                .read(stream, &settings, None, &mut first)
                .map_err(|error| error.to_string())?;
            answered.push(match first.found {
                true => format!("{stream} gave a record"),
                false => format!("{stream} answered (no records yet)"),
            });
        }
        Ok(format!("{}: the credential works", answered.join(", ")))
    }
}

/// Takes one record and asks the read to stop.
#[derive(Default)]
struct FirstRecord {
    found: bool,
}

impl Delivery for FirstRecord {
    fn record(&mut self, _record: Map<String, Value>) -> Result<(), ComponentError> {
        self.found = true;
        Ok(())
    }
    fn refuse(&mut self, _found: Value, _why: String) -> Result<(), ComponentError> {
        self.found = true;
        Ok(())
    }
    fn checkpoint(&mut self, _state: Value) -> Result<(), ComponentError> {
        Ok(())
    }
    fn should_stop(&self) -> bool {
        self.found
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::test_api::api;
    use super::super::{Connector, Manifest};
    use crate::testing::FixedCredential;

    /// A connector of the test API whose check stream is `check`; `required` is a setting with no
    /// default.
    fn connector(base: &str, check: &str, required: &str) -> Arc<Connector> {
        let text = format!(
            r##"
version: 6.0.0
type: DeclarativeSource
check: {{ type: CheckStream, stream_names: [{check}] }}
definitions:
  requester:
    type: HttpRequester
    url_base: {base}
    authenticator: {{ type: BearerAuthenticator, api_token: "{{{{ config['token'] }}}}" }}
streams:
  - type: DeclarativeStream
    name: items
    retriever:
      type: SimpleRetriever
      requester: {{ $ref: "#/definitions/requester", path: /pages }}
      record_selector: {{ type: RecordSelector, extractor: {{ type: DpathExtractor, field_path: [] }} }}
      paginator:
        type: DefaultPaginator
        page_token_option: {{ type: RequestOption, inject_into: request_parameter, field_name: page }}
        pagination_strategy: {{ type: PageIncrement, page_size: 10, start_from_page: 1 }}
  - type: DeclarativeStream
    name: broken
    retriever:
      type: SimpleRetriever
      requester: {{ $ref: "#/definitions/requester", path: /missing }}
      record_selector: {{ type: RecordSelector, extractor: {{ type: DpathExtractor, field_path: [] }} }}
spec:
  type: Spec
  connection_specification:
    type: object
    required: [token{required}]
    properties:
      token: {{ type: string, airbyte_secret: true }}
      workspace: {{ type: string, title: Workspace }}
      per_page: {{ type: integer, default: 10 }}
"##
        );
        Connector::new("shop", "Shop", "", Manifest::parse(&text).unwrap())
    }

    fn test_with(connector: &Arc<Connector>) -> Result<String, String> {
        let test = connector.credential_type().unwrap().test.unwrap();
        test(Arc::new(FixedCredential {
            kind: "app.shop",
            values: vec![("token", "t0ken-value".into())],
        }))
    }

    #[test]
    fn test_connection_reads_the_first_page_of_the_check_stream() {
        let (base, api) = api();
        let worked = test_with(&connector(&base, "items", "")).unwrap();
        assert_eq!(worked, "items gave a record: the credential works");
        assert_eq!(
            api.requests.lock().unwrap().len(),
            1,
            "stopped after the first page"
        );
    }

    #[test]
    fn test_connection_says_why_not_without_the_secret_or_a_setting_it_needs() {
        let (base, _api) = api();
        let refused = test_with(&connector(&base, "broken", "")).unwrap_err();
        assert!(
            refused.contains("404") && !refused.contains("t0ken-value"),
            "{refused}"
        );
        let needs = test_with(&connector(&base, "items", ", workspace")).unwrap_err();
        assert!(
            needs.contains("workspace") && needs.contains("preview"),
            "{needs}"
        );
    }
}
