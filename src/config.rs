//! Configuration: defaults, overridden by command-line options, overridden by
//! `PASSERELLE_*` environment variables (clap reads both). Secrets never reach a log.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::Args;

/// A value that must not be printed (SMTP credentials, …).
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

/// Options shared by every subcommand.
#[derive(Args, Clone, Debug)]
pub struct Config {
    /// Database URL: `sqlite://PATH` (embedded default) or `postgres://USER@HOST/DB`.
    #[arg(
        long = "database",
        env = "PASSERELLE_DATABASE_URL",
        global = true,
        default_value = "sqlite://data/passerelle.db"
    )]
    pub database_url: String,

    /// Address the web server listens on.
    #[arg(
        long,
        env = "PASSERELLE_ADDR",
        global = true,
        default_value = "127.0.0.1:8080"
    )]
    pub addr: SocketAddr,

    /// Folder for the SQLite file, uploaded files and the development mail outbox.
    #[arg(
        long,
        env = "PASSERELLE_DATA_DIR",
        global = true,
        default_value = "data"
    )]
    pub data_dir: PathBuf,

    /// Public address of the site, used in links sent by e-mail (default: http://ADDR).
    #[arg(long, env = "PASSERELLE_BASE_URL", global = true)]
    pub base_url: Option<String>,

    /// SMTP server, e.g. `smtps://user:password@smtp.example.org:465` or
    /// `smtp://127.0.0.1:25`. Without it mails are written as .eml files in DATA_DIR/outbox.
    #[arg(
        long,
        env = "PASSERELLE_SMTP_URL",
        global = true,
        hide_env_values = true
    )]
    pub smtp_url: Option<Secret>,

    /// Sender address of outgoing mail.
    #[arg(
        long,
        env = "PASSERELLE_MAIL_FROM",
        global = true,
        default_value = "Passerelle <ne-pas-repondre@passerelle.test>"
    )]
    pub mail_from: String,

    /// Mark session cookies `Secure` (keep it on; browsers accept it on localhost).
    #[arg(long, env = "PASSERELLE_COOKIE_SECURE", global = true, default_value_t = true,
          action = clap::ArgAction::Set)]
    pub cookie_secure: bool,

    /// Bearer token that Prometheus presents to read `/metrics`
    /// (`Authorization: Bearer …`). Without it `/metrics` answers 404.
    #[arg(
        long,
        env = "PASSERELLE_METRICS_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub metrics_token: Option<Secret>,

    /// Idle timeout of a session, in minutes.
    #[arg(
        long,
        env = "PASSERELLE_SESSION_IDLE_MINUTES",
        global = true,
        default_value_t = 120
    )]
    pub session_idle_minutes: i64,

    /// Absolute lifetime of a session, in hours.
    #[arg(
        long,
        env = "PASSERELLE_SESSION_MAX_HOURS",
        global = true,
        default_value_t = 12
    )]
    pub session_max_hours: i64,

    /// Name of the region shown in the header and in mails.
    #[arg(
        long,
        env = "PASSERELLE_REGION_NAME",
        global = true,
        default_value = "Bretagne"
    )]
    pub region_name: String,

    /// How to reach the region's data protection officer (an address, a mail, a form):
    /// shown on the privacy page.
    #[arg(
        long,
        env = "PASSERELLE_DPO_CONTACT",
        global = true,
        default_value = "Délégué·e à la protection des données, Région (démonstration) : dpo@passerelle.example"
    )]
    pub dpo_contact: String,

    /// Territory the instance serves: an INSEE region code (`53` Bretagne, `52` Pays de la
    /// Loire…) or `FR` for a national instance. Territory menus list its departments only.
    #[arg(
        long,
        env = "PASSERELLE_TERRITORY",
        global = true,
        default_value = "53"
    )]
    pub territory: String,

    /// Main colour of the theme (CSS hex colour, dark enough for white text).
    #[arg(
        long,
        env = "PASSERELLE_THEME_COLOR",
        global = true,
        default_value = "#1d4e89"
    )]
    pub theme_color: String,

    /// Accent colour of the theme (CSS hex colour).
    #[arg(
        long,
        env = "PASSERELLE_THEME_ACCENT",
        global = true,
        default_value = "#b3541e"
    )]
    pub theme_accent: String,

    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    #[arg(long, env = "PASSERELLE_TRUST_PROXY", global = true, default_value_t = false,
          action = clap::ArgAction::Set)]
    pub trust_proxy: bool,

    /// Optional SVG or PNG logo shown in the header.
    #[arg(long, env = "PASSERELLE_LOGO", global = true)]
    pub logo: Option<PathBuf>,

    /// Map tile server (`{z}`, `{x}`, `{y}` placeholders; https or http); empty: no map.
    #[arg(
        long,
        env = "PASSERELLE_MAP_TILES",
        global = true,
        default_value = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    )]
    pub map_tiles: String,

    /// Attribution shown on the map, as the tile server requires.
    #[arg(
        long,
        env = "PASSERELLE_MAP_ATTRIBUTION",
        global = true,
        default_value = "© les contributeurs d’OpenStreetMap"
    )]
    pub map_attribution: String,

    /// Address of the FTPS server where partner software drops its files (explicit TLS only).
    /// `serve` starts no FTPS server without it; `demo` uses 127.0.0.1:2121 by default.
    #[arg(long, env = "PASSERELLE_FTPS_ADDR", global = true)]
    pub ftps_addr: Option<SocketAddr>,

    /// TLS certificate of the FTPS server (PEM, full chain). `demo` generates a self-signed
    /// one in DATA_DIR/ftps-tls/ when neither certificate nor key is given.
    #[arg(long, env = "PASSERELLE_FTPS_CERT", global = true)]
    pub ftps_cert: Option<PathBuf>,

    /// Private key of the FTPS certificate (PEM).
    #[arg(long, env = "PASSERELLE_FTPS_KEY", global = true)]
    pub ftps_key: Option<PathBuf>,

    /// Ports offered for passive data connections, `FIRST-LAST` (open them in the firewall);
    /// `0`: any free port chosen by the system.
    #[arg(
        long,
        env = "PASSERELLE_FTPS_PASSIVE_PORTS",
        global = true,
        default_value = "50000-50100"
    )]
    pub ftps_passive_ports: PortRange,

    /// Maildir the mail server delivers the information line's messages into (polled every
    /// minute; default: DATA_DIR/maildir/helpline).
    #[arg(long, env = "PASSERELLE_HELPLINE_MAILDIR", global = true)]
    pub helpline_maildir: Option<PathBuf>,

    /// Opening hours of the information line (Europe/Paris, Monday to Friday, French public
    /// holidays excluded), over which its 2-working-day promise is counted.
    #[arg(
        long,
        env = "PASSERELLE_HELPLINE_HOURS",
        global = true,
        default_value = "09:00-17:00"
    )]
    pub helpline_hours: OpeningHours,

    /// How many mails of an information campaign leave per minute (the rest wait for the
    /// next minutes), so that the region's mail server and receiving providers are not flooded.
    #[arg(
        long,
        env = "PASSERELLE_CAMPAIGN_RATE_PER_MINUTE",
        global = true,
        default_value_t = 100
    )]
    pub campaign_rate_per_minute: u32,

    /// Create a new, empty database even though the data folder shows that one existed
    /// (search index, CV folder or database marker there, database file missing or empty).
    /// Without it, the start stops with an explanation rather than begin again from nothing.
    #[arg(
        long,
        env = "PASSERELLE_NEW_DATABASE",
        global = true,
        default_value_t = false
    )]
    pub new_database: bool,
}

/// An inclusive range of TCP ports, written `FIRST-LAST` (or one port; `0` lets the system choose).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortRange(pub std::ops::RangeInclusive<u16>);

impl std::str::FromStr for PortRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || {
            format!(
                "plage de ports invalide « {s} » : écrivez PREMIER-DERNIER, par exemple 50000-50100"
            )
        };
        let (first, last) = s.trim().split_once('-').unwrap_or((s.trim(), s.trim()));
        let first: u16 = first.trim().parse().map_err(|_| invalid())?;
        let last: u16 = last.trim().parse().map_err(|_| invalid())?;
        if first > last || (first == 0 && last != 0) {
            return Err(invalid());
        }
        Ok(Self(first..=last))
    }
}

impl std::fmt::Display for PortRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.0.start(), self.0.end())
    }
}

/// A daily opening window in local time, written `OPEN-CLOSE` (`09:00-17:00`, the default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpeningHours {
    pub open: chrono::NaiveTime,
    pub close: chrono::NaiveTime,
}

impl Default for OpeningHours {
    fn default() -> Self {
        Self {
            open: chrono::NaiveTime::from_hms_opt(9, 0, 0).expect("valid time"),
            close: chrono::NaiveTime::from_hms_opt(17, 0, 0).expect("valid time"),
        }
    }
}

impl std::str::FromStr for OpeningHours {
    type Err = String;

    /// `09:00-17:00`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || {
            format!(
                "horaires invalides « {s} » : écrivez OUVERTURE-FERMETURE, par exemple 09:00-17:00"
            )
        };
        let (open, close) = s.trim().split_once('-').ok_or_else(invalid)?;
        let parse =
            |t: &str| chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| invalid());
        let (open, close) = (parse(open)?, parse(close)?);
        if open >= close {
            return Err(invalid());
        }
        Ok(Self { open, close })
    }
}

impl std::fmt::Display for OpeningHours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}-{}",
            self.open.format("%H:%M"),
            self.close.format("%H:%M")
        )
    }
}

impl Config {
    /// Defaults for tests and embedding, with the given database and data folder.
    pub fn for_tests(database_url: String, data_dir: PathBuf) -> Self {
        Self {
            database_url,
            addr: "127.0.0.1:0".parse().expect("valid address"),
            data_dir,
            base_url: Some("http://passerelle.test".into()),
            smtp_url: None,
            mail_from: "Passerelle <ne-pas-repondre@passerelle.test>".into(),
            cookie_secure: true,
            metrics_token: None,
            session_idle_minutes: 120,
            session_max_hours: 12,
            region_name: "Bretagne".into(),
            dpo_contact: "dpo@passerelle.test".into(),
            territory: "53".into(),
            theme_color: "#1d4e89".into(),
            theme_accent: "#b3541e".into(),
            trust_proxy: true,
            logo: None,
            // Tests never reach out: tiles from a closed port on this machine.
            map_tiles: "http://127.0.0.1:9/{z}/{x}/{y}.png".into(),
            map_attribution: "© les contributeurs d’OpenStreetMap".into(),
            // No FTPS server unless a test starts one (`imports::ftps::start`).
            ftps_addr: None,
            ftps_cert: None,
            ftps_key: None,
            ftps_passive_ports: PortRange(0..=0),
            helpline_maildir: None,
            helpline_hours: Default::default(),
            campaign_rate_per_minute: 100,
            new_database: false,
        }
    }

    /// Creates the data folder when it does not exist yet and checks that files can be written
    /// in it: at start, before anything opens it, so that a folder that cannot be used stops
    /// the process with a French message naming it and what to do.
    pub fn prepare_data_dir(&self) -> Result<(), DataDirError> {
        prepare_data_dir(&self.data_dir)
    }

    /// The tile server's origin (`https://host[:port]`), when a valid tile URL is configured.
    pub fn map_tiles_origin(&self) -> Option<String> {
        let template = self.map_tiles.trim();
        if !template.contains("{z}") || !template.contains("{x}") || !template.contains("{y}") {
            return None;
        }
        let url = url::Url::parse(template).ok()?;
        if !matches!(url.scheme(), "https" | "http") {
            return None;
        }
        // A fixed host only (no `{s}` subdomain placeholder): it goes into the CSP.
        let host = url.host_str()?;
        if !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        {
            return None;
        }
        let origin = url.origin();
        origin.is_tuple().then(|| origin.ascii_serialization())
    }

    pub fn base_url(&self) -> String {
        self.base_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.addr))
            .trim_end_matches('/')
            .to_owned()
    }

    /// A theme colour is injected into CSS: accept only `#rgb` / `#rrggbb`.
    pub fn checked_color(value: &str, fallback: &'static str) -> String {
        let hex = value.strip_prefix('#').unwrap_or("");
        if (hex.len() == 3 || hex.len() == 6) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            value.to_owned()
        } else {
            fallback.to_owned()
        }
    }
}

/// Why the data folder cannot be used (French, for the person who starts Passerelle).
#[derive(Debug, thiserror::Error)]
#[error(
    "Le dossier de données « {} » {what} : {}. Choisissez un dossier où Passerelle peut écrire \
     (option --data-dir ou variable PASSERELLE_DATA_DIR), ou donnez à l’utilisateur qui lance \
     Passerelle le droit d’y écrire, puis relancez.",
    .path.display(),
    french_io_error(.cause)
)]
pub struct DataDirError {
    pub path: PathBuf,
    /// What failed: « ne peut pas être créé », « n’est pas accessible en écriture ».
    what: &'static str,
    /// Not a `source`: its English text would follow the French message.
    cause: io::Error,
}

fn prepare_data_dir(path: &Path) -> Result<(), DataDirError> {
    let failed = |what, cause| DataDirError {
        path: path.to_owned(),
        what,
        cause,
    };
    std::fs::create_dir_all(path).map_err(|e| failed("ne peut pas être créé", e))?;
    // Write and remove a file: the only sure test of a folder's rights (root ignores the
    // mode bits, a read-only mount does not).
    let probe = path.join(format!(
        ".passerelle-essai-ecriture-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .and_then(|mut file| io::Write::write_all(&mut file, b"ok"));
    let removed = std::fs::remove_file(&probe);
    written.map_err(|e| failed("n’est pas accessible en écriture", e))?;
    removed.map_err(|e| failed("n’est pas accessible en écriture", e))?;
    Ok(())
}

/// A file system error as a sentence's end, in French.
fn french_io_error(error: &io::Error) -> String {
    use io::ErrorKind::*;
    match error.kind() {
        PermissionDenied => "permission refusée".into(),
        ReadOnlyFilesystem => "le système de fichiers est en lecture seule".into(),
        NotADirectory => "une partie du chemin est un fichier, pas un dossier".into(),
        AlreadyExists => "un fichier (et non un dossier) porte déjà ce nom".into(),
        NotFound => "une partie du chemin n’existe pas".into(),
        StorageFull => "le disque est plein".into(),
        QuotaExceeded => "le quota de disque est atteint".into(),
        _ => format!("erreur du système de fichiers ({error})"),
    }
}

#[cfg(test)]
mod tests {
    use super::Config;

    #[test]
    fn map_tiles_origin_is_checked() {
        let mut config = Config::for_tests("sqlite://x".into(), "data".into());
        config.map_tiles = "https://tiles.example.org:8443/osm/{z}/{x}/{y}.png".into();
        assert_eq!(
            config.map_tiles_origin().as_deref(),
            Some("https://tiles.example.org:8443")
        );
        for bad in [
            "",
            "https://tiles.example.org/osm.png",
            "javascript:alert(1)//{z}/{x}/{y}",
            "https://{s}.tile.example.org/{z}/{x}/{y}.png",
        ] {
            config.map_tiles = bad.into();
            assert_eq!(config.map_tiles_origin(), None, "{bad}");
        }
    }

    #[test]
    fn port_ranges_parse() {
        use super::PortRange;
        assert_eq!("50000-50100".parse(), Ok(PortRange(50000..=50100)));
        assert_eq!(" 2121 ".parse(), Ok(PortRange(2121..=2121)));
        assert_eq!("0".parse(), Ok(PortRange(0..=0)));
        for bad in ["", "a-b", "50100-50000", "0-10", "70000-70001", "1-2-3"] {
            assert!(bad.parse::<PortRange>().is_err(), "{bad}");
        }
    }
}
