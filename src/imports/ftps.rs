//! The FTPS channel of partner imports. Partner software logs in with its import profile's
//! identifier as user name and a personal API token of a staff member of the profile's
//! organisation as password, over explicit TLS only (control and data channels). Each profile
//! sees only its own folder, `DATA_DIR/ftps/<identifier>/`; every file it uploads completely is
//! imported, and the report is written beside it as `<name>.report.csv`.
//!
//! libunftp serves the protocol; this module brings the authentication (tokens, policy,
//! throttling), the per-profile folders (a `UserDetail` home that the file-system back-end
//! enters at login), and the upload hook: a storage back-end wrapping unftp-sbe-fs whose `put`
//! records the file in the database (its bytes, its run `queued` and the job that imports it)
//! once the transfer has ended without error, before the transfer is acknowledged (226): an
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
use unftp_sbe_fs::{Filesystem, Meta};

use super::profile::valid_identifier;
use super::read::MAX_FILE_BYTES;
use super::service::{self, Channel, Upload};
use crate::AppState;
use crate::auth::audit::{self, Event};
use crate::auth::policy::{self, Action};
use crate::auth::{store as users, throttle, tokens};
use crate::db::DbConnection;
use crate::error::AppResult;

/// Suffix of the reports Passerelle writes beside the files it received.
pub const REPORT_SUFFIX: &str = ".report.csv";

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
/// (`0..=0`: any free port). Partner folders live in `DATA_DIR/ftps/`.
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
    let root = state.config.data_dir.join("ftps");
    std::fs::create_dir_all(&root)
        .with_context(|| format!("cannot create the FTPS folder {}", root.display()))?;
    let root = std::fs::canonicalize(&root)
        .with_context(|| format!("cannot resolve the FTPS folder {}", root.display()))?;

    // libunftp binds by itself: find the address first (a free port when 0 is asked), so that
    // a busy address is a clear error here and callers learn the port.
    let address = std::net::TcpListener::bind(addr)
        .and_then(|probe| probe.local_addr())
        .with_context(|| format!("cannot listen on {addr} (FTPS)"))?;

    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let folders = root.clone();
    let server = ServerBuilder::with_user_detail_provider(
        Box::new({
            let state = state.clone();
            move || PartnerFolder::open(&folders, state.clone())
        }),
        Arc::new(PartnerFolders { root: root.clone() }),
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
    tracing::info!(%address, root = %root.display(), "FTPS server listening");
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

/// A logged-in partner: the profile it sends files for, who sent them, and its folder.
#[derive(Debug)]
pub struct Partner {
    identifier: String,
    user_id: String,
    home: PathBuf,
}

impl fmt::Display for Partner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.identifier)
    }
}

impl UserDetail for Partner {
    /// The file-system back-end enters this folder at login: nothing outside it can be named.
    fn home(&self) -> Option<&Path> {
        Some(&self.home)
    }
}

/// Turns an authenticated principal into a partner with its folder (created on demand).
#[derive(Debug)]
struct PartnerFolders {
    root: PathBuf,
}

#[async_trait]
impl UserDetailProvider for PartnerFolders {
    type User = Partner;

    async fn provide_user_detail(&self, principal: &Principal) -> Result<Partner, UserDetailError> {
        let Some((identifier, user_id)) = principal
            .username
            .split_once(PRINCIPAL_SEPARATOR)
            .filter(|(identifier, user_id)| valid_identifier(identifier) && !user_id.is_empty())
        else {
            return Err(UserDetailError::UserNotFound {
                username: principal.username.clone(),
            });
        };
        let home = self.root.join(identifier);
        tokio::fs::create_dir_all(&home)
            .await
            .map_err(|e| UserDetailError::with_source("cannot create the partner folder", e))?;
        Ok(Partner {
            identifier: identifier.to_owned(),
            user_id: user_id.to_owned(),
            home,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Storage

/// One session's view of the partner folders: unftp-sbe-fs (confined to the partner's home
/// once entered) plus the upload hook.
struct PartnerFolder {
    /// None when the root folder could not be opened: every operation then fails.
    fs: Option<Filesystem>,
    state: AppState,
}

impl fmt::Debug for PartnerFolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PartnerFolder")
            .field("fs", &self.fs)
            .finish_non_exhaustive()
    }
}

impl PartnerFolder {
    fn open(root: &Path, state: AppState) -> Self {
        let fs = match Filesystem::new(root) {
            Ok(fs) => Some(fs),
            Err(e) => {
                tracing::error!(error = %e, root = %root.display(), "cannot open the FTPS folder");
                None
            }
        };
        Self { fs, state }
    }

    fn fs(&self) -> storage::Result<&Filesystem> {
        self.fs
            .as_ref()
            .ok_or_else(|| storage::Error::from(ErrorKind::LocalError))
    }
}

fn is_report(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.ends_with(REPORT_SUFFIX))
}

/// A path of the FTP namespace as a plain relative path inside the partner's folder (`.` and
/// `..` resolved); None when it names the folder itself or leaves it.
fn inside(path: &Path) -> Option<PathBuf> {
    let mut relative = PathBuf::new();
    for component in path.components() {
        match component {
            Component::RootDir | Component::CurDir => {}
            Component::Normal(part) => relative.push(part),
            Component::ParentDir => {
                if !relative.pop() {
                    return None;
                }
            }
            Component::Prefix(_) => return None,
        }
    }
    (!relative.as_os_str().is_empty()).then_some(relative)
}

/// The first bytes of a file, one more than an import accepts (the reader then refuses it with
/// its own message, and memory stays bounded).
async fn read_received(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = tokio::fs::File::open(path).await?;
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_FILE_BYTES)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    file.take(limit).read_to_end(&mut bytes).await?;
    Ok(bytes)
}

#[async_trait]
impl StorageBackend<Partner> for PartnerFolder {
    type Metadata = Meta;

    fn enter(&mut self, user: &Partner) -> std::io::Result<()> {
        match &mut self.fs {
            Some(fs) => StorageBackend::<Partner>::enter(fs, user),
            None => Err(std::io::Error::other("the FTPS folder is not available")),
        }
    }

    fn supported_features(&self) -> u32 {
        unftp_core::storage::FEATURE_RESTART
    }

    async fn metadata<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &Partner,
        path: P,
    ) -> storage::Result<Meta> {
        self.fs()?.metadata(user, path).await
    }

    async fn list<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &Partner,
        path: P,
    ) -> storage::Result<Vec<Fileinfo<PathBuf, Meta>>>
    where
        <Self as StorageBackend<Partner>>::Metadata: unftp_core::storage::Metadata,
    {
        self.fs()?.list(user, path).await
    }

    async fn get<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &Partner,
        path: P,
        start_pos: u64,
    ) -> storage::Result<Box<dyn tokio::io::AsyncRead + Send + Sync + Unpin>> {
        self.fs()?.get(user, path, start_pos).await
    }

    /// Stores the file, then queues its import once the transfer ended without error. The
    /// report of an earlier file of the same name is removed first: a report beside a file
    /// always tells about its current content. Reports cannot be uploaded.
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
        let fs = self.fs()?;
        let relative = inside(path.as_ref())
            .ok_or_else(|| storage::Error::from(ErrorKind::PermanentFileNotAvailable))?;
        let Some(file_name) = relative
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_owned)
        else {
            return Err(ErrorKind::FileNameNotAllowedError.into());
        };
        if is_report(&relative) {
            return Err(ErrorKind::FileNameNotAllowedError.into());
        }
        let mut report = relative.clone().into_os_string();
        report.push(REPORT_SUFFIX);
        let report = PathBuf::from(report);
        match StorageBackend::<Partner>::del(fs, user, &report).await {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::PermanentFileNotAvailable => {}
            Err(e) => return Err(e),
        }
        let written = fs.put(user, input, &relative, start_pos).await?;
        // The transfer is complete: take the bytes now, so that the import reads exactly what
        // this upload stored.
        let bytes = read_received(&user.home.join(&relative))
            .await
            .map_err(storage::Error::from)?;
        // Recorded before the transfer is acknowledged: from here nothing is lost.
        let relative = relative.to_string_lossy().into_owned();
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
        self.fs()?.del(user, path).await
    }

    async fn mkd<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &Partner,
        path: P,
    ) -> storage::Result<()> {
        self.fs()?.mkd(user, path).await
    }

    async fn rename<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &Partner,
        from: P,
        to: P,
    ) -> storage::Result<()> {
        if is_report(to.as_ref()) {
            return Err(ErrorKind::FileNameNotAllowedError.into());
        }
        self.fs()?.rename(user, from, to).await
    }

    async fn rmd<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &Partner,
        path: P,
    ) -> storage::Result<()> {
        self.fs()?.rmd(user, path).await
    }

    async fn cwd<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &Partner,
        path: P,
    ) -> storage::Result<()> {
        self.fs()?.cwd(user, path).await
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

/// Writes the report of a run received over FTPS beside its file (`relative` to the profile's
/// folder): the run's, or, without one, that the file could not be processed.
pub async fn write_run_report(
    state: &AppState,
    identifier: &str,
    relative: &str,
    run: Option<&service::ImportRun>,
) {
    let Some(relative) = inside(Path::new(relative)).filter(|_| valid_identifier(identifier))
    else {
        return;
    };
    let mut report = state
        .config
        .data_dir
        .join("ftps")
        .join(identifier)
        .join(relative)
        .into_os_string();
    report.push(REPORT_SUFFIX);
    let contents = match run {
        Some(run) => {
            let run_id = run.id.clone();
            match state
                .db
                .run(move |conn| service::rejections(conn, &run_id))
                .await
            {
                Ok(rejected) => service::report_csv(run, &rejected),
                Err(e) => Err(e),
            }
        }
        None => service::failure_report_csv(),
    };
    write_report(&PathBuf::from(report), contents).await;
}

/// Writes a report under a temporary name, then renames it: a report that can be seen is
/// complete.
async fn write_report(path: &Path, contents: AppResult<Vec<u8>>) {
    let contents = match contents {
        Ok(contents) => contents,
        Err(e) => {
            tracing::error!(error = %e, report = %path.display(), "cannot write an FTPS import report");
            return;
        }
    };
    let mut partial = path.as_os_str().to_owned();
    partial.push(".part");
    let partial = PathBuf::from(partial);
    let written = async {
        tokio::fs::write(&partial, contents).await?;
        tokio::fs::rename(&partial, path).await
    }
    .await;
    if let Err(e) = written {
        tracing::error!(error = %e, report = %path.display(), "cannot write an FTPS import report");
        let _ = tokio::fs::remove_file(&partial).await;
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
        assert_eq!(inside(Path::new("/")), None);
        assert_eq!(inside(Path::new("/../autre/offres.csv")), None);
        assert_eq!(inside(Path::new("a/../../offres.csv")), None);
    }

    #[test]
    fn reports_are_recognised() {
        assert!(is_report(Path::new("/offres.csv.report.csv")));
        assert!(!is_report(Path::new("/offres.csv")));
        assert!(!is_report(Path::new("/offres.report.csv.part")));
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
