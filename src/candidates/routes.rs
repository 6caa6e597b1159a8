//! Pages and API of candidate profiles: the candidate's own page (profile, CV, who viewed it,
//! export, erasure), the chambers' validation queue, and CV search for recruiters.

use askama::Template;
use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::service::{self, MOBILITY_CHOICES, ProfileForm};
use super::store::{self, Profile};
use crate::AppState;
use crate::auth::policy::{Action, Rows, authorize, scope};
use crate::auth::{CurrentUser, SessionHandle, password};
use crate::error::{AppError, AppResult};
use crate::offers::model::{LEVELS, level_label};
use crate::web::extract::{Form, Multipart, Path, Query};
use crate::web::filters::SearchLinks;
use crate::web::{Page, form, render, see_other};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/profil", get(my_profile).post(save_profile))
        .route("/profil/visibilite", post(toggle_visibility))
        .route("/profil/accompagnement", post(save_accompaniment))
        .route(
            "/profil/cv",
            get(my_cv)
                .post(upload_cv)
                .layer(DefaultBodyLimit::max(service::MAX_CV_BYTES + 256 * 1024)),
        )
        .route("/profil/cv/supprimer", post(delete_cv))
        .route("/profil/consultations", get(my_views))
        .route("/profil/export", get(export))
        .route("/profil/supprimer", post(erase))
        .route("/moderation/profils", get(queue))
        .route("/moderation/profils/{id}", post(decide))
        .route("/candidats", get(search))
        .route("/candidats/alertes", get(alerts_page).post(create_alert))
        .route("/candidats/alertes/{id}/supprimer", post(delete_alert))
        .route("/candidats/{id}", get(show))
        .route("/candidats/{id}/cv", get(download_cv))
        .route("/candidats/{id}/contact", post(request_contact))
        .route("/contacts/{id}", post(answer_contact))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_search))
        .routes(routes!(api_get))
        .routes(routes!(api_export))
        .routes(routes!(api_my_profile, api_save_profile))
        .routes(routes!(api_queue))
        .routes(routes!(api_decide))
        .routes(routes!(api_request_contact))
        .routes(routes!(api_contact_requests))
        .routes(routes!(api_answer_contact))
}

fn candidate_only(me: &CurrentUser) -> AppResult<()> {
    authorize(me, &Action::ActAsCandidate)
}

fn levels() -> Vec<(i32, &'static str)> {
    std::iter::once((2, "Sans diplôme ou niveau collège"))
        .chain(LEVELS.iter().map(|l| (*l, level_label(*l))))
        .collect()
}

#[derive(Template)]
#[template(path = "candidates/profile.html")]
struct ProfilePage {
    page: Page,
    profile: Option<Profile>,
    contacts: Vec<(super::contact::ContactRequest, String)>,
    form: ProfileForm,
    errors: Vec<String>,
    /// The communes to choose from when the one typed is ambiguous.
    commune_choices: Vec<crate::referential::Commune>,
    levels: Vec<(i32, &'static str)>,
    mobility: &'static [i32],
    accompaniment: Option<super::accompaniment::Accompaniment>,
    /// Agencies a candidate may name (id, name).
    agencies: Vec<(String, String)>,
}

async fn profile_page(
    state: &AppState,
    page: Page,
    me: &CurrentUser,
    form: Option<ProfileForm>,
    errors: Vec<String>,
) -> AppResult<Response> {
    let id = me.id.clone();
    let typed = form
        .as_ref()
        .filter(|_| !errors.is_empty())
        .map(|f| f.commune.clone())
        .unwrap_or_default();
    let (profile, occupations, contacts, commune, commune_choices, (accompaniment, agencies)) =
        state
            .db
            .run(move |conn| {
                let commune_choices = crate::referential::store::commune_choices(conn, &typed)?;
                let profile = store::get(conn, &id)?;
                let commune = match profile.as_ref().and_then(|p| p.commune_insee.as_deref()) {
                    Some(code) => crate::referential::store::commune(conn, code)?,
                    None => None,
                };
                Ok((
                    profile,
                    store::occupations(conn, &id)?,
                    super::contact::received(conn, &id)?,
                    commune,
                    commune_choices,
                    (
                        super::accompaniment::of(conn, &id)?,
                        super::accompaniment::agencies(conn)?,
                    ),
                ))
            })
            .await?;
    // People read and type names: « Boulanger / Boulangère », « Rennes (35000) ».
    let form = form.unwrap_or_else(|| match &profile {
        Some(p) => {
            let mut codes = occupations.iter().map(|(_, label)| label.clone());
            ProfileForm {
                rome1: codes.next().unwrap_or_default(),
                rome2: codes.next().unwrap_or_default(),
                rome3: codes.next().unwrap_or_default(),
                rome4: codes.next().unwrap_or_default(),
                rome5: codes.next().unwrap_or_default(),
                level_reached: p.level_reached.map(|l| l.to_string()).unwrap_or_default(),
                level_sought: p.level_sought.map(|l| l.to_string()).unwrap_or_default(),
                commune: commune.as_ref().map(|c| c.label()).unwrap_or_default(),
                mobility_km: p.mobility_km.to_string(),
                available_from: p
                    .available_from
                    .map(|d| crate::web::date_fr(&d))
                    .unwrap_or_default(),
                presentation: p.presentation.clone(),
                structured_cv: p.structured_cv.clone().unwrap_or_default(),
                visible: p.visible.then(|| "oui".to_owned()),
            }
        }
        None => ProfileForm {
            mobility_km: "20".into(),
            visible: Some("oui".into()),
            ..ProfileForm::default()
        },
    });
    let status = form::status(&errors);
    let response = render(&ProfilePage {
        page: page.titled("Mon profil"),
        profile,
        contacts,
        form,
        errors,
        commune_choices,
        levels: levels(),
        mobility: &MOBILITY_CHOICES,
        accompaniment,
        agencies,
    })?;
    Ok((status, response).into_response())
}

#[derive(Deserialize)]
struct AccompanimentForm {
    #[serde(default)]
    structure: String,
    #[serde(default)]
    suivi: String,
}

/// The candidate names the structure that accompanies them (or none) and says whether its
/// advisers may follow their applications; effective at once.
async fn save_accompaniment(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Form(form): Form<AccompanimentForm>,
) -> AppResult<Response> {
    candidate_only(&me)?;
    let follow = form.suivi == "oui";
    let result = state
        .db
        .tx(move |conn| {
            let agency = Some(form.structure.trim()).filter(|s| !s.is_empty());
            super::accompaniment::set(conn, &me, agency, follow)
        })
        .await?;
    session
        .set_flash(match &result {
            Err(e) => e.as_str(),
            Ok(()) if follow => "C’est noté : votre conseiller·ère peut suivre vos candidatures.",
            Ok(()) => "C’est noté : aucune structure ne suit vos candidatures.",
        })
        .await?;
    Ok(see_other("/profil#accompagnement"))
}

async fn my_profile(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    candidate_only(&me)?;
    profile_page(&state, page, &me, None, Vec::new()).await
}

async fn save_profile(
    State(state): State<AppState>,
    session: SessionHandle,
    page: Page,
    me: CurrentUser,
    Form(form): Form<ProfileForm>,
) -> AppResult<Response> {
    candidate_only(&me)?;
    let id = me.id.clone();
    let input = form.clone();
    let result = state
        .db
        .tx(move |conn| match service::check_form(conn, &input)? {
            Ok(profile) => store::save(conn, &id, &profile).map(|_| Ok(())),
            Err(errors) => Ok(Err(errors)),
        })
        .await?;
    match result {
        Ok(()) => {
            session.set_flash("Votre profil est enregistré. La chambre consulaire le validera avant que les entreprises puissent le voir.").await?;
            Ok(see_other("/profil"))
        }
        Err(errors) => profile_page(&state, page, &me, Some(form), errors).await,
    }
}

#[derive(Deserialize)]
struct VisibilityForm {
    visible: String,
}

async fn toggle_visibility(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Form(form): Form<VisibilityForm>,
) -> AppResult<Response> {
    candidate_only(&me)?;
    let visible = form.visible == "oui";
    let id = me.id.clone();
    state
        .db
        .run(move |conn| {
            store::get(conn, &id)?
                .ok_or_else(|| AppError::unprocessable("Enregistrez d’abord votre profil."))?;
            store::set_visible(conn, &id, visible)
        })
        .await?;
    session
        .set_flash(if visible {
            "Votre profil est visible des entreprises (une fois validé)."
        } else {
            "Votre profil est masqué : aucune entreprise ne peut le voir."
        })
        .await?;
    Ok(see_other("/profil"))
}

async fn upload_cv(
    State(state): State<AppState>,
    session: SessionHandle,
    page: Page,
    me: CurrentUser,
    Multipart(mut multipart): Multipart,
) -> AppResult<Response> {
    candidate_only(&me)?;
    let mut upload: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::unprocessable("Le fichier n’a pas pu être reçu en entier (plus de 5 Mo ?). Réessayez avec un PDF plus léger."))?
    {
        if field.name() == Some("cv") {
            let name = field.file_name().unwrap_or("cv.pdf").chars().filter(|c| !c.is_control()).take(120).collect::<String>();
            let bytes = field
                .bytes()
                .await
                .map_err(|_| AppError::unprocessable("Le CV dépasse 5 Mo : enregistrez-le en PDF plus léger (sans images en haute définition)."))?;
            upload = Some((name, bytes.to_vec()));
        }
    }
    let Some((name, bytes)) = upload else {
        return profile_page(
            &state,
            page,
            &me,
            None,
            vec!["Choisissez un fichier PDF à envoyer.".into()],
        )
        .await;
    };
    if let Err(e) = service::check_cv(&bytes) {
        if e.status().is_client_error() {
            return profile_page(&state, page, &me, None, vec![e.message().to_owned()]).await;
        }
        return Err(e);
    }
    let id = me.id.clone();
    // The file and the profile that names it are written together, or neither is; the
    // previous CV is deleted in the same transaction.
    let stored = state
        .db
        .tx(move |conn| service::store_cv(conn, &id, &name, &bytes))
        .await;
    match stored {
        Ok(()) => {
            session
                .set_flash("Votre CV est enregistré. Il sera vérifié avec votre profil.")
                .await?;
            Ok(see_other("/profil"))
        }
        Err(e) if e.status().is_client_error() => {
            profile_page(&state, page, &me, None, vec![e.message().to_owned()]).await
        }
        Err(e) => Err(e),
    }
}

async fn delete_cv(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
) -> AppResult<Response> {
    candidate_only(&me)?;
    let id = me.id.clone();
    // The stored file goes with the change (see the migration `cv_in_database`).
    state
        .db
        .tx(move |conn| store::set_cv(conn, &id, None))
        .await?;
    session.set_flash("Votre CV est supprimé.").await?;
    Ok(see_other("/profil"))
}

fn pdf_response(bytes: Vec<u8>) -> AppResult<Response> {
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"cv.pdf\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        bytes,
    )
        .into_response())
}

async fn my_cv(State(state): State<AppState>, me: CurrentUser) -> AppResult<Response> {
    candidate_only(&me)?;
    let id = me.id.clone();
    let bytes = state
        .db
        .run(
            move |conn| match store::get(conn, &id)?.and_then(|p| p.cv_file) {
                Some(stored) => service::cv_bytes(conn, &stored),
                None => Ok(None),
            },
        )
        .await?
        .ok_or_else(AppError::not_found)?;
    pdf_response(bytes)
}

#[derive(Template)]
#[template(path = "candidates/views.html")]
struct ViewsPage {
    page: Page,
    views: Vec<(NaiveDateTime, String, Option<String>)>,
}

async fn my_views(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    candidate_only(&me)?;
    let id = me.id.clone();
    let views = state.db.run(move |conn| store::views(conn, &id)).await?;
    render(&ViewsPage {
        page: page.titled("Qui a consulté mon profil"),
        views,
    })
}

async fn export(State(state): State<AppState>, me: CurrentUser) -> AppResult<Response> {
    candidate_only(&me)?;
    let id = me.id.clone();
    let data = state.db.run(move |conn| service::export(conn, &id)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"mes-donnees-passerelle.json\"",
            ),
        ],
        serde_json::to_string_pretty(&data).map_err(AppError::internal)?,
    )
        .into_response())
}

#[derive(Deserialize)]
struct EraseForm {
    password: String,
}

async fn erase(
    State(state): State<AppState>,
    session: SessionHandle,
    page: Page,
    me: CurrentUser,
    Form(form): Form<EraseForm>,
) -> AppResult<Response> {
    candidate_only(&me)?;
    let id = me.id.clone();
    let user = state
        .db
        .run(move |conn| crate::auth::store::by_id(conn, &id))
        .await?
        .ok_or_else(AppError::unauthorized)?;
    if !user
        .password_hash
        .as_deref()
        .is_some_and(|h| password::verify(&form.password, h))
    {
        return profile_page(
            &state,
            page,
            &me,
            None,
            vec!["Mot de passe incorrect : votre compte n’a pas été supprimé.".into()],
        )
        .await;
    }
    let id = me.id.clone();
    state
        .db
        .tx(move |conn| service::erase(conn, &id, "requested by the person"))
        .await?;
    session.logout().await?;
    session
        .set_flash(
            "Votre compte et toutes vos données ont été supprimés. Au revoir, et bonne route !",
        )
        .await?;
    Ok(see_other("/"))
}

// ---- Validation by the chamber ----

#[derive(Template)]
#[template(path = "candidates/queue.html")]
struct QueuePage {
    page: Page,
    pending: Vec<(Profile, String, String)>,
}

/// Profiles waiting for validation where the caller validates (the whole region for the
/// regional administrator).
async fn pending_profiles(
    state: &AppState,
    me: &CurrentUser,
) -> AppResult<Vec<(Profile, String, String)>> {
    authorize(me, &Action::ViewCandidateQueue)?;
    let scope = scope(me, Rows::Territory);
    state
        .db
        .run(move |conn| {
            let departments = scope.department_codes(conn)?;
            store::pending_in(conn, &departments)
        })
        .await
}

async fn queue(State(state): State<AppState>, page: Page, me: CurrentUser) -> AppResult<Response> {
    let pending = pending_profiles(&state, &me).await?;
    render(&QueuePage {
        page: page.titled("Profils à valider"),
        pending,
    })
}

#[derive(Deserialize)]
struct DecisionForm {
    decision: String,
    reason: Option<String>,
}

async fn decide(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    let approve = match form.decision.as_str() {
        "valider" => true,
        "refuser" => false,
        _ => return Err(AppError::bad_request("Décision inconnue.")),
    };
    match decide_profile(&state, me, id, approve, form.reason).await {
        Ok(()) => {}
        Err(e) if e.status() == StatusCode::UNPROCESSABLE_ENTITY => {
            session.set_flash(e.message().to_owned()).await?;
            return Ok(see_other("/moderation/profils"));
        }
        Err(e) => return Err(e),
    }
    session
        .set_flash(if approve {
            "Le profil est validé."
        } else {
            "Le profil est renvoyé au candidat avec votre message."
        })
        .await?;
    Ok(see_other("/moderation/profils"))
}

/// Validates or rejects a profile the caller moderates (a rejection needs a reason).
async fn decide_profile(
    state: &AppState,
    me: CurrentUser,
    id: String,
    approve: bool,
    reason: Option<String>,
) -> AppResult<()> {
    let reason = reason.filter(|r| !r.trim().is_empty());
    if !approve && reason.is_none() {
        return Err(AppError::unprocessable(
            "Pour refuser un profil, indiquez ce qu’il faut corriger : le message est envoyé au candidat.",
        ));
    }
    let base = state.config.base_url();
    state
        .db
        .tx(move |conn| {
            let profile = store::get(conn, &id)?.ok_or_else(AppError::not_found)?;
            authorize(
                &me,
                &Action::ModerateCandidate(&service::candidate_ref(&profile)),
            )
            .map_err(|_| AppError::not_found())?;
            service::decide(conn, &base, &me, &id, approve, reason.as_deref())
        })
        .await
}

// ---- Contact requests ----

#[derive(Deserialize)]
struct ContactForm {
    message: String,
}

async fn request_contact(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<ContactForm>,
) -> AppResult<Response> {
    let base = state.config.base_url();
    let key = id.clone();
    match state.db.tx(move |conn| super::contact::request(conn, &base, &me, &key, &form.message)).await {
        Ok(()) => session.set_flash("Votre demande est envoyée. Vous aurez l’adresse e-mail de la personne si elle accepte.").await?,
        Err(e) if matches!(e.status(), StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT) => session.set_flash(e.message().to_owned()).await?,
        Err(e) => return Err(e),
    }
    Ok(see_other(&format!("/candidats/{id}")))
}

#[derive(Deserialize)]
struct AnswerForm {
    decision: String,
}

async fn answer_contact(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<AnswerForm>,
) -> AppResult<Response> {
    candidate_only(&me)?;
    let accept = form.decision == "accepter";
    let base = state.config.base_url();
    state
        .db
        .tx(move |conn| super::contact::answer(conn, &base, &me, &id, accept))
        .await?;
    session
        .set_flash(if accept {
            "Vous avez accepté : l’organisation a reçu votre adresse e-mail."
        } else {
            "Vous avez refusé : l’organisation n’aura pas vos coordonnées."
        })
        .await?;
    Ok(see_other("/profil"))
}

// ---- Recruiters ----

/// A profile as a recruiter sees it: no e-mail, no birth date, no surname.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CandidateView {
    pub id: String,
    pub first_name: String,
    pub occupations: Vec<(String, String)>,
    pub level_reached: Option<i32>,
    pub level_sought: Option<i32>,
    pub commune: Option<String>,
    pub mobility_km: i32,
    pub available_from: Option<chrono::NaiveDate>,
    pub presentation: String,
    pub structured_cv: Option<String>,
    pub has_cv: bool,
    #[serde(skip)]
    pub distance_km: Option<f64>,
}

impl CandidateView {
    pub fn level_label(&self) -> &'static str {
        self.level_reached.map_or("non précisé", level_label)
    }
    pub fn distance(&self) -> String {
        self.distance_km
            .map(|d| format!("{:.0} km", d))
            .unwrap_or_default()
    }
}

fn candidate_view(
    conn: &mut crate::db::DbConnection,
    profile: Profile,
    first_name: String,
    distance_km: Option<f64>,
) -> AppResult<CandidateView> {
    let occupations = store::occupations(conn, &profile.user_id)?;
    let commune = match &profile.commune_insee {
        Some(code) => crate::referential::store::commune(conn, code)?
            .map(|c| format!("{} ({})", c.name, c.department)),
        None => None,
    };
    Ok(CandidateView {
        id: profile.user_id.clone(),
        first_name,
        occupations,
        level_reached: profile.level_reached,
        level_sought: profile.level_sought,
        commune,
        mobility_km: profile.mobility_km,
        available_from: profile.available_from,
        presentation: profile.presentation.clone(),
        structured_cv: profile.structured_cv.clone(),
        has_cv: profile.has_cv(),
        distance_km,
    })
}

/// An occupation wished, with its label.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WishedOccupation {
    /// ROME code.
    pub code: String,
    pub label: String,
}

/// One result of a CV search: enough to choose whom to open, nothing more. The full profile
/// (presentation, CV) is one view of `GET /candidates/{id}`, logged and shown to the candidate.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CandidateSummary {
    pub id: String,
    pub first_name: String,
    /// Initial of the last name, e.g. `M.`.
    pub last_name_initial: String,
    pub occupations: Vec<WishedOccupation>,
    /// Level reached, as a label (`Niveau 3 – CAP, BEP`).
    pub level: Option<String>,
    /// Commune and postal code, e.g. `Rennes (35000)`.
    pub commune: Option<String>,
    /// Available from this day (`AAAA-MM-JJ`); none: now.
    pub available_from: Option<chrono::NaiveDate>,
    #[serde(skip)]
    pub distance_km: Option<f64>,
}

impl CandidateSummary {
    /// `Léa M.`
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name_initial)
    }
    pub fn distance(&self) -> String {
        match self.distance_km {
            Some(d) if d < 1.0 => "moins d’1 km".to_owned(),
            Some(d) => format!("{:.0} km", d),
            None => String::new(),
        }
    }
    pub fn available_fr(&self) -> String {
        self.available_from
            .map(|d| format!("disponible le {}", crate::web::date_fr(&d)))
            .unwrap_or_else(|| "disponible dès maintenant".to_owned())
    }
}

fn candidate_summary(
    conn: &mut crate::db::DbConnection,
    profile: Profile,
    first_name: String,
    last_name: &str,
    distance_km: Option<f64>,
) -> AppResult<CandidateSummary> {
    let occupations = store::occupations(conn, &profile.user_id)?
        .into_iter()
        .map(|(code, label)| WishedOccupation { code, label })
        .collect();
    let commune = match &profile.commune_insee {
        Some(code) => crate::referential::store::commune(conn, code)?.map(|c| {
            let postal = c.postal_codes.split_whitespace().next().map(str::to_owned);
            format!("{} ({})", c.name, postal.unwrap_or(c.department))
        }),
        None => None,
    };
    Ok(CandidateSummary {
        id: profile.user_id,
        first_name,
        last_name_initial: last_name
            .chars()
            .next()
            .map(|c| format!("{}.", c.to_uppercase()))
            .unwrap_or_default(),
        occupations,
        level: profile.level_reached.map(|l| level_label(l).to_owned()),
        commune,
        available_from: profile.available_from,
        distance_km,
    })
}

/// Loads a profile the caller may see and records the view.
fn visible_profile(
    conn: &mut crate::db::DbConnection,
    applied_to: Option<super::AppliedTo>,
    me: &CurrentUser,
    id: &str,
    download: bool,
) -> AppResult<(Profile, String)> {
    let profile = store::get(conn, id)?.ok_or_else(AppError::not_found)?;
    let mut reference = service::candidate_ref(&profile);
    if let Some(super::AppliedTo(organisations)) = applied_to {
        reference.applied_to = organisations(conn, id)?;
    }
    authorize(me, &Action::ViewCandidate(&reference)).map_err(|_| AppError::not_found())?;
    let user = crate::auth::store::by_id(conn, id)?.ok_or_else(AppError::not_found)?;
    service::record_view(conn, me, id, download)?;
    Ok((profile, user.first_name))
}

#[derive(Template)]
#[template(path = "candidates/show.html")]
struct ShowPage {
    page: Page,
    c: CandidateView,
    /// This organisation's contact request, if any.
    contact: Option<super::contact::ContactRequest>,
    /// The candidate's e-mail, once they accepted contact.
    email: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let applied_to = state.registry.get::<super::AppliedTo>().copied();
    let (c, contact, email) = state
        .db
        .tx(move |conn| {
            let (profile, first_name) = visible_profile(conn, applied_to, &me, &id, false)?;
            let contact = match &me.organisation_id {
                Some(org) => super::contact::of_organisation(conn, &id, org)?,
                None => None,
            };
            let email = match &contact {
                Some(c) if c.status == "accepted" => {
                    crate::auth::store::by_id(conn, &id)?.map(|u| u.email)
                }
                _ => None,
            };
            Ok((
                candidate_view(conn, profile, first_name, None)?,
                contact,
                email,
            ))
        })
        .await?;
    let title = format!("Profil {}", crate::web::french::de(&c.first_name));
    render(&ShowPage {
        page: page.titled(title),
        c,
        contact,
        email,
    })
}

async fn download_cv(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let applied_to = state.registry.get::<super::AppliedTo>().copied();
    let bytes = state
        .db
        .tx(move |conn| {
            let (profile, _) = visible_profile(conn, applied_to, &me, &id, true)?;
            let stored = profile.cv_file.ok_or_else(AppError::not_found)?;
            service::cv_bytes(conn, &stored)?.ok_or_else(AppError::not_found)
        })
        .await?;
    pdf_response(bytes)
}

#[derive(Deserialize, Default)]
struct SearchQuery {
    metier: Option<String>,
    commune: Option<String>,
    rayon: Option<String>,
    niveau: Option<String>,
    disponible: Option<String>,
}

#[derive(Template)]
#[template(path = "candidates/alerts.html")]
struct AlertsPage {
    page: Page,
    alerts: Vec<super::alerts::CvAlert>,
    errors: Vec<String>,
}

async fn alerts_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    let alerts = state
        .db
        .run(move |conn| super::alerts::of(conn, &me))
        .await?;
    render(&AlertsPage {
        page: page.titled("Mes alertes de profils"),
        alerts,
        errors: Vec::new(),
    })
}

#[derive(Deserialize)]
struct AlertForm {
    #[serde(default)]
    metier: String,
    #[serde(default)]
    commune: String,
    #[serde(default)]
    rayon: String,
    #[serde(default)]
    niveau: String,
}

/// Keeps the criteria of the search as an alert: new matching profiles come by mail daily.
async fn create_alert(
    State(state): State<AppState>,
    session: SessionHandle,
    page: Page,
    me: CurrentUser,
    Form(f): Form<AlertForm>,
) -> AppResult<Response> {
    let criteria = CvCriteria {
        rome: f.metier,
        commune: f.commune,
        radius_km: f.rayon,
        level: f.niveau,
        available_by: String::new(),
    };
    let who = me.clone();
    let (created, alerts) = state
        .db
        .tx(move |conn| {
            let created = super::alerts::create(conn, &who, &criteria)?;
            Ok((created, super::alerts::of(conn, &who)?))
        })
        .await?;
    match created {
        Ok(_) => {
            session
                .set_flash("Alerte enregistrée : les nouveaux profils validés qui correspondent vous seront envoyés chaque jour par e-mail.")
                .await?;
            Ok(see_other("/candidats/alertes"))
        }
        Err(errors) => {
            let html = render(&AlertsPage {
                page: page.titled("Mes alertes de profils"),
                alerts,
                errors,
            })?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
    }
}

async fn delete_alert(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    state
        .db
        .tx(move |conn| super::alerts::delete(conn, &me, &id))
        .await?;
    session.set_flash("Alerte supprimée.").await?;
    Ok(see_other("/candidats/alertes"))
}

#[derive(Template)]
#[template(path = "candidates/search.html")]
struct SearchPage {
    page: Page,
    results: Vec<CandidateSummary>,
    metier: String,
    commune: String,
    rayon: String,
    niveau: String,
    disponible: String,
    levels: Vec<(i32, &'static str)>,
    errors: Vec<String>,
    /// The active filters, each removable.
    links: SearchLinks,
}

impl SearchPage {
    fn search_links(&self) -> SearchLinks {
        let mut links = SearchLinks::new(
            "/candidats",
            [
                ("metier", self.metier.as_str()),
                ("commune", self.commune.as_str()),
                ("rayon", self.rayon.as_str()),
                ("niveau", self.niveau.as_str()),
                ("disponible", self.disponible.as_str()),
            ],
        );
        links.chip(&["metier"], |v| format!("Métier : {v}"));
        links.chip(&["commune", "rayon"], |v| {
            format!(
                "À {} km autour {}",
                self.rayon.trim(),
                crate::web::french::de_place(v)
            )
        });
        links.chip(&["niveau"], |v| {
            let label = self
                .levels
                .iter()
                .find(|(l, _)| l.to_string() == v.trim())
                .map_or(v, |(_, label)| label);
            format!("Niveau atteint, au moins : {label}")
        });
        links.chip(&["disponible"], |v| format!("Disponible avant le {v}"));
        links
    }
}

/// CV search for validated recruiters: occupation, place and radius, level, availability.
async fn search(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Query(q): Query<SearchQuery>,
) -> AppResult<Response> {
    authorize(&me, &Action::SearchCandidates).map_err(|_| {
        AppError::new(StatusCode::FORBIDDEN, "forbidden", "La recherche de CV est réservée aux recruteurs d’une entreprise validée et aux organismes de formation.")
    })?;
    let typed = q.metier.unwrap_or_default();
    // The field shows the occupation by name once recognised: « D1102 – Boulanger / … ».
    let metier = {
        let typed = typed.clone();
        state
            .db
            .run(move |conn| {
                Ok(match typed.trim() {
                    "" => typed.clone(),
                    t => match crate::referential::store::resolve_rome(conn, t)? {
                        Ok(r) => format!("{} – {}", r.code, r.label),
                        Err(_) => typed.clone(),
                    },
                })
            })
            .await?
    };
    let commune = q.commune.unwrap_or_default();
    let rayon = q.rayon.unwrap_or_else(|| "30".into());
    let niveau = q.niveau.unwrap_or_default();
    let disponible = q.disponible.unwrap_or_default();
    let criteria = CvCriteria {
        rome: typed,
        commune: commune.clone(),
        radius_km: rayon.clone(),
        level: niveau.clone(),
        available_by: disponible.clone(),
    };
    let (results, errors) = match find_candidates(&state, criteria).await? {
        Ok(results) => (results, Vec::new()),
        Err(errors) => (Vec::new(), errors),
    };
    let mut search_page = SearchPage {
        page: page.titled("Rechercher des candidats"),
        results,
        metier,
        commune,
        rayon,
        niveau,
        disponible,
        levels: levels(),
        errors,
        links: SearchLinks::new("/candidats", []),
    };
    search_page.links = search_page.search_links();
    render(&search_page)
}

/// What a recruiter looks for in CVs, as typed (checked by `find_candidates`).
#[derive(Clone, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CvCriteria {
    /// ROME code (or « CODE – libellé » as the autocomplete fills it).
    #[serde(default)]
    pub rome: String,
    /// Centre of a radius search: INSEE code, postal code or commune name.
    #[serde(default)]
    pub commune: String,
    /// Radius in km around `commune` (default 30).
    #[serde(default)]
    pub radius_km: String,
    /// Level reached, at least (3 to 8).
    #[serde(default)]
    pub level: String,
    /// Available on or before this date (`AAAA-MM-JJ` or `JJ/MM/AAAA`).
    #[serde(default)]
    pub available_by: String,
}

/// Most profiles one CV search returns.
const CV_SEARCH_LIMIT: usize = 200;

/// CV search over validated, visible profiles: occupation, commune + radius (haversine),
/// level, availability; nearest first around a commune, else most recently updated. The caller
/// has been authorised; what is wrong in the criteria comes back in French.
async fn find_candidates(
    state: &AppState,
    criteria: CvCriteria,
) -> AppResult<Result<Vec<CandidateSummary>, Vec<String>>> {
    state
        .db
        .run(move |conn| find_candidates_in(conn, &criteria))
        .await
}

/// [`find_candidates`] on a connection (the CV alerts' daily job runs it too).
pub(super) fn find_candidates_in(
    conn: &mut crate::db::DbConnection,
    criteria: &CvCriteria,
) -> AppResult<Result<Vec<CandidateSummary>, Vec<String>>> {
    let mut errors = Vec::new();
    let rome = match criteria.rome.trim() {
        "" => None,
        typed => match crate::referential::store::resolve_rome(conn, typed)? {
            Ok(r) => Some(r.code),
            Err(_) => {
                errors.push(format!("Le métier « {typed} » n’a pas été reconnu : saisissez un code ROME ou choisissez-le dans la liste."));
                None
            }
        },
    };
    let level = match criteria.level.trim() {
        "" => None,
        l => match l.parse::<i32>() {
            Ok(v) if (3..=8).contains(&v) => Some(v),
            _ => {
                errors.push("Le niveau de diplôme va de 3 (CAP) à 8 (doctorat).".to_owned());
                None
            }
        },
    };
    let available = match criteria.available_by.trim() {
        "" => None,
        t => crate::web::read_date_fr(
            t,
            "La date de disponibilité doit être au format JJ/MM/AAAA.",
            &mut errors,
        ),
    };
    let centre = crate::offers::search::centre_and_radius(
        conn,
        &criteria.commune,
        &criteria.radius_km,
        &mut errors,
    )?;
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let around = centre.map(|a| (a.position, a.radius_km));
    let bbox = around.map(|(position, radius)| crate::search::geo::bounding_box(position, radius));
    let mut found = Vec::new();
    for (profile, first_name, last_name, lat, lon) in
        store::searchable(conn, rome.as_deref(), level, available, bbox)?
    {
        let distance = around.and_then(|(position, _)| {
            lat.zip(lon)
                .map(|p| crate::referential::haversine_km(position, p))
        });
        if around.is_some_and(|(_, radius)| distance.is_none_or(|d| d > radius)) {
            continue;
        }
        found.push((profile, first_name, last_name, distance));
    }
    if around.is_some() {
        // Stable: equal distances keep the most recently updated first.
        found.sort_by(|a, b| a.3.partial_cmp(&b.3).unwrap_or(std::cmp::Ordering::Equal));
    }
    found
        .into_iter()
        .take(CV_SEARCH_LIMIT)
        .map(|(profile, first_name, last_name, distance)| {
            candidate_summary(conn, profile, first_name, &last_name, distance)
        })
        .collect::<AppResult<Vec<_>>>()
        .map(Ok)
}

/// CV search for validated recruiters and training centres: summaries of validated, visible
/// profiles (first name and initial, occupations, level, commune, availability; never the
/// presentation, the CV, the e-mail or the birth date); nearest first around a commune. Not
/// logged: the full profile is `GET /candidates/{id}`, one logged view.
#[utoipa::path(get, path = "/candidates/search", operation_id = "search_candidates", tag = "candidates", security(("bearer" = [])),
    params(CvCriteria),
    responses((status = 200, body = [CandidateSummary]), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
async fn api_search(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(criteria): Query<CvCriteria>,
) -> AppResult<Json<Vec<CandidateSummary>>> {
    authorize(&me, &Action::SearchCandidates).map_err(|_| {
        AppError::new(StatusCode::FORBIDDEN, "forbidden", "La recherche de CV est réservée aux recruteurs d’une entreprise validée et aux organismes de formation.")
    })?;
    find_candidates(&state, criteria)
        .await?
        .map(Json)
        .map_err(AppError::invalid_fields)
}

/// A candidate's profile, for the candidate, validated recruiters (validated and visible
/// profiles only) and the chamber of the territory. Each view by someone else is audited.
#[utoipa::path(get, path = "/candidates/{id}", operation_id = "get_candidate", tag = "candidates", security(("bearer" = [])),
    params(("id" = String, Path, description = "Candidate (account) id")),
    responses((status = 200, body = CandidateView), (status = 404, body = crate::error::ErrorBody)))]
async fn api_get(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<CandidateView>> {
    let applied_to = state.registry.get::<super::AppliedTo>().copied();
    state
        .db
        .tx(move |conn| {
            let (profile, first_name) = visible_profile(conn, applied_to, &me, &id, false)?;
            candidate_view(conn, profile, first_name, None)
        })
        .await
        .map(Json)
}

/// All the data Passerelle keeps about the calling candidate (CV in base64).
#[utoipa::path(get, path = "/me/export", operation_id = "export_my_data", tag = "candidates", security(("bearer" = [])),
    responses((status = 200, description = "JSON export"), (status = 403, body = crate::error::ErrorBody)))]
async fn api_export(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<Json<serde_json::Value>> {
    candidate_only(&me)?;
    state
        .db
        .run(move |conn| service::export(conn, &me.id))
        .await
        .map(Json)
}

/// The calling candidate's own profile, with its validation state and the contact requests
/// received.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OwnProfile {
    #[serde(flatten)]
    pub profile: CandidateView,
    /// `pending`, `validated` or `rejected`.
    pub validation_status: String,
    /// What the chamber asked to correct, after a rejection.
    pub rejection_reason: Option<String>,
    pub visible: bool,
}

async fn own_profile(state: &AppState, me: &CurrentUser) -> AppResult<OwnProfile> {
    candidate_only(me)?;
    let (id, first_name) = (me.id.clone(), me.first_name.clone());
    state
        .db
        .run(move |conn| {
            let profile = store::get(conn, &id)?.ok_or_else(|| {
                AppError::new(
                    StatusCode::NOT_FOUND,
                    "not_found",
                    "Vous n’avez pas encore de profil : enregistrez-le d’abord.",
                )
            })?;
            let (validation_status, rejection_reason, visible) = (
                profile.validation_status.clone(),
                profile.rejection_reason.clone(),
                profile.visible,
            );
            Ok(OwnProfile {
                profile: candidate_view(conn, profile, first_name, None)?,
                validation_status,
                rejection_reason,
                visible,
            })
        })
        .await
}

/// The calling candidate's profile.
#[utoipa::path(get, path = "/me/profile", operation_id = "get_my_profile", tag = "candidates", security(("bearer" = [])),
    responses((status = 200, body = OwnProfile), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
async fn api_my_profile(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<Json<OwnProfile>> {
    own_profile(&state, &me).await.map(Json)
}

/// A candidate's profile as sent to the API (the same rules as the page's form).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ProfileRequest {
    /// 1 to 5 ROME codes (or labels) of the occupations wished.
    pub occupations: Vec<String>,
    /// Level reached and sought on the national scale (3 = CAP … 8 = doctorat).
    pub level_reached: Option<i32>,
    pub level_sought: Option<i32>,
    /// INSEE code, postal code or name of the commune.
    pub commune: String,
    /// How far the candidate can go, in km.
    pub mobility_km: i32,
    /// `AAAA-MM-JJ`.
    pub available_from: Option<chrono::NaiveDate>,
    #[serde(default)]
    pub presentation: String,
    #[serde(default)]
    pub structured_cv: String,
    /// Visible to validated recruiters once the chamber has validated it.
    #[serde(default)]
    pub visible: bool,
}

impl ProfileRequest {
    fn into_form(self) -> Result<ProfileForm, String> {
        if self.occupations.len() > 5 {
            return Err("Indiquez au plus 5 métiers.".to_owned());
        }
        let mut romes = self.occupations.into_iter();
        let mut next = || romes.next().unwrap_or_default();
        let level = |l: Option<i32>| l.map(|l| l.to_string()).unwrap_or_default();
        Ok(ProfileForm {
            rome1: next(),
            rome2: next(),
            rome3: next(),
            rome4: next(),
            rome5: next(),
            level_reached: level(self.level_reached),
            level_sought: level(self.level_sought),
            commune: self.commune,
            mobility_km: self.mobility_km.to_string(),
            available_from: self
                .available_from
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_default(),
            presentation: self.presentation,
            structured_cv: self.structured_cv,
            visible: self.visible.then(|| "oui".to_owned()),
        })
    }
}

/// Creates or replaces the calling candidate's profile; any change sends it back to the
/// chamber for validation, as on the page.
#[utoipa::path(put, path = "/me/profile", operation_id = "save_my_profile", tag = "candidates", security(("bearer" = [])),
    request_body = ProfileRequest,
    responses((status = 200, body = OwnProfile), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
async fn api_save_profile(
    State(state): State<AppState>,
    me: CurrentUser,
    crate::web::extract::Json(body): crate::web::extract::Json<ProfileRequest>,
) -> AppResult<Json<OwnProfile>> {
    candidate_only(&me)?;
    let form = body
        .into_form()
        .map_err(|e| AppError::invalid_fields(vec![e]))?;
    let id = me.id.clone();
    state
        .db
        .tx(move |conn| match service::check_form(conn, &form)? {
            Ok(profile) => store::save(conn, &id, &profile).map(|_| Ok(())),
            Err(errors) => Ok(Err(errors)),
        })
        .await?
        .map_err(AppError::invalid_fields)?;
    own_profile(&state, &me).await.map(Json)
}

/// A profile waiting for validation, as the chamber sees it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PendingProfile {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub department: Option<String>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub updated_at: chrono::NaiveDateTime,
}

/// Profiles waiting for validation in the caller's territory (registration officers).
#[utoipa::path(get, path = "/moderation/candidates", operation_id = "list_candidate_moderation_queue", tag = "candidates", security(("bearer" = [])),
    responses((status = 200, body = [PendingProfile]), (status = 403, body = crate::error::ErrorBody)))]
async fn api_queue(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<Json<Vec<PendingProfile>>> {
    let pending = pending_profiles(&state, &me).await?;
    Ok(Json(
        pending
            .into_iter()
            .map(|(p, first_name, last_name)| PendingProfile {
                id: p.user_id,
                first_name,
                last_name,
                department: p.department,
                updated_at: p.updated_at,
            })
            .collect(),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DecisionRequest {
    pub approve: bool,
    /// Required to reject: what to correct (sent to the candidate).
    pub reason: Option<String>,
}

/// Validates or rejects a profile of the caller's territory.
#[utoipa::path(post, path = "/moderation/candidates/{id}", operation_id = "decide_candidate_profile", tag = "candidates", security(("bearer" = [])),
    params(("id" = String, Path, description = "Candidate (account) id")), request_body = DecisionRequest,
    responses((status = 409, body = crate::error::ErrorBody), (status = 204), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_decide(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(body): crate::web::extract::Json<DecisionRequest>,
) -> AppResult<StatusCode> {
    decide_profile(&state, me, id, body.approve, body.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ContactRequestBody {
    /// 20 to 2,000 characters: the job, the place, the contract.
    pub message: String,
}

/// A recruiter or training centre asks to contact a candidate whose profile it may see; the
/// candidate's e-mail address is given only if they accept.
#[utoipa::path(post, path = "/candidates/{id}/contact-requests", operation_id = "request_candidate_contact", tag = "candidates", security(("bearer" = [])),
    params(("id" = String, Path, description = "Candidate (account) id")), request_body = ContactRequestBody,
    responses((status = 204), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
async fn api_request_contact(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(body): crate::web::extract::Json<ContactRequestBody>,
) -> AppResult<StatusCode> {
    let base = state.config.base_url();
    state
        .db
        .tx(move |conn| super::contact::request(conn, &base, &me, &id, &body.message))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The contact requests the calling candidate received, with the organisation's name.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReceivedContact {
    #[serde(flatten)]
    pub request: super::contact::ContactRequest,
    pub organisation_name: String,
}

#[utoipa::path(get, path = "/me/contact-requests", operation_id = "list_my_contact_requests", tag = "candidates", security(("bearer" = [])),
    responses((status = 200, body = [ReceivedContact]), (status = 403, body = crate::error::ErrorBody)))]
async fn api_contact_requests(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<Json<Vec<ReceivedContact>>> {
    candidate_only(&me)?;
    let list = state
        .db
        .run(move |conn| super::contact::received(conn, &me.id))
        .await?;
    Ok(Json(
        list.into_iter()
            .map(|(request, organisation_name)| ReceivedContact {
                request,
                organisation_name,
            })
            .collect(),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ContactAnswer {
    pub accept: bool,
}

/// The candidate accepts (their e-mail address goes to the organisation) or declines.
#[utoipa::path(post, path = "/me/contact-requests/{id}", operation_id = "answer_contact_request", tag = "candidates", security(("bearer" = [])),
    params(("id" = String, Path, description = "Contact request id")), request_body = ContactAnswer,
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
async fn api_answer_contact(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(body): crate::web::extract::Json<ContactAnswer>,
) -> AppResult<StatusCode> {
    candidate_only(&me)?;
    let base = state.config.base_url();
    state
        .db
        .tx(move |conn| super::contact::answer(conn, &base, &me, &id, body.accept))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Dashboard tiles: a candidate's profile; the search of candidates; the profiles to validate.
pub async fn tiles(
    state: AppState,
    me: crate::auth::CurrentUser,
) -> crate::error::AppResult<Vec<crate::web::dashboard::Tile>> {
    use crate::auth::policy::{Action, allows};
    let mut tiles = Vec::new();
    if allows(&me, &Action::ActAsCandidate) {
        tiles.push(crate::web::dashboard::Tile {
            href: "/profil",
            title: "Mon profil",
            text: "Métiers recherchés, CV, visibilité, qui a consulté mon profil.".into(),
            figures: Vec::new(),
        });
    }
    if allows(&me, &Action::SearchCandidates) {
        tiles.push(crate::web::dashboard::Tile {
            href: "/candidats",
            title: "Rechercher des candidats",
            text: "Profils validés et visibles, par métier et autour d’une commune.".into(),
            figures: Vec::new(),
        });
    }
    if allows(&me, &Action::ViewCandidateQueue) {
        let pending = pending_profiles(&state, &me).await?.len();
        tiles.push(crate::web::dashboard::Tile {
            href: "/moderation/profils",
            title: "Profils à valider",
            text: "Profils de candidats de votre territoire en attente.".into(),
            figures: vec![crate::web::dashboard::Figure::count(
                pending,
                "profil à valider",
                "profils à valider",
            )],
        });
    }
    Ok(tiles)
}

/// « Mon espace »: the candidate's profile, recruiters' CV search, the chamber's profile queue.
pub fn space(me: &crate::auth::CurrentUser) -> Vec<crate::web::nav::NavLink> {
    use crate::auth::policy::{Action, allows};
    use crate::web::nav::NavLink;
    let mut links = Vec::new();
    if allows(me, &Action::ActAsCandidate) {
        links.push(NavLink::new("/profil", "Mon profil"));
    }
    if allows(me, &Action::SearchCandidates) {
        links.push(NavLink::new("/candidats", "Recherche de CV"));
    }
    if allows(me, &Action::ViewCandidateQueue) {
        links.push(NavLink::new("/moderation/profils", "Profils à valider"));
    }
    links
}
