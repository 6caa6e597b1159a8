//! Import pages (runs, reports, profiles, sending a file) and the HTTP channel of the API.

use std::collections::BTreeMap;

use askama::Template;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::apply::Rejection;
use super::profile::{self, FIELDS, ImportProfile, Mode, PRESETS};
use super::read::MAX_FILE_BYTES;
use super::service::{self, Channel, ImportRun, Upload};
use crate::AppState;
use crate::auth::policy::{Action, OrgRef, allows, authorize};
use crate::auth::{CurrentUser, SessionHandle};
use crate::error::{AppError, AppResult};
use crate::web::extract::{Form, Multipart, Path, Query};
use crate::web::{Page, form, render, see_other};

/// Room for the largest file plus the multipart envelope.
const BODY_LIMIT: usize = MAX_FILE_BYTES + 1024 * 1024;

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/imports", get(runs_page))
        .route(
            "/imports/envoyer",
            post(send_file).layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route("/imports/{id}", get(run_page))
        .route("/imports/{id}/rapport.csv", get(report_csv))
        .route("/imports/profils/nouveau", get(new_profile_page))
        .route("/imports/profils", post(create_profile))
        .route(
            "/imports/profils/{id}",
            get(edit_profile_page).post(update_profile),
        )
        .route("/imports/profils/{id}/confiance", post(trust))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_list, api_send))
        .routes(routes!(api_get))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

async fn org_ref(state: &AppState, org_id: String) -> AppResult<OrgRef> {
    state
        .db
        .run(move |conn| {
            let org = crate::organisations::store::get(conn, &org_id)?;
            crate::organisations::store::policy_ref(conn, &org)
        })
        .await
}

/// A run the caller may see (its organisation's, or any for the regional administrator);
/// another organisation's run answers 404.
async fn visible_run(
    state: &AppState,
    me: &CurrentUser,
    id: String,
) -> AppResult<(ImportRun, Vec<Rejection>)> {
    let (run, rejected) = state
        .db
        .run(move |conn| {
            let run = service::get(conn, &id)?;
            let rejected = service::rejections(conn, &id)?;
            Ok((run, rejected))
        })
        .await?;
    if !allows(me, &Action::ViewAllImports) {
        let org = org_ref(state, run.organisation_id.clone()).await?;
        authorize(me, &Action::UseImports(&org)).map_err(|_| AppError::not_found())?;
    }
    Ok((run, rejected))
}

/// A profile the caller may send files through (by identifier).
async fn usable_profile(
    state: &AppState,
    me: &CurrentUser,
    identifier: String,
) -> AppResult<ImportProfile> {
    let profile = state
        .db
        .run(move |conn| service::profile_by_identifier(conn, &identifier))
        .await?
        .ok_or_else(|| {
            AppError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "Aucun profil d’import ne porte cet identifiant dans votre organisation.",
            )
        })?;
    let org = org_ref(state, profile.organisation_id.clone()).await?;
    if me.organisation_id.as_deref() == Some(org.id.as_str())
        && !crate::auth::policy::organisation_may_import(me.organisation_status)
    {
        return Err(service::not_validated());
    }
    authorize(me, &Action::UseImports(&org)).map_err(|_| {
        AppError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Aucun profil d’import ne porte cet identifiant dans votre organisation.",
        )
    })?;
    Ok(profile)
}

// ---- Pages ----

#[derive(Template)]
#[template(path = "imports/runs.html")]
struct RunsPage {
    page: Page,
    runs: Vec<(ImportRun, String)>,
    profiles: Vec<ImportProfile>,
    /// The caller administers its organisation's profiles.
    can_manage: bool,
    all: bool,
}

async fn runs_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    let all = allows(&me, &Action::ViewAllImports);
    let org_id = me.organisation_id.clone().ok_or_else(AppError::forbidden)?;
    let org = org_ref(&state, org_id.clone()).await?;
    if !all {
        authorize(&me, &Action::UseImports(&org))?;
    }
    let can_manage = allows(&me, &Action::ManageImportProfiles(&org));
    let scope = (!all).then(|| org_id.clone());
    let (runs, profiles) = state
        .db
        .run(move |conn| {
            Ok((
                service::runs(conn, scope.as_deref(), 200)?,
                service::profiles_of(conn, &org_id)?,
            ))
        })
        .await?;
    render(&RunsPage {
        page: page.titled("Imports de fichiers"),
        runs,
        profiles,
        can_manage,
        all,
    })
}

#[derive(Template)]
#[template(path = "imports/run.html")]
struct RunPage {
    page: Page,
    run: ImportRun,
    rejected: Vec<Rejection>,
}

async fn run_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (run, rejected) = visible_run(&state, &me, id).await?;
    render(&RunPage {
        page: page.titled(format!("Import du fichier « {} »", run.file_name)),
        run,
        rejected,
    })
}

/// The run's report as CSV (summary, then the rejected rows), for pages and the API.
async fn report_csv(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (run, rejected) = visible_run(&state, &me, id).await?;
    let name = format!(
        "{}.report.csv",
        run.file_name.replace(['"', '\\', '/'], "_")
    );
    Ok(crate::web::csv::attachment(
        &name.replace(|c: char| !c.is_ascii(), "_"),
        service::report_csv(&run, &rejected)?,
    ))
}

/// A partner's staff sends a file from the page (same import as FTPS and the API).
async fn send_file(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Multipart(mut multipart): Multipart,
) -> AppResult<Response> {
    let mut identifier = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart.next_field().await.map_err(|_| {
        AppError::unprocessable("Le fichier n’a pas pu être reçu en entier (plus de 50 Mo ?).")
    })? {
        match field.name() {
            Some("profile") => {
                identifier = field.text().await.unwrap_or_default().trim().to_owned();
            }
            Some("file") => {
                let name = clean_file_name(field.file_name().unwrap_or("offres.csv"));
                let bytes = field.bytes().await.map_err(|_| {
                    AppError::unprocessable(
                        "Le fichier dépasse 50 Mo : découpez-le en plusieurs envois.",
                    )
                })?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        session
            .set_flash("Choisissez le fichier CSV à envoyer.")
            .await?;
        return Ok(see_other("/imports"));
    };
    let profile = usable_profile(&state, &me, identifier).await?;
    let run = service::run(
        &state,
        Upload {
            run_id: crate::db::new_id(),
            profile,
            user_id: Some(me.id.clone()),
            channel: Channel::Http,
            file_name,
            bytes,
        },
        |_| Ok(()),
    )
    .await?;
    session.set_flash(run.summary()).await?;
    Ok(see_other(&format!("/imports/{}", run.id)))
}

fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    if cleaned.trim().is_empty() {
        "offres.csv".to_owned()
    } else {
        cleaned
    }
}

#[derive(Template)]
#[template(path = "imports/profile.html")]
struct ProfilePage {
    page: Page,
    /// None for a new profile.
    profile: Option<ImportProfile>,
    form: ProfileForm,
    errors: Vec<String>,
    presets: &'static [profile::Preset],
    fields: &'static [profile::FieldSpec],
    /// The caller may trust or untrust it (the chamber of the territory).
    can_trust: bool,
}

impl ProfilePage {
    fn column(&self, key: &str) -> String {
        self.form.columns.get(key).cloned().unwrap_or_default()
    }
    fn default_value(&self, key: &str) -> String {
        self.form.defaults.get(key).cloned().unwrap_or_default()
    }
}

/// The profile form: `col_<field>` and `def_<field>` inputs for each field.
#[derive(Clone, Default)]
struct ProfileForm {
    identifier: String,
    name: String,
    preset: String,
    mode: String,
    columns: BTreeMap<String, String>,
    defaults: BTreeMap<String, String>,
    /// Unknown companies are proposed to the chamber (off unless ticked).
    allow_pending_companies: bool,
}

impl ProfileForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = Self::default();
        for (k, v) in pairs {
            let v = v.trim().to_owned();
            match k.as_str() {
                "identifier" => form.identifier = v,
                "name" => form.name = v,
                "preset" => form.preset = v,
                "mode" => form.mode = v,
                "allow_pending_companies" => form.allow_pending_companies = v == "oui",
                _ => {
                    if let Some(f) = k.strip_prefix("col_") {
                        if profile::field(f).is_some() && !v.is_empty() {
                            form.columns.insert(f.to_owned(), v);
                        }
                    } else if let Some(f) = k.strip_prefix("def_")
                        && profile::field(f).is_some()
                        && !v.is_empty()
                    {
                        form.defaults.insert(f.to_owned(), v);
                    }
                }
            }
        }
        form
    }

    fn of(profile: &ImportProfile) -> Self {
        Self {
            identifier: profile.identifier.clone(),
            name: profile.name.clone(),
            preset: profile.preset.clone(),
            mode: profile.mode.clone(),
            columns: profile.mapping(),
            defaults: profile.default_values(),
            allow_pending_companies: profile.allow_pending_companies,
        }
    }

    fn preset(name: &str) -> Self {
        let p = profile::preset(name).unwrap_or(&PRESETS[0]);
        Self {
            preset: p.name.to_owned(),
            mode: Mode::Delta.as_str().to_owned(),
            columns: p.mapping(),
            defaults: p.default_values(),
            ..Self::default()
        }
    }

    /// Checks the form; the preset becomes `custom` when the mapping differs from it.
    fn check(&self, new: bool) -> Result<service::ProfileInput, Vec<String>> {
        let mut errors = Vec::new();
        if new && !profile::valid_identifier(&self.identifier) {
            errors.push(
                "L’identifiant fait de 3 à 40 caractères : lettres minuscules sans accent, \
                 chiffres et tirets (il sert de nom d’utilisateur FTPS)."
                    .to_owned(),
            );
        }
        if self.name.is_empty() || self.name.chars().count() > 100 {
            errors.push("Donnez un nom au profil (100 caractères au plus).".to_owned());
        }
        let mode = Mode::parse(&self.mode);
        if mode.is_none() {
            errors.push("Choisissez le mode : différentiel ou complet.".to_owned());
        }
        for f in FIELDS.iter().filter(|f| f.required) {
            if !self.columns.contains_key(f.key) && !self.defaults.contains_key(f.key) {
                errors.push(format!(
                    "« {} » : indiquez la colonne du fichier ou une valeur par défaut.",
                    f.label
                ));
            }
        }
        if !self.columns.contains_key("reference") {
            errors.push(
                "La référence de l’offre doit venir d’une colonne du fichier : c’est elle qui \
                 relie chaque ligne à son offre."
                    .to_owned(),
            );
        }
        let preset = match profile::preset(&self.preset) {
            Some(p) if p.mapping() == self.columns => p.name.to_owned(),
            _ => "custom".to_owned(),
        };
        match mode {
            Some(mode) if errors.is_empty() => Ok(service::ProfileInput {
                identifier: self.identifier.clone(),
                name: self.name.clone(),
                preset,
                mapping: self.columns.clone(),
                mode,
                defaults: self.defaults.clone(),
                allow_pending_companies: self.allow_pending_companies,
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Deserialize, Default)]
struct PresetQuery {
    preset: Option<String>,
}

async fn managed_org(state: &AppState, me: &CurrentUser) -> AppResult<(String, OrgRef)> {
    let org_id = me.organisation_id.clone().ok_or_else(AppError::forbidden)?;
    let org = org_ref(state, org_id.clone()).await?;
    if !crate::auth::policy::organisation_may_import(me.organisation_status) {
        return Err(service::not_validated());
    }
    authorize(me, &Action::ManageImportProfiles(&org))?;
    Ok((org_id, org))
}

async fn new_profile_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Query(q): Query<PresetQuery>,
) -> AppResult<Response> {
    managed_org(&state, &me).await?;
    render(&ProfilePage {
        page: page.titled("Nouveau profil d’import"),
        profile: None,
        form: ProfileForm::preset(q.preset.as_deref().unwrap_or("generic")),
        errors: Vec::new(),
        presets: PRESETS,
        fields: FIELDS,
        can_trust: false,
    })
}

async fn create_profile(
    State(state): State<AppState>,
    session: SessionHandle,
    page: Page,
    me: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (org_id, _) = managed_org(&state, &me).await?;
    let form = ProfileForm::from_pairs(pairs);
    let errors = match form.check(true) {
        Ok(input) => {
            match state
                .db
                .run(move |conn| service::create_profile(conn, &org_id, &input, false))
                .await
            {
                Ok(id) => {
                    session
                        .set_flash("Le profil d’import est créé. La chambre consulaire peut l’autoriser à publier sans validation.")
                        .await?;
                    return Ok(see_other(&format!("/imports/profils/{id}")));
                }
                Err(e) if e.status() == StatusCode::CONFLICT => vec![e.message().to_owned()],
                Err(e) => return Err(e),
            }
        }
        Err(errors) => errors,
    };
    let response = render(&ProfilePage {
        page: page.titled("Nouveau profil d’import"),
        profile: None,
        form,
        errors,
        presets: PRESETS,
        fields: FIELDS,
        can_trust: false,
    })?;
    Ok(form::rerender(response))
}

/// A profile the caller may see: its organisation's (or its territory's, for the chamber).
async fn visible_profile(
    state: &AppState,
    me: &CurrentUser,
    id: String,
) -> AppResult<(ImportProfile, OrgRef)> {
    let profile = state
        .db
        .run(move |conn| service::profile(conn, &id))
        .await?;
    let org = org_ref(state, profile.organisation_id.clone()).await?;
    if !allows(me, &Action::UseImports(&org)) && !allows(me, &Action::TrustImports(&org)) {
        return Err(AppError::not_found());
    }
    Ok((profile, org))
}

async fn edit_profile_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (profile, org) = visible_profile(&state, &me, id).await?;
    let form = ProfileForm::of(&profile);
    render(&ProfilePage {
        page: page.titled(format!("Profil d’import « {} »", profile.identifier)),
        can_trust: allows(&me, &Action::TrustImports(&org)),
        profile: Some(profile),
        form,
        errors: Vec::new(),
        presets: PRESETS,
        fields: FIELDS,
    })
}

async fn update_profile(
    State(state): State<AppState>,
    session: SessionHandle,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (profile, org) = visible_profile(&state, &me, id).await?;
    authorize(&me, &Action::ManageImportProfiles(&org)).map_err(|_| AppError::not_found())?;
    let mut form = ProfileForm::from_pairs(pairs);
    form.identifier = profile.identifier.clone();
    match form.check(false) {
        Ok(input) => {
            let id = profile.id.clone();
            state
                .db
                .run(move |conn| service::update_profile(conn, &id, &input))
                .await?;
            session
                .set_flash("Le profil d’import est enregistré.")
                .await?;
            Ok(see_other(&format!("/imports/profils/{}", profile.id)))
        }
        Err(errors) => {
            let response = render(&ProfilePage {
                page: page.titled(format!("Profil d’import « {} »", profile.identifier)),
                can_trust: allows(&me, &Action::TrustImports(&org)),
                profile: Some(profile),
                form,
                errors,
                presets: PRESETS,
                fields: FIELDS,
            })?;
            Ok(form::rerender(response))
        }
    }
}

#[derive(Deserialize)]
struct TrustForm {
    trusted: String,
}

async fn trust(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<TrustForm>,
) -> AppResult<Response> {
    let (profile, org) = visible_profile(&state, &me, id).await?;
    authorize(&me, &Action::TrustImports(&org))?;
    let trusted = form.trusted == "oui";
    let (pid, actor) = (profile.id.clone(), me.clone());
    state
        .db
        .tx(move |conn| {
            service::set_trusted(conn, &pid, trusted)?;
            crate::auth::audit::record(
                conn,
                crate::auth::audit::Event::by(
                    &actor,
                    if trusted {
                        "import_profile_trusted"
                    } else {
                        "import_profile_untrusted"
                    },
                )
                .on("import_profile", &pid),
            )
        })
        .await?;
    session
        .set_flash(if trusted {
            "Les offres de ce profil seront publiées sans validation."
        } else {
            "Les offres de ce profil passeront par votre validation."
        })
        .await?;
    Ok(see_other(&format!("/imports/profils/{}", profile.id)))
}

// ---- API ----

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SendQuery {
    /// The import profile's identifier.
    profile: String,
    /// File name recorded with the run (default `import.csv`).
    name: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Accepted {
    id: String,
    status: String,
}

/// Sends a CSV file of offers through an import profile (raw body, or multipart with a `file`
/// field). The file is recorded, then imported in the background (files of one profile in the
/// order they arrived): the answer gives the run's id, whose status (`queued`, `running`,
/// `done`, `failed`) and report `GET /api/v1/imports/{id}` gives.
#[utoipa::path(post, path = "/imports", operation_id = "send_import_file", tag = "imports", security(("bearer" = [])),
    params(SendQuery),
    request_body(content = String, content_type = "text/csv", description = "The CSV file"),
    responses((status = 202, body = Accepted), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
async fn api_send(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<SendQuery>,
    request: axum::extract::Request,
) -> AppResult<Response> {
    let profile = usable_profile(&state, &me, q.profile).await?;
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let too_big =
        || AppError::unprocessable("Le fichier dépasse 50 Mo : découpez-le en plusieurs envois.");
    let (file_name, bytes) = if multipart {
        let parts = Multipart::from_request(request, &state)
            .await
            .map_err(|_| AppError::bad_request("Requête multipart illisible."))?;
        multipart_file(parts).await?
    } else {
        let body = Bytes::from_request(request, &state)
            .await
            .map_err(|_| too_big())?;
        (
            clean_file_name(q.name.as_deref().unwrap_or("import.csv")),
            body.to_vec(),
        )
    };
    if bytes.is_empty() {
        return Err(AppError::unprocessable(
            "Le corps de la requête est vide : envoyez le fichier CSV.",
        ));
    }
    let run_id = crate::db::new_id();
    let upload = Upload {
        run_id: run_id.clone(),
        profile,
        user_id: Some(me.id.clone()),
        channel: Channel::Http,
        file_name,
        bytes,
    };
    // Recorded (bytes included) before the answer: any node imports it, even if this one
    // stops.
    service::receive(&state, upload, None).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            id: run_id,
            status: "queued".into(),
        }),
    )
        .into_response())
}

/// The `file` part of a multipart body.
async fn multipart_file(Multipart(mut parts): Multipart) -> AppResult<(String, Vec<u8>)> {
    while let Some(field) = parts
        .next_field()
        .await
        .map_err(|_| AppError::bad_request("Requête multipart illisible."))?
    {
        if field.name() == Some("file") {
            let name = clean_file_name(field.file_name().unwrap_or("import.csv"));
            let bytes = field.bytes().await.map_err(|_| {
                AppError::unprocessable(
                    "Le fichier dépasse 50 Mo : découpez-le en plusieurs envois.",
                )
            })?;
            return Ok((name, bytes.to_vec()));
        }
    }
    Err(AppError::unprocessable(
        "Aucune partie « file » dans la requête multipart.",
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
struct RunAnswer {
    #[serde(flatten)]
    run: ImportRun,
    rejections: Vec<Rejection>,
}

/// A run: status (`running`, `done`, `failed`), counts, error and rejected rows (line, column,
/// value, French reason). The CSV report is at `/imports/{id}/rapport.csv`.
#[utoipa::path(get, path = "/imports/{id}", operation_id = "get_import_run", tag = "imports", security(("bearer" = [])),
    params(("id" = String, Path, description = "Run id")),
    responses((status = 200, body = RunAnswer), (status = 404, body = crate::error::ErrorBody)))]
async fn api_get(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<RunAnswer>> {
    let (run, rejections) = visible_run(&state, &me, id).await?;
    Ok(Json(RunAnswer { run, rejections }))
}

/// The caller's organisation's runs, most recent first (every run for the regional
/// administrator).
#[utoipa::path(get, path = "/imports", operation_id = "list_import_runs", tag = "imports", security(("bearer" = [])),
    responses((status = 200, body = [ImportRun]), (status = 403, body = crate::error::ErrorBody)))]
async fn api_list(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<Json<Vec<ImportRun>>> {
    let all = allows(&me, &Action::ViewAllImports);
    let org_id = me.organisation_id.clone().ok_or_else(AppError::forbidden)?;
    if !all {
        let org = org_ref(&state, org_id.clone()).await?;
        authorize(&me, &Action::UseImports(&org))?;
    }
    let scope = (!all).then_some(org_id);
    let runs = state
        .db
        .run(move |conn| service::runs(conn, scope.as_deref(), 200))
        .await?;
    Ok(Json(runs.into_iter().map(|(r, _)| r).collect()))
}

/// Dashboard tile: the imports of the person's organisation (or all of them).
pub async fn tiles(
    state: AppState,
    me: crate::auth::CurrentUser,
) -> crate::error::AppResult<Vec<crate::web::dashboard::Tile>> {
    use crate::auth::policy::{Action, allows};
    let mut tiles = Vec::new();
    if let Some(org) = me.organisation_id.clone() {
        let (org, has_profiles) = state
            .db
            .run(move |conn| {
                let has_profiles = !service::profiles_of(conn, &org)?.is_empty();
                let org = crate::organisations::store::get(conn, &org)?;
                Ok((
                    crate::organisations::store::policy_ref(conn, &org)?,
                    has_profiles,
                ))
            })
            .await?;
        // Partners feed their software's files; a company sees the tile once it has an import
        // profile (a small firm without software is not shown a tool it does not use).
        let imports_here = allows(&me, &Action::UseImports(&org))
            && (has_profiles || org.kind != crate::types::OrgKind::Company);
        if imports_here || allows(&me, &Action::ViewAllImports) {
            tiles.push(crate::web::dashboard::Tile {
                href: "/imports",
                title: "Imports de fichiers",
                text: "Fichiers envoyés par votre logiciel (offres en CSV, catalogue de formations LHÉO) par FTPS ou API, rapports et profils d’import."
                    .into(),
                figures: Vec::new(),
            });
        }
    }
    Ok(tiles)
}

/// « Mon espace »: the file imports of a partner, or all of them.
pub fn space(me: &crate::auth::CurrentUser) -> Vec<crate::web::nav::NavLink> {
    use crate::auth::policy::{Action, OrgRef, allows};
    use crate::web::nav::NavLink;
    let mut links = Vec::new();
    let own = match (&me.organisation_id, me.organisation_kind) {
        (Some(id), Some(kind)) => Some(OrgRef {
            id: id.clone(),
            kind,
            departments: me.departments.clone(),
        }),
        _ => None,
    };
    // Partners that feed files, and the administrators of a company who may set it up.
    if allows(me, &Action::ViewAllImports)
        || own.as_ref().is_some_and(|org| {
            allows(me, &Action::ManageImportProfiles(org))
                || (org.kind != crate::types::OrgKind::Company
                    && allows(me, &Action::UseImports(org)))
        })
    {
        links.push(NavLink::new("/imports", "Imports de fichiers"));
    }
    links
}
