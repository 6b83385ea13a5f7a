//! Authenticators that fetch what they send: an OAuth2 access token refreshed once after a 401
//! (and a refused refresh named without its secret), and a login's session token fetched again
//! when the session ends mid-read.

use serde_json::json;

use super::test_api::api;
use super::tests::{ids, manifest, read};

#[test]
fn an_expired_oauth_token_is_refreshed_once_and_the_request_sent_again() {
    let (base, api) = api();
    let streams = r##"
  - type: DeclarativeStream
    name: protected
    retriever:
      requester:
        type: HttpRequester
        url_base: "{{ config['base_url'] }}"
        path: /protected
        authenticator:
          type: OAuthAuthenticator
          token_refresh_endpoint: "{{ config['base_url'] }}/oauth/token"
          client_id: "{{ config['client_id'] }}"
          client_secret: "{{ config['client_secret'] }}"
          refresh_token: "{{ config['refresh_token'] }}"
      record_selector: { extractor: { field_path: [data] } }
      paginator:
        type: DefaultPaginator
        page_token_option: { type: RequestOption, inject_into: request_parameter, field_name: page }
        pagination_strategy: { type: PageIncrement, page_size: 10, start_from_page: 1 }
"##;
    let config = json!({ "base_url": base, "client_id": "app", "client_secret": "shh", "refresh_token": "refresh-secret" });
    let collected = read(&manifest(streams), "protected", config.clone(), None).unwrap();
    assert_eq!(ids(&collected), (1..=25).collect::<Vec<_>>());
    // One token at the start, one after the 401 on page 2; page 3 goes with the second.
    assert_eq!(*api.tokens_issued.lock().unwrap(), 3);
    let mut wrong = config;
    wrong["refresh_token"] = json!("revoked");
    let error = read(&manifest(streams), "protected", wrong, None)
        .err()
        .unwrap();
    assert!(
        error.contains("token endpoint")
            && error.contains("invalid_grant")
            && !error.contains("revoked"),
        "{error}"
    );
}

#[test]
fn a_session_token_from_a_login_goes_with_each_request_and_is_fetched_again_after_a_401() {
    let (base, api) = api();
    let streams = r##"
  - type: DeclarativeStream
    name: session_items
    retriever:
      requester:
        type: HttpRequester
        url_base: "{{ config['base_url'] }}"
        path: /session-items
        authenticator:
          type: SessionTokenAuthenticator
          login_requester:
            url_base: "{{ config['base_url'] }}"
            path: /login
            http_method: POST
            request_body_json:
              username: "{{ config['username'] }}"
              password: "{{ config['password'] }}"
          session_token_path: [data, session]
          expiration_duration: PT1H
          request_authentication:
            type: ApiKey
            inject_into: { type: RequestOption, inject_into: header, field_name: X-Session }
      record_selector: { extractor: { field_path: [data] } }
      paginator:
        type: DefaultPaginator
        page_token_option: { type: RequestOption, inject_into: request_parameter, field_name: page }
        pagination_strategy: { type: PageIncrement, page_size: 10, start_from_page: 1 }
"##;
    let config = json!({ "base_url": base, "username": "ada", "password": "engine-pass" });
    let collected = read(&manifest(streams), "session_items", config.clone(), None).unwrap();
    assert_eq!(ids(&collected), (1..=25).collect::<Vec<_>>());
    // One login at the start, one after the 401 on page 2.
    assert_eq!(*api.tokens_issued.lock().unwrap(), 3);
    let mut wrong = config;
    wrong["password"] = json!("guess");
    let error = read(&manifest(streams), "session_items", wrong, None)
        .err()
        .unwrap();
    assert!(
        error.contains("login request") && error.contains("401") && !error.contains("guess"),
        "{error}"
    );
}
