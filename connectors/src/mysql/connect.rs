//! The `mysql` credential (MySQL 8 and MariaDB 10.6+): its fields, connecting with it (TLS by
//! rustls, as its `tls` field asks; every session in UTC and strict mode), and errors that say
//! what failed — never the password.

use std::sync::Arc;
use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder, SslOpts};
use sluice_core::credential::{CredentialAccess, CredentialType};

use super::CREDENTIAL;

/// How long connecting may take before it is given up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What every session starts with: timestamps in UTC, values that do not fit a column refused
/// rather than cut, and full Unicode.
const SESSION: [&str; 3] = [
    "SET time_zone = '+00:00'",
    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
    "SET NAMES utf8mb4",
];

/// The `mysql` credential type.
pub fn credential_type() -> CredentialType {
    crate::database::credential_type(
        CREDENTIAL,
        "MySQL / MariaDB",
        "A MySQL or MariaDB server, database and user. The password stays in the system keychain.",
        "mysql://user:password@host:3306/database",
        3306,
    )
    .with_test(test_connection)
    .with_browse(super::catalog::tables)
}

/// "Test connection": connects and asks the server who it is.
fn test_connection(credential: Arc<dyn CredentialAccess>) -> Result<String, String> {
    let (mut connection, place) = connect(credential.as_ref())?;
    let row: Option<(Option<String>, String, String)> = connection
        .query_first("SELECT DATABASE(), CURRENT_USER(), VERSION()")
        .map_err(|error| describe(&error, &place))?;
    let (database, user, version) = row.unwrap_or_default();
    Ok(format!(
        "connected to database {} as {user} (server {version}): the credential works",
        database.unwrap_or_default()
    ))
}

/// Where a connection goes, for messages (never the password).
#[derive(Debug, Clone)]
pub(super) struct Place {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    pub credential: String,
}

impl Place {
    /// The server and database, as `mysql://host:port/database` (no user, no password).
    pub fn database_url(&self) -> String {
        format!("mysql://{}:{}/{}", self.host, self.port, self.database)
    }
}

/// A connection with the credential's settings (its connection URL, or its fields), and where it
/// goes.
pub(super) fn connect(credential: &dyn CredentialAccess) -> Result<(Conn, Place), String> {
    let (options, place) = settings(credential)?;
    let field = |name: &str| credential.field(name).filter(|value| !value.is_empty());
    let tls = field("tls").unwrap_or_else(|| "prefer".into());
    let ca_file = field("ca_file");
    let secure = |verify: bool| {
        let mut ssl = SslOpts::default()
            .with_danger_accept_invalid_certs(!verify && ca_file.is_none())
            .with_danger_skip_domain_validation(!verify);
        if let Some(ca_file) = &ca_file {
            ssl = ssl.with_root_cert_path(Some(std::path::PathBuf::from(ca_file)));
        }
        options.clone().ssl_opts(ssl)
    };
    let connected = match tls.as_str() {
        "disable" => Conn::new(options.clone()),
        "require" => Conn::new(secure(false)),
        "verify-full" => Conn::new(secure(true)),
        "prefer" => match Conn::new(secure(false)) {
            Err(mysql::Error::DriverError(mysql::DriverError::TlsNotSupported)) => {
                Conn::new(options.clone())
            }
            other => other,
        },
        other => {
            return Err(format!(
                "“{other}” is not a TLS choice: use disable, prefer, require or verify-full"
            ));
        }
    };
    match connected {
        Ok(connection) => Ok((connection, place)),
        Err(error) => Err(describe(&error, &place)),
    }
}

/// The connection settings of a credential (its connection URL, or its fields) and where they
/// go, without connecting.
pub(super) fn settings(credential: &dyn CredentialAccess) -> Result<(OptsBuilder, Place), String> {
    let field = |name: &str| credential.field(name).filter(|value| !value.is_empty());
    let options = match field("url") {
        // The URL may hold the password: a message never repeats it.
        Some(url) => OptsBuilder::from_opts(Opts::from_url(&url).map_err(|_| {
            format!(
                "the connection URL of the credential '{}' is not one MySQL reads: write it as mysql://user:password@host:3306/database",
                credential.name()
            )
        })?),
        None => options_of_fields(credential)?,
    };
    let options = options
        .tcp_connect_timeout(Some(CONNECT_TIMEOUT))
        .prefer_socket(false)
        .init(SESSION.to_vec());
    let opts = Opts::from(options.clone());
    let place = Place {
        host: opts.get_ip_or_hostname().into_owned(),
        port: opts.get_tcp_port(),
        database: opts.get_db_name().unwrap_or_default().to_string(),
        user: opts.get_user().unwrap_or_default().to_string(),
        credential: credential.name().to_string(),
    };
    if place.database.is_empty() {
        return Err(format!(
            "the credential '{}' names no database: add one",
            credential.name()
        ));
    }
    Ok((options, place))
}

/// The connection settings of a credential's fields.
fn options_of_fields(credential: &dyn CredentialAccess) -> Result<OptsBuilder, String> {
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
        None => 3306,
    };
    Ok(OptsBuilder::new()
        .ip_or_hostname(Some(required("host")?))
        .tcp_port(port)
        .db_name(Some(required("database")?))
        .user(Some(required("user")?))
        .pass(field("password")))
}

/// What went wrong, in words a person can act on; the server's own message when it sent one.
pub(super) fn describe(error: &mysql::Error, place: &Place) -> String {
    let Place {
        host,
        port,
        database,
        user,
        credential,
    } = place;
    match error {
        mysql::Error::MySqlError(server) => match server.code {
            1045 => format!(
                "the server at {host}:{port} refused the password of user {user} (check the credential '{credential}')"
            ),
            1044 => format!("user {user} may not use the database {database} on {host}:{port}"),
            1049 => format!("the database {database} does not exist on {host}:{port}"),
            1130 => {
                format!("the server at {host}:{port} does not let user {user} in from this machine")
            }
            code => format!("MySQL: {} (code {code})", server.message),
        },
        mysql::Error::IoError(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => format!(
                "nothing answers at {host}:{port}: is the server running, and is that its port?"
            ),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => format!(
                "{host}:{port} did not answer within {} s",
                CONNECT_TIMEOUT.as_secs()
            ),
            _ if io.to_string().contains("lookup") || io.to_string().contains("resolve") => {
                format!("the host name {host} could not be found (DNS): check it")
            }
            _ => format!("the connection to {host}:{port} failed: {io}"),
        },
        mysql::Error::TlsError(tls) => format!(
            "TLS with {host}:{port} failed: {tls} (see the credential's “Encryption” choice)"
        ),
        mysql::Error::DriverError(mysql::DriverError::CouldNotConnect(Some((_, detail, kind)))) => {
            match kind {
                std::io::ErrorKind::ConnectionRefused => format!(
                    "nothing answers at {host}:{port}: is the server running, and is that its port?"
                ),
                _ if detail.contains("lookup") || detail.contains("resolve") => {
                    format!("the host name {host} could not be found (DNS): check it")
                }
                _ => format!("cannot connect to {host}:{port}: {detail}"),
            }
        }
        mysql::Error::DriverError(mysql::DriverError::ConnectTimeout) => format!(
            "{host}:{port} did not answer within {} s",
            CONNECT_TIMEOUT.as_secs()
        ),
        mysql::Error::DriverError(mysql::DriverError::TlsNotSupported) => format!(
            "the server at {host}:{port} does not offer TLS: choose “prefer” or “disable” under Encryption, or turn TLS on at the server"
        ),
        other => format!("MySQL at {host}:{port}: {other}"),
    }
}
