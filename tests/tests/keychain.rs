//! The OS keychain for real: the Secret Service of an unlocked gnome-keyring on a session bus of
//! its own. `make test` runs this under `tests/keyring.sh`; on its own it fails and says so.

use std::collections::BTreeMap;
use std::process::Command;

use sluice_runtime::secrets::{Keychain, SecretKey, SecretStore};
use sluice_runtime::{CredentialInput, Sluice};

fn require_keyring() {
    assert!(
        std::env::var_os("SLUICE_TEST_KEYCHAIN").is_some(),
        "run the keychain tests with a Secret Service: tests/keyring.sh cargo nextest run -p sluice-tests --test keychain"
    );
}

/// What the Secret Service holds under Sluice's service name, as `secret-tool` (libsecret) sees
/// it: another program, reading the same keyring.
fn secret_tool_lookup(account: &str) -> Option<String> {
    let output = Command::new("secret-tool")
        .args([
            "lookup",
            "service",
            "dev.sluice.credentials",
            "username",
            account,
        ])
        .output()
        .expect("secret-tool runs (Debian package libsecret-tools)");
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn secrets_round_trip_through_the_secret_service() {
    require_keyring();
    let keychain = Keychain::default();
    let key = SecretKey {
        credential_id: "0193-test",
        credential_name: "github",
        field: "token",
    };
    assert_eq!(keychain.get(&key).unwrap(), None);
    keychain.set(&key, "ghp_first").unwrap();
    keychain.set(&key, "ghp_second").unwrap();
    assert_eq!(keychain.get(&key).unwrap().as_deref(), Some("ghp_second"));
    assert_eq!(
        secret_tool_lookup("0193-test/token").as_deref(),
        Some("ghp_second")
    );
    keychain.delete(&key).unwrap();
    assert_eq!(keychain.get(&key).unwrap(), None);
    assert_eq!(secret_tool_lookup("0193-test/token"), None);
    keychain.delete(&key).unwrap();
}

#[test]
fn a_credential_keeps_its_secret_in_the_keychain_and_nothing_of_it_in_sqlite() {
    require_keyring();
    let home = tempfile::tempdir().unwrap();
    let sluice = Sluice::open(Some(home.path())).unwrap();
    let saved = sluice
        .save_credential(
            CredentialInput {
                name: "crm".into(),
                kind: "http.basic".into(),
                fields: serde_json::Map::from_iter([(
                    "username".to_string(),
                    serde_json::json!("ada"),
                )]),
                secrets: BTreeMap::from([(
                    "password".to_string(),
                    "correct-horse-battery".to_string(),
                )]),
            },
            None,
        )
        .unwrap();
    assert_eq!(saved.secrets_set, ["password"]);
    let account = format!("{}/password", saved.id);
    assert_eq!(
        secret_tool_lookup(&account).as_deref(),
        Some("correct-horse-battery")
    );
    let database = std::fs::read(home.path().join("sluice.db")).unwrap();
    assert!(!String::from_utf8_lossy(&database).contains("correct-horse-battery"));
    sluice.remove_credential("crm").unwrap();
    assert_eq!(
        secret_tool_lookup(&account),
        None,
        "removing the credential removes its secret"
    );
}
