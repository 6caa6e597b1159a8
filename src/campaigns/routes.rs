//! Pages of campaigns: the editors' list with figures, the draft form, the preview with the
//! count of recipients, the test send and the sending; and the public unsubscription page,
//! which also takes the one-click POST of mail providers (RFC 8058).

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::model::Audience;
use super::service::{self, Campaign, CampaignInput, Figures};
use crate::AppState;
use crate::auth::policy::{Action, allows, authorize};
use crate::auth::{CurrentUser, SessionHandle};
use crate::error::{AppError, AppResult};
use crate::referential::store::Department;
use crate::types::OrgKind;
use crate::web::extract::{Form, Path, Query};
use crate::web::{Page, form, render, see_other};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/campagnes", get(list))
        .route("/campagnes/nouvelle", get(new_form).post(create))
        .route("/campagnes/{id}", get(show))
        .route("/campagnes/{id}/modifier", get(edit_form).post(update))
        .route("/campagnes/{id}/essai", post(test_send))
        .route("/campagnes/{id}/envoyer", post(send))
        .route("/desabonnement", get(unsubscribe_page).post(unsubscribe))
}

/// « Mon espace »: the campaigns, for those who send them.
pub fn space(me: &CurrentUser) -> Vec<crate::web::nav::NavLink> {
    if allows(me, &Action::ManageCampaigns) {
        vec![crate::web::nav::NavLink::new(
            "/campagnes",
            "Campagnes d’information",
        )]
    } else {
        Vec::new()
    }
}

/// A campaign with what its pages show: the audience in words and the figures.
pub struct Row {
    pub campaign: Campaign,
    pub audience: String,
    pub figures: Figures,
}

impl Row {
    pub fn status_label(&self) -> &'static str {
        self.campaign.status().label()
    }
    pub fn created_fr(&self) -> String {
        crate::web::datetime_fr(&self.campaign.created_at)
    }
    pub fn started_fr(&self) -> Option<String> {
        self.campaign
            .started_at
            .as_ref()
            .map(crate::web::datetime_fr)
    }
}

/// « Candidats · Ille-et-Vilaine · Boulanger / Boulangère (D1102) »: names, not codes.
fn describe(conn: &mut crate::db::DbConnection, c: &Campaign) -> AppResult<String> {
    let mut parts = vec![c.audience().label().to_owned()];
    if let Some(kind) = c.org_kind.as_deref().and_then(OrgKind::parse) {
        parts.push(kind.label().to_owned());
    }
    match &c.department {
        Some(code) => parts.push(department_name(conn, code)?),
        None => parts.push("toute la région".to_owned()),
    }
    if let Some(rome) = &c.rome_code {
        parts.push(occupation(conn, rome)?);
    }
    Ok(parts.join(" · "))
}

fn department_name(conn: &mut crate::db::DbConnection, code: &str) -> AppResult<String> {
    Ok(crate::referential::store::departments_all(conn)?
        .into_iter()
        .find(|d| d.code == code)
        .map(|d| format!("{} ({})", d.name, d.code))
        .unwrap_or_else(|| code.to_owned()))
}

fn occupation(conn: &mut crate::db::DbConnection, rome: &str) -> AppResult<String> {
    Ok(crate::referential::store::occupation_label(conn, rome)?.unwrap_or_else(|| rome.to_owned()))
}

fn row(conn: &mut crate::db::DbConnection, campaign: Campaign) -> AppResult<Row> {
    Ok(Row {
        audience: describe(conn, &campaign)?,
        figures: service::figures(conn, &campaign.id)?,
        campaign,
    })
}

#[derive(Template)]
#[template(path = "campaigns/list.html")]
struct ListPage {
    page: Page,
    rows: Vec<Row>,
}

async fn list(State(state): State<AppState>, page: Page, me: CurrentUser) -> AppResult<Response> {
    authorize(&me, &Action::ManageCampaigns)?;
    let rows = state
        .db
        .run(|conn| {
            service::list(conn)?
                .into_iter()
                .map(|c| row(conn, c))
                .collect::<AppResult<Vec<_>>>()
        })
        .await?;
    render(&ListPage {
        page: page.titled("Campagnes d’information"),
        rows,
    })
}

#[derive(Template)]
#[template(path = "campaigns/form.html")]
struct FormPage {
    page: Page,
    action: String,
    form: CampaignInput,
    errors: Vec<String>,
    audiences: &'static [Audience],
    departments: Vec<Department>,
    partner_kinds: Vec<OrgKind>,
}

async fn form_page(
    state: &AppState,
    page: Page,
    action: String,
    form: CampaignInput,
    errors: Vec<String>,
) -> AppResult<Response> {
    let departments = state
        .db
        .run(crate::referential::store::departments_all)
        .await?;
    let title = if action.ends_with("nouvelle") {
        "Nouvelle campagne"
    } else {
        "Modifier la campagne"
    };
    let html = render(&FormPage {
        page: page
            .titled(title)
            .within(&[("Campagnes d’information", "/campagnes")])
            .with_form()
            .await?,
        action,
        form,
        errors: errors.clone(),
        audiences: Audience::ALL,
        departments,
        partner_kinds: service::partner_kinds(),
    })?;
    Ok((form::status(&errors), html).into_response())
}

async fn new_form(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    authorize(&me, &Action::ManageCampaigns)?;
    let form = CampaignInput {
        audience: Audience::Candidates.as_str().to_owned(),
        ..CampaignInput::default()
    };
    form_page(&state, page, "/campagnes/nouvelle".into(), form, Vec::new()).await
}

async fn create(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Form(form): Form<CampaignInput>,
) -> AppResult<Response> {
    authorize(&me, &Action::ManageCampaigns)?;
    let (who, input) = (me.clone(), form.clone());
    match state
        .db
        .tx(move |conn| service::create(conn, &who, &input))
        .await?
    {
        Ok(id) => {
            session
                .set_flash("Le brouillon est enregistré : relisez l’aperçu avant l’envoi.")
                .await?;
            Ok(see_other(&format!("/campagnes/{id}")))
        }
        Err(errors) => form_page(&state, page, "/campagnes/nouvelle".into(), form, errors).await,
    }
}

async fn load(state: &AppState, me: &CurrentUser, id: String) -> AppResult<Campaign> {
    authorize(me, &Action::ManageCampaigns)?;
    state
        .db
        .run(move |conn| service::get(conn, &id))
        .await?
        .ok_or_else(AppError::not_found)
}

async fn edit_form(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let campaign = load(&state, &me, id).await?;
    if !campaign.is_draft() {
        return Ok(see_other(&format!("/campagnes/{}", campaign.id)));
    }
    let rome = campaign.rome_code.clone();
    let occupation = match rome {
        Some(code) => state.db.run(move |conn| occupation(conn, &code)).await?,
        None => String::new(),
    };
    let action = format!("/campagnes/{}/modifier", campaign.id);
    form_page(
        &state,
        page,
        action,
        CampaignInput::of(&campaign, occupation),
        Vec::new(),
    )
    .await
}

async fn update(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<CampaignInput>,
) -> AppResult<Response> {
    let campaign = load(&state, &me, id).await?;
    let (cid, input) = (campaign.id.clone(), form.clone());
    match state
        .db
        .tx(move |conn| service::update(conn, &cid, &input))
        .await?
    {
        Ok(()) => {
            session.set_flash("Le brouillon est enregistré.").await?;
            Ok(see_other(&format!("/campagnes/{}", campaign.id)))
        }
        Err(errors) => {
            let action = format!("/campagnes/{}/modifier", campaign.id);
            form_page(&state, page, action, form, errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "campaigns/show.html")]
struct ShowPage {
    page: Page,
    row: Row,
    /// The rendered Markdown (no raw HTML gets through the renderer).
    preview: String,
    /// How many people it reaches now (drafts).
    reach: usize,
    errors: Vec<String>,
}

async fn show_page(
    state: &AppState,
    page: Page,
    campaign: Campaign,
    errors: Vec<String>,
) -> AppResult<Response> {
    let preview = crate::content::markdown::render(&campaign.body);
    let (row, reach) = state
        .db
        .run(move |conn| {
            let reach = if campaign.is_draft() {
                service::audience(conn, &campaign)?.len()
            } else {
                0
            };
            Ok((row(conn, campaign)?, reach))
        })
        .await?;
    let title = row.campaign.subject.clone();
    let html = render(&ShowPage {
        page: page
            .titled(title)
            .within(&[("Campagnes d’information", "/campagnes")])
            .with_form()
            .await?,
        row,
        preview,
        reach,
        errors: errors.clone(),
    })?;
    Ok((form::status(&errors), html).into_response())
}

async fn show(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let campaign = load(&state, &me, id).await?;
    show_page(&state, page, campaign, Vec::new()).await
}

async fn test_send(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let campaign = load(&state, &me, id).await?;
    let (to, region, c, base) = (
        me.email.clone(),
        state.config.region_name.clone(),
        campaign.clone(),
        state.config.base_url(),
    );
    state
        .db
        .tx(move |conn| service::test_send(conn, &c, &to, &region, &base))
        .await?;
    session
        .set_flash(&format!("Un essai est parti vers {}.", me.email))
        .await?;
    Ok(see_other(&format!("/campagnes/{}", campaign.id)))
}

#[derive(Deserialize)]
struct SendForm {
    confirm: Option<String>,
}

async fn send(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<SendForm>,
) -> AppResult<Response> {
    let campaign = load(&state, &me, id).await?;
    if form.confirm.is_none() {
        let errors = vec!["Cochez la case pour confirmer l’envoi.".to_owned()];
        return show_page(&state, page, campaign, errors).await;
    }
    let cid = campaign.id.clone();
    let count = state.db.tx(move |conn| service::start(conn, &cid)).await?;
    session
        .set_flash(&format!(
            "L’envoi a commencé : {count} destinataire{}.",
            if count > 1 { "s" } else { "" }
        ))
        .await?;
    Ok(see_other(&format!("/campagnes/{}", campaign.id)))
}

// ---- Unsubscription: the link of each mail ----

#[derive(Deserialize)]
struct TokenQuery {
    jeton: Option<String>,
}

#[derive(Deserialize)]
struct UnsubscribeForm {
    jeton: Option<String>,
}

#[derive(Template)]
#[template(path = "campaigns/unsubscribe.html")]
struct UnsubscribePage {
    page: Page,
    token: String,
    /// The link is one we sent.
    known: bool,
    done: bool,
}

/// The page of the link: a button; nothing changes on GET.
async fn unsubscribe_page(
    page: Page,
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> AppResult<Response> {
    let token = q.jeton.unwrap_or_default();
    let t = token.clone();
    let known = !token.is_empty()
        && state
            .db
            .run(move |conn| service::token_known(conn, &t))
            .await?;
    let html = render(&UnsubscribePage {
        page: page
            .titled("Ne plus recevoir les informations de la Région")
            .with_form()
            .await?,
        token,
        known,
        done: false,
    })?;
    Ok(if known {
        html
    } else {
        (axum::http::StatusCode::NOT_FOUND, html).into_response()
    })
}

/// The button of that page, or a mail provider's one-click POST to the same address
/// (`List-Unsubscribe=One-Click`, no cookie: the secret in the URL is the authority).
async fn unsubscribe(
    page: Page,
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
    Form(form): Form<UnsubscribeForm>,
) -> AppResult<Response> {
    let token = q.jeton.or(form.jeton).unwrap_or_default();
    let t = token.clone();
    let done = !token.is_empty()
        && state
            .db
            .tx(move |conn| service::unsubscribe(conn, &t))
            .await?;
    let html = render(&UnsubscribePage {
        page: page.titled("Ne plus recevoir les informations de la Région"),
        token: String::new(),
        known: done,
        done,
    })?;
    Ok(if done {
        html
    } else {
        (axum::http::StatusCode::NOT_FOUND, html).into_response()
    })
}
