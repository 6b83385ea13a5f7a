//! `sluice credentials`: a secret comes from standard input, never the command line, and goes
//! to the OS keychain or, where there is none, to a file only the user can read.

mod common;

use std::path::Path;
use std::process::Output;

use common::text;

/// `sluice credentials …` with `stdin` on standard input and the environment adjusted.
fn credentials_command(
    home: &Path,
    arguments: &[&str],
    stdin: &str,
    env: &[(&str, &str)],
) -> Output {
    use std::io::Write;
    let mut command = common::sluice(home);
    command
        .arg("credentials")
        .args(arguments)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn without_a_keychain_adding_a_credential_says_what_to_do_and_the_file_store_works() {
    let home = tempfile::tempdir().unwrap();
    let no_bus = [
        ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus"),
        ("SLUICE_SECRETS", "keychain"),
    ];
    let refused = credentials_command(
        home.path(),
        &["add", "gh", "--type", "http.bearer"],
        "ghp_token\n",
        &no_bus,
    );
    assert_eq!(refused.status.code(), Some(1));
    let message = text(&refused.stderr);
    assert!(
        message.contains("OS keychain") && message.contains("SLUICE_SECRETS=file"),
        "{message}"
    );
    let listed = credentials_command(home.path(), &["list"], "", &no_bus);
    assert!(
        text(&listed.stdout).contains("no credentials yet"),
        "a refused secret leaves nothing behind"
    );

    // A server without a keychain: a file only the user can read; the secret comes from stdin.
    let file_store = [("SLUICE_SECRETS", "file")];
    let added = credentials_command(
        home.path(),
        &[
            "add",
            "gh",
            "--type",
            "http.bearer",
            "--field",
            "test_url=http://127.0.0.1:9/user",
        ],
        "ghp_token\n",
        &file_store,
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(
        text(&added.stdout).contains("secret file"),
        "{}",
        text(&added.stdout)
    );
    let secrets = std::fs::read_to_string(home.path().join("secrets.json")).unwrap();
    assert!(secrets.contains("ghp_token"));
    let database = std::fs::read(home.path().join("sluice.db")).unwrap();
    assert!(!String::from_utf8_lossy(&database).contains("ghp_token"));
    let listed = credentials_command(home.path(), &["list"], "", &file_store);
    assert!(
        text(&listed.stdout).contains("gh  Bearer token (http.bearer)  secrets set: token"),
        "{}",
        text(&listed.stdout)
    );

    // A secret on the command line is refused.
    let in_argv = credentials_command(
        home.path(),
        &[
            "add",
            "leak",
            "--type",
            "http.bearer",
            "--field",
            "token=ghp_token",
        ],
        "",
        &file_store,
    );
    assert_eq!(in_argv.status.code(), Some(1));
    assert!(
        text(&in_argv.stderr).contains("'token' is a secret"),
        "{}",
        text(&in_argv.stderr)
    );

    // Test connection reports an unreachable service plainly.
    let tested = credentials_command(home.path(), &["test", "gh"], "", &file_store);
    assert_eq!(tested.status.code(), Some(1));
    assert!(
        text(&tested.stderr).contains("could not reach http://127.0.0.1:9/user"),
        "{}",
        text(&tested.stderr)
    );
    let removed = credentials_command(home.path(), &["remove", "gh"], "", &file_store);
    assert!(removed.status.success());
    assert!(
        !std::fs::read_to_string(home.path().join("secrets.json"))
            .unwrap()
            .contains("ghp_token")
    );
}
