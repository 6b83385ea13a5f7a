//! The `postgres` credential: its fields, connecting with it (TLS by rustls, as its `tls` field
//! asks), and errors that say what failed — never the password.

use std::sync::Arc;
use std::time::Duration;

use postgres::config::SslMode;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use sluice_core::credential::{CredentialAccess, CredentialType};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::CREDENTIAL;

/// How long connecting may take before it is given up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The `postgres` credential type.
pub fn credential_type() -> CredentialType {
    crate::database::credential_type(
        CREDENTIAL,
        "PostgreSQL",
        "A PostgreSQL server, database and user. The password stays in the system keychain.",
        "postgres://user:password@host:5432/database?sslmode=require",
        5432,
    )
    .with_test(test_connection)
    .with_browse(super::catalog::tables)
}

/// "Test connection": connects and asks the server who it is.
fn test_connection(credential: Arc<dyn CredentialAccess>) -> Result<String, String> {
    let (mut client, place) = connect(credential.as_ref())?;
    let row = client
        .query_one("SELECT current_database(), current_user, version()", &[])
        .map_err(|error| describe(&error, &place))?;
    let (database, user, version): (String, String, String) = (row.get(0), row.get(1), row.get(2));
    let version = version.split(" on ").next().unwrap_or(&version).to_string();
    Ok(format!(
        "connected to database {database} as {user} ({version}): the credential works"
    ))
}

/// Where a connection goes, for messages (never the password).
#[derive(Debug, Clone)]
pub(super) struct Place {
    host: String,
    port: u16,
    database: String,
    user: String,
    credential: String,
}

impl Place {
    /// The server and database, as `postgres://host:port/database` (no user, no password).
    pub(super) fn database_url(&self) -> String {
        format!("postgres://{}:{}/{}", self.host, self.port, self.database)
    }
}

/// A connection with the credential's settings (its connection URL, or its fields), and where it
/// goes.
pub(super) fn connect(
    credential: &dyn CredentialAccess,
) -> Result<(postgres::Client, Place), String> {
    let (mut config, place) = settings(credential)?;
    let field = |name: &str| credential.field(name).filter(|value| !value.is_empty());
    let tls = match (field("tls"), config.get_ssl_mode()) {
        (Some(tls), _) => tls,
        (None, SslMode::Disable) => "disable".into(),
        (None, SslMode::Require) => "require".into(),
        (None, _) => "prefer".into(),
    };
    let connected = match tls.as_str() {
        "disable" => config.ssl_mode(SslMode::Disable).connect(postgres::NoTls),
        "prefer" | "require" | "verify-full" => {
            let verify = tls == "verify-full" || field("ca_file").is_some();
            let rustls = tls_config(verify, field("ca_file").as_deref())?;
            let mode = if tls == "prefer" {
                SslMode::Prefer
            } else {
                SslMode::Require
            };
            config
                .ssl_mode(mode)
                .connect(MakeRustlsConnect::new(rustls))
        }
        other => {
            return Err(format!(
                "“{other}” is not a TLS choice: use disable, prefer, require or verify-full"
            ));
        }
    };
    match connected {
        Ok(client) => Ok((client, place)),
        Err(error) => Err(describe(&error, &place)),
    }
}

/// The connection settings of a credential (its connection URL, or its fields) and where they
/// go, without connecting.
pub(super) fn settings(
    credential: &dyn CredentialAccess,
) -> Result<(postgres::Config, Place), String> {
    let field = |name: &str| credential.field(name).filter(|value| !value.is_empty());
    let mut config = match field("url") {
        // The URL may hold the password: a message never repeats it.
        Some(url) => url.parse::<postgres::Config>().map_err(|_| {
            format!(
                "the connection URL of the credential '{}' is not one PostgreSQL reads: write it as postgres://user:password@host:5432/database",
                credential.name()
            )
        })?,
        None => config_of_fields(credential)?,
    };
    config
        .application_name("Sluice")
        .connect_timeout(CONNECT_TIMEOUT);
    let place = Place {
        host: match config.get_hosts().first() {
            Some(postgres::config::Host::Tcp(host)) => host.clone(),
            _ => {
                return Err(format!(
                    "the credential '{}' names no host: add one",
                    credential.name()
                ));
            }
        },
        port: config.get_ports().first().copied().unwrap_or(5432),
        database: config.get_dbname().unwrap_or_default().to_string(),
        user: config.get_user().unwrap_or_default().to_string(),
        credential: credential.name().to_string(),
    };
    Ok((config, place))
}

/// The connection settings of a credential's fields.
fn config_of_fields(credential: &dyn CredentialAccess) -> Result<postgres::Config, String> {
    let field = |name: &str| credential.field(name).filter(|value| !value.is_empty());
    let required = |name: &str| {
        field(name).ok_or_else(|| {
            format!(
                "the credential '{}' has no {name}: add it (or a connection URL) in Credentials",
                credential.name()
            )
        })
    };
    let port = match field("port") {
        Some(port) => port
            .parse::<u16>()
            .map_err(|_| format!("the port {port} is not a port number (1–65535)"))?,
        None => 5432,
    };
    let mut config = postgres::Config::new();
    config
        .host(&required("host")?)
        .port(port)
        .dbname(&required("database")?)
        .user(&required("user")?);
    if let Some(password) = field("password") {
        config.password(password);
    }
    Ok(config)
}

/// What went wrong, in words a person can act on; the server's own message when it sent one.
pub(super) fn describe(error: &postgres::Error, place: &Place) -> String {
    let Place {
        host,
        port,
        database,
        user,
        credential,
    } = place;
    if let Some(server) = error.as_db_error() {
        let code = server.code().code();
        return match code {
            "28P01" => format!(
                "the server at {host}:{port} refused the password of user {user} (check the credential '{credential}')"
            ),
            "28000" => format!(
                "the server at {host}:{port} does not let user {user} in: {}",
                server.message()
            ),
            "3D000" => format!("the database {database} does not exist on {host}:{port}"),
            _ => format!("PostgreSQL: {} (code {code})", server.message()),
        };
    }
    let text = error.to_string();
    let cause = std::error::Error::source(error)
        .map(ToString::to_string)
        .unwrap_or_default();
    let io = std::error::Error::source(error)
        .and_then(|source| source.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind);
    if io == Some(std::io::ErrorKind::ConnectionRefused) {
        format!("nothing answers at {host}:{port}: is the server running, and is that its port?")
    } else if cause.contains("lookup") || cause.contains("resolve") {
        format!("the host name {host} could not be found (DNS): check it")
    } else if text.contains("timeout") || text.contains("timed out") {
        format!(
            "{host}:{port} did not answer within {} s",
            CONNECT_TIMEOUT.as_secs()
        )
    } else if text.contains("TLS") || text.contains("tls") || cause.contains("certificate") {
        format!("TLS with {host}:{port} failed: {cause} (see the credential's “Encryption” choice)")
    } else if cause.is_empty() {
        format!("PostgreSQL at {host}:{port}: {text}")
    } else {
        format!("PostgreSQL at {host}:{port}: {text}: {cause}")
    }
}

/// A rustls configuration: verifying the server (against `ca_file`, or the system's CAs), or
/// only encrypting.
fn tls_config(verify: bool, ca_file: Option<&str>) -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("TLS: {error}"))?;
    if !verify {
        return Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(EncryptOnly(provider)))
            .with_no_client_auth());
    }
    match ca_file {
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            let certificates = CertificateDer::pem_file_iter(path)
                .map_err(|error| format!("cannot read the CA file {path}: {error}"))?;
            for certificate in certificates {
                let certificate = certificate
                    .map_err(|error| format!("the CA file {path} is not PEM: {error}"))?;
                roots
                    .add(certificate)
                    .map_err(|error| format!("the CA file {path}: {error}"))?;
            }
            Ok(builder.with_root_certificates(roots).with_no_client_auth())
        }
        None => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            <ClientConfig as rustls_platform_verifier::ConfigVerifierExt>::with_platform_verifier()
                .map_err(|error| format!("TLS: the system's certificates: {error}"))
        }
    }
}

/// Encrypts without checking who the server is (`prefer`, and `require` without a CA file), as
/// libpq does; the signatures of the handshake are still checked.
#[derive(Debug)]
struct EncryptOnly(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            certificate,
            signature,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            certificate,
            signature,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
