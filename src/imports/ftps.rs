//! The FTPS channel of partner imports. Partner software logs in with its import profile's
//! identifier as user name and a personal API token of a staff member of the profile's
//! organisation as password, over explicit TLS only (control and data channels). Each profile
//! sees only its own folder; every file it uploads completely is imported, and the report
//! appears beside it as `<name>.report.csv`.
//!
//! libunftp serves the protocol; this module brings the authentication (tokens, policy,
//! throttling) and the storage back-end: the profile's folder kept in the database (see
//! [`folder`]), so that every node shows the same folder whichever received a file or imported
//! it. An upload is recorded (its bytes, its run `queued` and the job that imports it) once
//! the transfer has ended without error, before the transfer is acknowledged (226): an
//! acknowledged file is never lost, whichever node imports it and whatever stops meanwhile. A
//! transfer cut short fails on the TLS layer (no close_notify) and is never imported.

use std::fmt;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use libunftp::ServerBuilder;
use libunftp::options::{FtpsRequired, Shutdown};
use tokio::io::AsyncReadExt;
use tokio::sync::oneshot;
use unftp_core::auth::{
    AuthenticationError, Authenticator, ChannelEncryptionState, Credentials, Principal, UserDetail,
    UserDetailError, UserDetailProvider,
};
use unftp_core::storage::{self, ErrorKind, Fileinfo, StorageBackend};

use super::folder;
use super::profile::valid_identifier;
use super::read::MAX_FILE_BYTES;
use super::service::{self, Channel, Upload};
use crate::AppState;
use crate::auth::audit::{self, Event};
use crate::auth::policy::{self, Action};
use crate::auth::{store as users, throttle, tokens};
use crate::db::DbConnection;
use crate::error::AppResult;

/// Default address of the FTPS server of `passerelle demo`.
pub const DEMO_ADDR: &str = "127.0.0.1:2121";

const GREETING: &str =
    "Passerelle : dépôt des fichiers des partenaires. Connexion chiffrée obligatoire (AUTH TLS).";

/// How long sessions in flight may finish their transfer once a stop is asked.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Separates the profile identifier from the token owner's id in the authenticated principal
/// (never part of an identifier).
const PRINCIPAL_SEPARATOR: char = '/';

/// A running FTPS server.
pub struct FtpsHandle {
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<Result<(), libunftp::ServerError>>,
}

impl FtpsHandle {
    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Stops accepting connections and lets transfers in flight finish (10 s at most). The
    /// files received are in the database: the job runner (of this node or another, now or
    /// after a restart) imports them. Dropping the handle stops the server too, without
    /// waiting.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match (&mut self.server).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "FTPS server stopped with an error"),
            Err(e) => tracing::warn!(error = %e, "FTPS server task failed"),
        }
        tracing::info!("FTPS server stopped");
        Ok(())
    }
}

/// Starts the FTPS server on `addr` (port 0: a free port, see [`FtpsHandle::address`]) with
/// this certificate chain and key (PEM files), offering `passive_ports` for data connections
/// (`0..=0`: any free port). Partner folders live in the database.
pub async fn start(
    state: AppState,
    addr: SocketAddr,
    cert: &Path,
    key: &Path,
    passive_ports: RangeInclusive<u16>,
) -> anyhow::Result<FtpsHandle> {
    for (what, path) in [("certificate", cert), ("key", key)] {
        std::fs::metadata(path)
            .with_context(|| format!("cannot read the FTPS {what} {}", path.display()))?;
    }

    // libunftp binds by itself: find the address first (a free port when 0 is asked), so that
    // a busy address is a clear error here and callers learn the port.
    let address = std::net::TcpListener::bind(addr)
        .and_then(|probe| probe.local_addr())
        .with_context(|| format!("cannot listen on {addr} (FTPS)"))?;

    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let server = ServerBuilder::with_user_detail_provider(
        Box::new({
            let state = state.clone();
            move || PartnerFolder {
                state: state.clone(),
            }
        }),
        Arc::new(PartnerProfiles {
            state: state.clone(),
        }),
    )
    .authenticator(Arc::new(TokenAuthenticator {
        state: state.clone(),
    }))
    .greeting(GREETING)
    .ftps(cert.to_owned(), key.to_owned())
    .ftps_required(FtpsRequired::All, FtpsRequired::All)
    .passive_ports(passive_ports)
    .shutdown_indicator(async move {
        // A stop asked or the handle dropped.
        let _ = stop_rx.await;
        Shutdown::new().grace_period(SHUTDOWN_GRACE)
    })
    .build()
    .with_context(|| {
        format!(
            "cannot start the FTPS server with the certificate {} and the key {}",
            cert.display(),
            key.display()
        )
    })?;
    let server = tokio::spawn(server.listen(address.to_string()));

    // Answer once the server accepts connections (or report why it could not).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        if server.is_finished() {
            let outcome = server.await;
            anyhow::bail!("the FTPS server on {address} stopped at once: {outcome:?}");
        }
        if greets(address).await {
            break;
        }
        if tokio::time::Instant::now() > deadline {
            server.abort();
            anyhow::bail!("the FTPS server does not answer on {address}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tracing::info!(%address, "FTPS server listening");
    Ok(FtpsHandle {
        address,
        stop: Some(stop_tx),
        server,
    })
}

/// Whether an FTP server answers on `address` with its greeting (the probe then leaves
/// politely, so that the server logs no error).
async fn greets(address: SocketAddr) -> bool {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let exchange = async {
        let mut stream = BufReader::new(tokio::net::TcpStream::connect(address).await?);
        let mut line = String::new();
        stream.read_line(&mut line).await?;
        if !line.starts_with("220") {
            return Ok(false);
        }
        stream.get_mut().write_all(b"QUIT\r\n").await?;
        line.clear();
        stream.read_line(&mut line).await?;
        Ok::<_, std::io::Error>(true)
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(2), exchange).await,
        Ok(Ok(true))
    )
}

/// The certificate and key to use: both configured, or neither and then a self-signed pair
/// for `localhost` / `127.0.0.1` in `dir` (created on first use).
pub fn certificate_or_self_signed(
    cert: Option<&Path>,
    key: Option<&Path>,
    dir: &Path,
) -> anyhow::Result<(PathBuf, PathBuf)> {
    match (cert, key) {
        (Some(cert), Some(key)) => Ok((cert.to_owned(), key.to_owned())),
        (None, None) => self_signed(dir),
        _ => anyhow::bail!(
            "le serveur FTPS demande à la fois un certificat (--ftps-cert) et sa clé (--ftps-key)"
        ),
    }
}

/// A self-signed certificate for `localhost` and `127.0.0.1` in `dir` (`cert.pem`, `key.pem`),
/// generated unless both files are already there.
pub fn self_signed(dir: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    if cert.is_file() && key.is_file() {
        return Ok((cert, key));
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .context("cannot generate a self-signed certificate")?;
    write_private(&key, generated.signing_key.serialize_pem().as_bytes())?;
    std::fs::write(&cert, generated.cert.pem())
        .with_context(|| format!("cannot write {}", cert.display()))?;
    Ok((cert, key))
}

fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut file| file.write_all(contents))
        .with_context(|| format!("cannot write {}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// Authentication

/// User name: an import profile's identifier; password: a personal API token of someone the
/// policy lets use that profile's organisation's imports. Failures count in the login
/// throttling (per user name and per address), as web logins do.
struct TokenAuthenticator {
    state: AppState,
}

impl fmt::Debug for TokenAuthenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenAuthenticator")
    }
}

enum Login {
    Accepted { user_id: String },
    Refused,
    Throttled,
}

#[async_trait]
impl Authenticator for TokenAuthenticator {
    async fn authenticate(
        &self,
        username: &str,
        creds: &Credentials,
    ) -> Result<Principal, AuthenticationError> {
        // libunftp already refuses USER and PASS before AUTH TLS; never accept a token sent in
        // clear all the same.
        if creds.command_channel_security != ChannelEncryptionState::Tls {
            return Err(AuthenticationError::new("TLS required"));
        }
        let Some(secret) = creds.password.clone() else {
            return Err(AuthenticationError::BadPassword);
        };
        // What is stored of a user name (throttling, audit) is bounded.
        let name: String = username.chars().take(64).collect();
        let ip = creds.source_ip.to_string();
        let checked = name.clone();
        let outcome = self
            .state
            .db
            .run(move |conn| check_login(conn, &checked, &secret, &ip))
            .await;
        match outcome {
            Ok(Login::Accepted { user_id }) => Ok(Principal {
                username: format!("{name}{PRINCIPAL_SEPARATOR}{user_id}"),
            }),
            Ok(Login::Refused) => Err(AuthenticationError::BadPassword),
            Ok(Login::Throttled) => Err(AuthenticationError::new("too many failed logins")),
            Err(e) => {
                tracing::error!(error = %e, "FTPS login check failed");
                Err(AuthenticationError::new("internal error"))
            }
        }
    }

    fn name(&self) -> &str {
        "passerelle-api-tokens"
    }
}

fn check_login(
    conn: &mut DbConnection,
    identifier: &str,
    secret: &str,
    ip: &str,
) -> AppResult<Login> {
    match throttle::check(conn, throttle::Channel::Ftps, identifier, ip) {
        Ok(()) => {}
        Err(e) if e.status() == axum::http::StatusCode::TOO_MANY_REQUESTS => {
            return Ok(Login::Throttled);
        }
        Err(e) => return Err(e),
    }
    match profile_user(conn, identifier, secret)? {
        Some(user_id) => {
            throttle::clear(conn, throttle::Channel::Ftps, identifier, ip)?;
            Ok(Login::Accepted { user_id })
        }
        None => {
            throttle::record_failure(conn, throttle::Channel::Ftps, identifier, ip)?;
            audit::record(
                conn,
                Event {
                    action: "ftps_login_failed",
                    ip: Some(ip),
                    detail: Some(identifier),
                    ..Event::default()
                },
            )?;
            Ok(Login::Refused)
        }
    }
}

/// The owner of the token, when it is valid, their account active, and the policy lets them
/// use the imports of the profile's organisation.
fn profile_user(
    conn: &mut DbConnection,
    identifier: &str,
    secret: &str,
) -> AppResult<Option<String>> {
    if !valid_identifier(identifier) || !secret.starts_with(tokens::API_TOKEN_PREFIX) {
        return Ok(None);
    }
    let Some(user_id) = tokens::api_token_user(conn, secret)? else {
        return Ok(None);
    };
    let Some(profile) = service::profile_by_identifier(conn, identifier)? else {
        return Ok(None);
    };
    let Some(user) = users::current_user(conn, &user_id)? else {
        return Ok(None);
    };
    let org = crate::organisations::store::get(conn, &profile.organisation_id)?;
    let org = crate::organisations::store::policy_ref(conn, &org)?;
    Ok(policy::allows(&user, &Action::UseImports(&org)).then_some(user.id))
}

/// A logged-in partner: the profile it sends files for and who sent them.
#[derive(Debug)]
pub struct Partner {
    identifier: String,
    profile_id: String,
    user_id: String,
}

impl fmt::Display for Partner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.identifier)
    }
}

/// The folder is the profile's, in the database (see [`folder`]): no home on this node's disk.
impl UserDetail for Partner {}

/// Turns an authenticated principal into a partner with its profile.
struct PartnerProfiles {
    state: AppState,
}

impl fmt::Debug for PartnerProfiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PartnerProfiles")
    }
}

#[async_trait]
impl UserDetailProvider for PartnerProfiles {
    type User = Partner;

    async fn provide_user_detail(&self, principal: &Principal) -> Result<Partner, UserDetailError> {
        let not_found = || UserDetailError::UserNotFound {
            username: principal.username.clone(),
        };
        let Some((identifier, user_id)) = principal
            .username
            .split_once(PRINCIPAL_SEPARATOR)
            .filter(|(identifier, user_id)| valid_identifier(identifier) && !user_id.is_empty())
        else {
            return Err(not_found());
        };
        let key = identifier.to_owned();
        let profile = self
            .state
            .db
            .run(move |conn| service::profile_by_identifier(conn, &key))
            .await
            .map_err(|e| UserDetailError::with_source("cannot read the import profile", e))?
            .ok_or_else(not_found)?;
        Ok(Partner {
            identifier: identifier.to_owned(),
            profile_id: profile.id,
            user_id: user_id.to_owned(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Storage

/// One session's view of its partner's folder, read from and written to the database.
struct PartnerFolder {
    state: AppState,
}

impl fmt::Debug for PartnerFolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PartnerFolder")
    }
}

/// What a listing tells of an entry.
#[derive(Debug)]
pub struct Meta {
    folder: bool,
    len: u64,
    modified: std::time::SystemTime,
}

impl Meta {
    fn of(entry: &folder::Entry) -> Self {
        Self {
            folder: entry.what == folder::What::Folder,
            len: entry.size,
            modified: entry.modified.and_utc().into(),
        }
    }
}

impl storage::Metadata for Meta {
    fn len(&self) -> u64 {
        self.len
    }

    fn is_dir(&self) -> bool {
        self.folder
    }

    fn is_file(&self) -> bool {
        !self.folder
    }

    fn is_symlink(&self) -> bool {
        false
    }

    fn modified(&self) -> storage::Result<std::time::SystemTime> {
        Ok(self.modified)
    }

    fn gid(&self) -> u32 {
        0
    }

    fn uid(&self) -> u32 {
        0
    }

    fn permissions(&self) -> storage::Permissions {
        storage::Permissions(if self.folder { 0o755 } else { 0o644 })
    }
}

/// A path of the FTP namespace as a path of the partner's folder: parts joined by `/`, `.`
/// and `..` resolved, `""` for the folder itself; None when it leaves the folder or is not
/// UTF-8.
fn inside(path: &Path) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for component in path.components() {
        match component {
            Component::RootDir | Component::CurDir => {}
            Component::Normal(part) => parts.push(part.to_str()?),
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::Prefix(_) => return None,
        }
    }
    Some(parts.join("/"))
}

fn refused(refusal: folder::Refused) -> storage::Error {
    match refusal {
        folder::Refused::NotFound => ErrorKind::PermanentFileNotAvailable.into(),
        folder::Refused::NameNotAllowed => ErrorKind::FileNameNotAllowedError.into(),
        folder::Refused::NotEmpty => ErrorKind::PermanentDirectoryNotEmpty.into(),
    }
}

impl PartnerFolder {
    /// Runs `f` on the database (with the application's clock); an error is logged and the
    /// partner told of a local error (451).
    async fn db<T: Send + 'static>(
        &self,
        user: &Partner,
        f: impl FnOnce(&mut DbConnection, &str) -> AppResult<T> + Send + 'static,
    ) -> storage::Result<T> {
        let profile_id = user.profile_id.clone();
        let state = self.state.clone();
        crate::clock::scope(self.state.clock.clone(), async move {
            state.db.tx(move |conn| f(conn, &profile_id)).await
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, profile = %user.identifier, "FTPS folder not reachable");
            ErrorKind::LocalError.into()
        })
    }

    fn path(path: &Path) -> storage::Result<String> {
        inside(path).ok_or_else(|| ErrorKind::PermanentFileNotAvailable.into())
    }
}

#[async_trait]
impl StorageBackend<Partner> for PartnerFolder {
    type Metadata = Meta;

    fn supported_features(&self) -> u32 {
        unftp_core::storage::FEATURE_RESTART
    }

    async fn metadata<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &Partner,
        path: P,
    ) -> storage::Result<Meta> {
        let path = Self::path(path.as_ref())?;
        self.db(user, move |conn, profile| {
            folder::find(conn, profile, &path)
        })
        .await?
        .map(|entry| Meta::of(&entry))
        .ok_or_else(|| ErrorKind::PermanentFileNotAvailable.into())
    }

    async fn list<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &Partner,
        path: P,
    ) -> storage::Result<Vec<Fileinfo<PathBuf, Meta>>>
    where
        <Self as StorageBackend<Partner>>::Metadata: unftp_core::storage::Metadata,
    {
        let dir = Self::path(path.as_ref())?;
        let entries = self
            .db(user, move |conn, profile| folder::list(conn, profile, &dir))
            .await?
            .ok_or_else(|| storage::Error::from(ErrorKind::PermanentDirectoryNotAvailable))?;
        Ok(entries
            .iter()
            .map(|entry| Fileinfo {
                path: PathBuf::from(folder::split(&entry.path).1),
                metadata: Meta::of(entry),
            })
            .collect())
    }

    async fn get<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &Partner,
        path: P,
        start_pos: u64,
    ) -> storage::Result<Box<dyn tokio::io::AsyncRead + Send + Sync + Unpin>> {
        let path = Self::path(path.as_ref())?;
        let bytes = self
            .db(user, move |conn, profile| {
                folder::read(conn, profile, &path)
            })
            .await?
            .ok_or_else(|| storage::Error::from(ErrorKind::PermanentFileNotAvailable))?;
        let start = usize::try_from(start_pos)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        Ok(Box::new(std::io::Cursor::new(bytes[start..].to_vec())))
    }

    /// Records the file once the transfer ended without error, before it is acknowledged: its
    /// bytes, its run `queued` and the job that imports it (see [`service::receive`]). Reports
    /// cannot be uploaded; a transfer cannot be resumed (the file is sent again whole).
    async fn put<
        P: AsRef<Path> + Send + fmt::Debug,
        R: tokio::io::AsyncRead + Send + Sync + Unpin + 'static,
    >(
        &self,
        user: &Partner,
        input: R,
        path: P,
        start_pos: u64,
    ) -> storage::Result<u64> {
        if start_pos > 0 {
            return Err(ErrorKind::CommandNotImplemented.into());
        }
        let relative = Self::path(path.as_ref())?;
        let (dir, file_name) = folder::split(&relative);
        if file_name.is_empty() || folder::is_report(&relative) {
            return Err(ErrorKind::FileNameNotAllowedError.into());
        }
        let (dir, file_name) = (dir.to_owned(), file_name.to_owned());
        let target = relative.clone();
        let place = self
            .db(user, move |conn, profile| {
                Ok((
                    folder::list(conn, profile, &dir)?.is_some(),
                    folder::find(conn, profile, &target)?.map(|e| e.what),
                ))
            })
            .await?;
        match place {
            (false, _) => return Err(ErrorKind::PermanentDirectoryNotAvailable.into()),
            (true, Some(folder::What::Folder)) => {
                return Err(ErrorKind::FileNameNotAllowedError.into());
            }
            _ => {}
        }
        // One byte more than an import accepts: the file is then refused with its own message,
        // and memory stays bounded.
        let limit = u64::try_from(MAX_FILE_BYTES)
            .unwrap_or(u64::MAX)
            .saturating_add(1);
        let mut bytes = Vec::new();
        input
            .take(limit)
            .read_to_end(&mut bytes)
            .await
            .map_err(storage::Error::from)?;
        let written = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        // Recorded before the transfer is acknowledged: from here nothing is lost.
        crate::clock::scope(
            self.state.clock.clone(),
            receive(&self.state, user, file_name, bytes, relative),
        )
        .await?;
        Ok(written)
    }

    async fn del<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &Partner,
        path: P,
    ) -> storage::Result<()> {
        let path = Self::path(path.as_ref())?;
        self.db(user, move |conn, profile| {
            folder::delete(conn, profile, &path)
        })
        .await?
        .map_err(refused)
    }

    async fn mkd<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &Partner,
        path: P,
    ) -> storage::Result<()> {
        let path = Self::path(path.as_ref())?;
        self.db(user, move |conn, profile| {
            folder::make_folder(conn, profile, &path)
        })
        .await?
        .map_err(refused)
    }

    async fn rename<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &Partner,
        from: P,
        to: P,
    ) -> storage::Result<()> {
        let from = Self::path(from.as_ref())?;
        let to = Self::path(to.as_ref())?;
        self.db(user, move |conn, profile| {
            folder::rename(conn, profile, &from, &to)
        })
        .await?
        .map_err(refused)
    }

    async fn rmd<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &Partner,
        path: P,
    ) -> storage::Result<()> {
        let path = Self::path(path.as_ref())?;
        self.db(user, move |conn, profile| {
            folder::remove_folder(conn, profile, &path)
        })
        .await?
        .map_err(refused)
    }

    async fn cwd<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &Partner,
        path: P,
    ) -> storage::Result<()> {
        let path = Self::path(path.as_ref())?;
        let exists = self
            .db(user, move |conn, profile| {
                Ok(folder::list(conn, profile, &path)?.is_some())
            })
            .await?;
        if exists {
            Ok(())
        } else {
            Err(ErrorKind::PermanentDirectoryNotAvailable.into())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Imports

/// Records a file received for a partner (see [`service::receive`]); a failure refuses the
/// transfer (no 226): the partner's software sends it again.
async fn receive(
    state: &AppState,
    user: &Partner,
    file_name: String,
    bytes: Vec<u8>,
    relative: String,
) -> storage::Result<()> {
    let key = user.identifier.clone();
    let profile = match state
        .db
        .run(move |conn| service::profile_by_identifier(conn, &key))
        .await
    {
        Ok(Some(profile)) => profile,
        Ok(None) => {
            tracing::warn!(profile = %user.identifier, file = %file_name, "FTPS file of a profile that no longer exists");
            return Err(ErrorKind::PermissionDenied.into());
        }
        Err(e) => {
            tracing::error!(error = %e, profile = %user.identifier, file = %file_name, "FTPS file not recorded");
            return Err(ErrorKind::LocalError.into());
        }
    };
    let upload = Upload {
        run_id: crate::db::new_id(),
        profile,
        user_id: Some(user.user_id.clone()),
        channel: Channel::Ftps,
        file_name: file_name.clone(),
        bytes,
    };
    match service::receive(state, upload, Some(relative)).await {
        Ok(()) => Ok(()),
        Err(e) if e.status().is_client_error() => {
            tracing::warn!(error = %e, profile = %user.identifier, file = %file_name, "FTPS file refused");
            Err(ErrorKind::PermissionDenied.into())
        }
        Err(e) => {
            tracing::error!(error = %e, profile = %user.identifier, file = %file_name, "FTPS file not recorded");
            Err(ErrorKind::LocalError.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_partner_folder() {
        assert_eq!(inside(Path::new("/offres.csv")), Some("offres.csv".into()));
        assert_eq!(
            inside(Path::new("/a/./b/../offres.csv")),
            Some("a/offres.csv".into())
        );
        assert_eq!(inside(Path::new("/")), Some(String::new()));
        assert_eq!(inside(Path::new("/../autre/offres.csv")), None);
        assert_eq!(inside(Path::new("a/../../offres.csv")), None);
    }

    #[test]
    fn reports_are_recognised() {
        assert!(folder::is_report("offres.csv.report.csv"));
        assert!(folder::is_report("a/offres.csv.report.csv"));
        assert!(!folder::is_report("offres.csv"));
        assert!(!folder::is_report("offres.report.csv.part"));
    }

    #[test]
    fn self_signed_certificates_are_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (cert, key) = self_signed(dir.path()).expect("generated");
        let first = std::fs::read_to_string(&cert).expect("cert");
        assert!(first.contains("BEGIN CERTIFICATE"));
        assert!(
            std::fs::read_to_string(&key)
                .expect("key")
                .contains("PRIVATE KEY")
        );
        let (again, _) = self_signed(dir.path()).expect("kept");
        assert_eq!(std::fs::read_to_string(again).expect("cert"), first);
        assert!(certificate_or_self_signed(Some(&cert), None, dir.path()).is_err());
    }
}
