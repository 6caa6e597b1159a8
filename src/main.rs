//! The `passerelle` command line.

use anyhow::Context;
use clap::{Parser, Subcommand};
use passerelle::auth::{password, store as users, tokens};
use passerelle::types::{EmailAddress, Role, UserStatus};
use passerelle::{AppState, Application, Config, demo};

#[derive(Parser)]
#[command(
    name = "passerelle",
    version,
    about = "Passerelle : alternance, formation et métiers en région"
)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate, load reference data and the demo dataset (first run only), then serve.
    Demo,
    /// Migrate and serve.
    Serve,
    /// Apply pending database migrations.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage organisations (the first operator organisation of a new instance, partners…).
    #[command(subcommand)]
    Org(OrgCommand),
    /// The offer search index.
    #[command(subcommand)]
    Search(SearchCommand),
    /// Benchmarks that print numbers.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Reference data (ROME, NAF, communes…).
    #[command(subcommand)]
    Reference(ReferenceCommand),
    /// Import partner files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export data for other services.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Reports computed from the data.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Back up the database, files (CVs) included, into FILE. SQLite: a consistent copy
    /// taken while the server runs (VACUUM INTO); PostgreSQL: pg_dump in its custom format.
    Backup { file: std::path::PathBuf },
    /// Restore a backup made by `passerelle backup`, the server stopped. Refuses to replace
    /// an existing database, or one a process is using, without --force.
    Restore {
        file: std::path::PathBuf,
        /// Replace the existing database (SQLite: a copy of it is kept beside it).
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// The evaluation annex tables of a period for the whole region, as XLSX (CSV when the
    /// file name ends in .csv).
    Annex {
        /// First day, YYYY-MM-DD (or DD/MM/YYYY).
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD (or DD/MM/YYYY).
        #[arg(long)]
        to: String,
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// The training catalogue as LHÉO 2.3 XML (valid against the LHÉO 2.3 schema).
    Lheo {
        /// Output file (default: standard output).
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import a CSV file of offers through an import profile (with a progress bar); prints the
    /// run's summary and writes the report beside the file (`FILE.report.csv`).
    Offers {
        /// The import profile's identifier (e.g. demo-generic).
        #[arg(long)]
        profile: String,
        file: std::path::PathBuf,
    },
    /// Import a training catalogue in LHÉO 2.3 (or 2.2, lheo-index summaries, or the Mon Compte
    /// Formation catalogue) through an
    /// import profile of a funder or a training centre (e.g. demo-region-lheo); prints the
    /// run's summary and writes the report beside the file (`FILE.report.csv`).
    Lheo {
        /// The import profile's identifier (e.g. demo-region-lheo).
        #[arg(long)]
        profile: String,
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account (active, e-mail verified). Without --password, prints a link to choose one.
    Create {
        #[arg(long)]
        email: String,
        /// One of: candidate, recruiter, training_staff, registration_officer, prescriber, funder,
        /// gateway_agent, info_officer, partner_responder, site_coordinator, teacher, editor,
        /// regional_admin.
        #[arg(long)]
        role: String,
        /// Organisation: its id, its SIRET or its exact name.
        #[arg(long)]
        org: Option<String>,
        #[arg(long, default_value = "")]
        first_name: String,
        #[arg(long, default_value = "")]
        last_name: String,
        /// Initial password (or PASSERELLE_USER_PASSWORD).
        #[arg(long, env = "PASSERELLE_USER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// Make the person administrator of their organisation's staff.
        #[arg(long)]
        org_admin: bool,
    },
    /// Print a new personal API token for an account.
    Token {
        email: String,
        #[arg(long, default_value = "Jeton créé en ligne de commande")]
        name: String,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create an active organisation and print its id.
    Create {
        /// One of: company, training_centre, chamber, employment_agency, funder,
        /// information_partner, school, site_host, operator.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        siret: Option<String>,
        #[arg(long)]
        network: Option<String>,
        /// Departments covered, comma-separated (e.g. 22,29,35,56).
        #[arg(long, default_value = "")]
        departments: String,
    },
}

#[derive(Subcommand)]
enum SearchCommand {
    /// Rebuild the index from the database (with a progress bar).
    Rebuild,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Offer search on the benchmark formats (../shared/bench/README.md) or generated data.
    Search(passerelle::search::bench::BenchArgs),
    /// Partner file import: a generated generic CSV loaded twice into a fresh SQLite database.
    Import(passerelle::imports::bench::BenchArgs),
    /// Dashboards and annex tables on generated data (1,000,000 offers by default).
    Reports(passerelle::reports::bench::BenchArgs),
}

#[derive(Subcommand)]
enum ReferenceCommand {
    /// Without a file: (re)load the embedded reference data. With official files (the shape
    /// of data/reference/: UTF-8, `;`, header row): update those referentials in one
    /// transaction and report what was added, relabelled and retired; a retired code stays
    /// for the rows that use it but can no longer be chosen.
    Load {
        /// ROME occupations (`code;label`).
        #[arg(long, value_name = "FILE")]
        rome: Option<std::path::PathBuf>,
        /// Communes (`insee_code;name;department;region;postal_codes;population;lat;lon;geo_precision`).
        #[arg(long, value_name = "FILE")]
        communes: Option<std::path::PathBuf>,
        /// The NAF rév. 2 tree (`code;level;label`).
        #[arg(long, value_name = "FILE")]
        naf: Option<std::path::PathBuf>,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    passerelle::telemetry::init_logs();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // In French and on one line, rather than Rust's « Error: … Caused by: ».
            eprintln!("Erreur : {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config.clone();
    match cli.command {
        Command::Backup { file } => {
            let url = passerelle::db::DatabaseUrl::parse(&config.database_url)?;
            println!("{}", passerelle::db::backup::backup(&url, &file)?);
        }
        Command::Restore { file, force } => {
            let url = passerelle::db::DatabaseUrl::parse(&config.database_url)?;
            println!(
                "{}",
                passerelle::db::backup::restore(&url, &config.data_dir, &file, force)?
            );
        }
        Command::Migrate => {
            AppState::init(config)?;
            println!("Base de données à jour.");
        }
        Command::Serve => {
            let state = AppState::init(config)?;
            state.ensure_reference_data()?;
            serve(state, None).await?;
        }
        Command::Demo => {
            let state = AppState::init(config)?;
            state.ensure_reference_data()?;
            let loaded = {
                let mut conn = state.db.conn()?;
                demo::load(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?
            };
            if loaded {
                state.rebuild_search(|_| {})?;
            }
            serve(state, Some(loaded)).await?;
        }
        Command::Reference(ReferenceCommand::Load {
            rome,
            communes,
            naf,
        }) if rome.is_some() || communes.is_some() || naf.is_some() => {
            use passerelle::referential::update::{OfficialFiles, Source};
            let read =
                |path: Option<std::path::PathBuf>| path.as_deref().map(Source::read).transpose();
            let files = OfficialFiles {
                rome: read(rome)?,
                communes: read(communes)?,
                naf: read(naf)?,
            };
            let state = AppState::init(config)?;
            state.ensure_reference_data()?;
            let mut conn = state.db.conn()?;
            let report = passerelle::referential::update::apply(&mut conn, &files)?;
            print!("{}", report.text());
        }
        Command::Reference(ReferenceCommand::Load { .. }) => {
            let state = AppState::init(config)?;
            let mut conn = state.db.conn()?;
            let loaded = passerelle::referential::load_all(&mut conn)?;
            println!(
                "Référentiels chargés : {} régions, {} départements, {} communes, {} métiers ROME, {} divisions NAF, {} codes NAF, {} liens NAF–ROME.",
                loaded.regions,
                loaded.departments,
                loaded.communes,
                loaded.rome,
                loaded.naf,
                loaded.naf_codes,
                loaded.naf_rome
            );
        }
        Command::User(command) => user_command(AppState::init(config)?, command)?,
        Command::Search(SearchCommand::Rebuild) => {
            let state = AppState::init(config)?;
            let total = {
                let mut conn = state.db.conn()?;
                passerelle::offers::index::published_count(&mut conn)
                    .map_err(|e| anyhow::anyhow!("{e}"))?
            };
            let bar = indicatif::ProgressBar::new(u64::try_from(total).unwrap_or(0));
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} offres indexées ({eta} restantes)",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let count = state.rebuild_search(|n| bar.set_position(n))?;
            bar.finish();
            println!("Index de recherche reconstruit : {count} offres publiées.");
        }
        Command::Bench(BenchCommand::Search(args)) => passerelle::search::bench::run(args)?,
        Command::Bench(BenchCommand::Import(args)) => {
            passerelle::imports::bench::run(args, config, demo::load).await?
        }
        Command::Bench(BenchCommand::Reports(args)) => {
            passerelle::reports::bench::run(args, config).await?
        }
        Command::Report(ReportCommand::Annex { from, to, out }) => {
            let state = AppState::init(config)?;
            let period = passerelle::reports::indicators::Period::parse(
                &from,
                &to,
                passerelle::clock::today_paris(),
            )
            .map_err(|e| anyhow::anyhow!(e.join(" ")))?;
            let mut conn = state.db.conn()?;
            let tables = passerelle::reports::annex::tables(
                &mut conn,
                &passerelle::auth::policy::Scope::Region,
                &period,
                &state.config.helpline_hours,
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let bytes = if out
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
            {
                passerelle::reports::export::csv(&tables).map_err(|e| anyhow::anyhow!("{e}"))?
            } else {
                passerelle::reports::export::xlsx(&tables).map_err(|e| anyhow::anyhow!("{e}"))?
            };
            std::fs::write(&out, bytes)
                .with_context(|| format!("écriture de {}", out.display()))?;
            eprintln!(
                "{} tableaux annexes ({}) écrits dans {}",
                tables.len(),
                period.label(),
                out.display()
            );
        }
        Command::Import(ImportCommand::Lheo { profile, file }) => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("lecture de {}", file.display()))?;
            if !passerelle::imports::read::is_xml(&bytes) {
                anyhow::bail!(
                    "{} n’est pas un fichier XML LHÉO (pour un fichier CSV d’offres : passerelle import offers)",
                    file.display()
                );
            }
            let state = AppState::init(config)?;
            state.ensure_reference_data()?;
            import_file(&state, &profile, &file).await?;
        }
        Command::Import(ImportCommand::Offers { profile, file }) => {
            let state = AppState::init(config)?;
            state.ensure_reference_data()?;
            import_file(&state, &profile, &file).await?;
        }
        Command::Export(ExportCommand::Lheo { output }) => {
            let state = AppState::init(config)?;
            let mut conn = state.db.conn()?;
            let (xml, full, summaries) = passerelle::trainings::store::lheo_export(&mut conn)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            match output {
                Some(path) => {
                    std::fs::write(&path, &xml)
                        .with_context(|| format!("écriture de {}", path.display()))?;
                    let french = passerelle::web::french::plural;
                    let summaries = if summaries == 0 {
                        String::new()
                    } else {
                        format!(
                            " (et {})",
                            french(summaries, "fiche résumée", "fiches résumées")
                        )
                    };
                    eprintln!(
                        "{}{summaries} dans {}",
                        french(full, "formation exportée", "formations exportées"),
                        path.display()
                    );
                }
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&xml)?;
                }
            }
        }
        Command::Org(OrgCommand::Create {
            kind,
            name,
            siret,
            network,
            departments,
        }) => {
            let state = AppState::init(config)?;
            let mut conn = state.db.conn()?;
            let kind = passerelle::types::OrgKind::parse(&kind)
                .with_context(|| format!("unknown organisation kind {kind:?}"))?;
            let siret = siret
                .as_deref()
                .map(passerelle::types::Siret::parse)
                .transpose()
                .map_err(anyhow::Error::msg)?;
            let departments: Vec<String> = departments
                .split(',')
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_owned)
                .collect();
            let id = passerelle::organisations::store::create(
                &mut conn,
                passerelle::organisations::store::NewOrganisation {
                    kind,
                    name: &name,
                    network: network.as_deref(),
                    siret: siret.as_ref(),
                    commune_insee: None,
                    status: passerelle::types::OrgStatus::Active,
                    departments: &departments,
                },
            )
            .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
            println!("{id}");
        }
    }
    Ok(())
}

async fn serve(state: AppState, demo_loaded: Option<bool>) -> anyhow::Result<()> {
    let app = Application::build(state.clone()).await?;
    let ftps = start_ftps(&state, demo_loaded.is_some()).await?;
    let url = format!("http://{}", app.address());
    println!("Passerelle {} écoute sur {url}", state.config.region_name);
    println!("  base de données : {}", state.db.url().backend_name());
    println!("  courriels : {}", state.mailer.describe());
    if let Some(ftps) = &ftps {
        let address = ftps.address();
        println!(
            "  FTPS des partenaires : ftp://{address}/ (TLS explicite obligatoire ; utilisateur : identifiant du profil d’import, mot de passe : jeton d’API personnel)"
        );
        if demo_loaded.is_some() {
            println!(
                "  Exemple : curl --ssl-reqd --insecure --user demo-generic:JETON -T offres.csv ftp://{address}/ (JETON : passerelle user token {})",
                passerelle::types::demo_email(Role::TrainingStaff)
            );
        }
    }
    if let Some(loaded) = demo_loaded {
        if loaded {
            println!("Jeu de démonstration chargé.");
        }
        println!(
            "Comptes de démonstration (mot de passe : {}) :",
            demo::PASSWORD
        );
        for role in Role::ALL {
            println!(
                "  {:<42} {}",
                passerelle::types::demo_email(*role),
                role.label()
            );
        }
        for (local, who) in demo::OTHER_ACCOUNTS {
            println!(
                "  {:<42} {who}",
                format!("{local}@{}", passerelle::types::DEMO_DOMAIN)
            );
        }
    }
    app.run_with_ftps(ftps).await
}

/// The partners' FTPS server: with `serve` when `--ftps-addr` is set (certificate and key
/// required); with `demo` always, on 127.0.0.1:2121 by default, with a self-signed
/// certificate generated in DATA_DIR/ftps-tls/ unless one is configured.
async fn start_ftps(
    state: &AppState,
    demo: bool,
) -> anyhow::Result<Option<passerelle::imports::ftps::FtpsHandle>> {
    use passerelle::imports::ftps;
    let config = &state.config;
    let (addr, cert, key) = match (config.ftps_addr, demo) {
        (None, false) => return Ok(None),
        (Some(addr), false) => {
            let (Some(cert), Some(key)) = (&config.ftps_cert, &config.ftps_key) else {
                anyhow::bail!(
                    "le serveur FTPS (--ftps-addr) demande un certificat et sa clé : \
                     --ftps-cert et --ftps-key (fichiers PEM)"
                );
            };
            (addr, cert.clone(), key.clone())
        }
        (addr, true) => {
            let addr = match addr {
                Some(addr) => addr,
                None => ftps::DEMO_ADDR.parse()?,
            };
            let (cert, key) = ftps::certificate_or_self_signed(
                config.ftps_cert.as_deref(),
                config.ftps_key.as_deref(),
                &config.data_dir.join("ftps-tls"),
            )?;
            (addr, cert, key)
        }
    };
    let handle = ftps::start(
        state.clone(),
        addr,
        &cert,
        &key,
        config.ftps_passive_ports.0.clone(),
    )
    .await?;
    Ok(Some(handle))
}

fn user_command(state: AppState, command: UserCommand) -> anyhow::Result<()> {
    let mut conn = state.db.conn()?;
    let app_err = |e: passerelle::error::AppError| anyhow::anyhow!("{}", e.message());
    match command {
        UserCommand::Create {
            email,
            role,
            org,
            first_name,
            last_name,
            password: pw,
            org_admin,
        } => {
            let email = EmailAddress::parse(&email).map_err(anyhow::Error::msg)?;
            let role = Role::parse(&role).with_context(|| format!("unknown role {role:?}"))?;
            let org_id = match org {
                None => None,
                Some(org) => {
                    let found = match passerelle::organisations::store::get(&mut conn, &org) {
                        Ok(o) => Some(o),
                        Err(_) => passerelle::organisations::store::find_by_siret(&mut conn, &org)
                            .map_err(app_err)?,
                    };
                    let found = match found {
                        Some(o) => o,
                        None => {
                            let mut by_name =
                                passerelle::organisations::store::find_by_name(&mut conn, &org)
                                    .map_err(app_err)?;
                            match by_name.len() {
                                1 => by_name.remove(0),
                                0 => {
                                    anyhow::bail!("no organisation with id, SIRET or name {org:?}")
                                }
                                _ => anyhow::bail!(
                                    "several organisations are named {org:?}: use its id"
                                ),
                            }
                        }
                    };
                    Some(found.id)
                }
            };
            if let Some(pw) = &pw {
                passerelle::types::check_new_password(pw).map_err(anyhow::Error::msg)?;
            }
            let hash = pw.as_deref().map(password::hash).transpose()?;
            let local = email
                .as_str()
                .split('@')
                .next()
                .unwrap_or_default()
                .to_owned();
            let id = users::create(
                &mut conn,
                users::NewUser {
                    email: &email,
                    password_hash: hash,
                    first_name: if first_name.is_empty() {
                        &local
                    } else {
                        &first_name
                    },
                    last_name: &last_name,
                    role,
                    organisation_id: org_id.as_deref(),
                    is_org_admin: org_admin,
                    status: UserStatus::Active,
                    email_verified: true,
                    birth_date: None,
                },
            )
            .map_err(app_err)?;
            println!("Compte créé : {} ({})", email.as_str(), role.label());
            if pw.is_none() {
                let secret = tokens::issue(&mut conn, &id, tokens::Purpose::ResetPassword)
                    .map_err(app_err)?;
                println!(
                    "Lien pour choisir le mot de passe (valable une heure) : {}/mot-de-passe/nouveau?jeton={secret}",
                    state.config.base_url()
                );
            }
        }
        UserCommand::Token { email, name } => {
            let user = users::by_email(&mut conn, &email.trim().to_lowercase())
                .map_err(app_err)?
                .with_context(|| format!("no account {email:?}"))?;
            let secret = tokens::create_api_token(&mut conn, &user.id, &name).map_err(app_err)?;
            println!("{secret}");
        }
    }
    Ok(())
}

async fn import_file(
    state: &AppState,
    identifier: &str,
    file: &std::path::Path,
) -> anyhow::Result<()> {
    use passerelle::imports::service;
    let key = identifier.to_owned();
    let profile = state
        .db
        .run(move |conn| service::profile_by_identifier(conn, &key))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .with_context(|| format!("aucun profil d’import « {identifier} »"))?;
    let bytes = std::fs::read(file).with_context(|| format!("lecture de {}", file.display()))?;
    let rows = bytes.iter().filter(|b| **b == b'\n').count().max(1);
    let bar = indicatif::ProgressBar::new(u64::try_from(rows).unwrap_or(0));
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/~{len} lignes ({eta} restantes)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = bar.clone();
    let run = service::run(
        state,
        service::Upload {
            run_id: passerelle::db::new_id(),
            profile,
            user_id: None,
            channel: service::Channel::Cli,
            file_name: file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            bytes,
        },
        move |done| {
            progress.set_position(u64::try_from(done).unwrap_or(0));
            Ok(())
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    let id = run.id.clone();
    let rejected = state
        .db
        .run(move |conn| service::rejections(conn, &id))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut report = file.as_os_str().to_owned();
    report.push(".report.csv");
    std::fs::write(
        &report,
        service::report_csv(&run, &rejected).map_err(|e| anyhow::anyhow!("{e}"))?,
    )
    .with_context(|| format!("écriture du rapport {}", report.to_string_lossy()))?;
    println!("{}", run.summary());
    println!("Rapport : {}", report.to_string_lossy());
    if run.status == "failed" {
        anyhow::bail!("fichier refusé");
    }
    Ok(())
}
