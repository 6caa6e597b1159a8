//! Rows that still use a reference code the official files retired, listed for the chamber
//! (`/referentiel/codes-retires`) so that someone replaces the code. The rows belong to
//! capabilities the referential does not know: each one provides the answer for its own rows
//! ([`RetiredInOffers`], [`RetiredInProfiles`]) through `app::Registry::provide`.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::auth::policy::{Action, Rows, allows, authorize, scope};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::web::{Page, render};

/// One row that uses one retired code, as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetiredUse {
    /// What the row is: « Offre publiée », « Offre en attente de validation », « Profil de
    /// candidat ».
    pub what: String,
    /// The offer's title, the candidate's name.
    pub title: String,
    /// Who the row belongs to (the company), when it says something.
    pub owner: Option<String>,
    /// The row's department.
    pub department: String,
    /// `ROME` or `commune`.
    pub kind: RetiredKind,
    pub code: String,
    /// The retired code's name, as the rows keep it.
    pub label: String,
    /// Where to see the row.
    pub href: String,
    /// Where to replace the code, when the person may.
    pub edit_href: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetiredKind {
    Rome,
    Commune,
}

impl RetiredKind {
    pub fn label(&self) -> &'static str {
        match self {
            RetiredKind::Rome => "Métier (ROME)",
            RetiredKind::Commune => "Commune",
        }
    }
}

/// The answer a capability gives for its rows: those of `departments` (the asker's scope)
/// that use a retired ROME or commune code. `me` decides the links (an edit link only for
/// who may edit).
pub type RetiredUses = fn(&mut DbConnection, &CurrentUser, &[String]) -> AppResult<Vec<RetiredUse>>;

/// The published and waiting offers that use a retired code (provided by the offers
/// capability).
#[derive(Clone, Copy)]
pub struct RetiredInOffers(pub RetiredUses);

/// The candidate profiles that use a retired code (provided by the candidates capability).
#[derive(Clone, Copy)]
pub struct RetiredInProfiles(pub RetiredUses);

/// Every use in the person's scope, offers first; empty when nobody provides an answer.
async fn uses(state: &AppState, me: &CurrentUser) -> AppResult<Vec<RetiredUse>> {
    let providers: Vec<RetiredUses> = [
        state.registry.get::<RetiredInOffers>().map(|p| p.0),
        state.registry.get::<RetiredInProfiles>().map(|p| p.0),
    ]
    .into_iter()
    .flatten()
    .collect();
    let scope = scope(me, Rows::Territory);
    let me = me.clone();
    state
        .db
        .run(move |conn| {
            let departments = scope.department_codes(conn)?;
            let mut all = Vec::new();
            for provider in providers {
                all.extend(provider(conn, &me, &departments)?);
            }
            Ok(all)
        })
        .await
}

#[derive(Template)]
#[template(path = "referential/retired.html")]
struct RetiredPage {
    page: Page,
    uses: Vec<RetiredUse>,
}

pub async fn page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    authorize(&me, &Action::ViewRetiredCodeUses)?;
    let uses = uses(&state, &me).await?;
    render(&RetiredPage {
        page: page.titled("Codes retirés à remplacer"),
        uses,
    })
}

/// How many offers and profiles to fix (a row using two retired codes counts once).
fn to_fix(uses: &[RetiredUse]) -> usize {
    uses.iter()
        .map(|u| u.href.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

/// The chamber's tile, only when something uses a retired code.
pub async fn tiles(
    state: AppState,
    me: CurrentUser,
) -> AppResult<Vec<crate::web::dashboard::Tile>> {
    if !allows(&me, &Action::ViewRetiredCodeUses) {
        return Ok(Vec::new());
    }
    let n = to_fix(&uses(&state, &me).await?);
    if n == 0 {
        return Ok(Vec::new());
    }
    Ok(vec![crate::web::dashboard::Tile {
        href: "/referentiel/codes-retires",
        title: "Codes retirés à remplacer",
        text: if n == 1 {
            "1 offre ou profil utilise un métier ou une commune retirés du référentiel.".into()
        } else {
            format!(
                "{n} offres ou profils utilisent un métier ou une commune retirés du référentiel."
            )
        },
        figures: vec![
            crate::web::dashboard::Figure::count(
                n,
                "offre ou profil à code retiré",
                "offres ou profils à code retiré",
            )
            .alert_if_any(),
        ],
    }])
}

/// « Mon espace »: the list, for those who may see it.
pub fn space(me: &CurrentUser) -> Vec<crate::web::nav::NavLink> {
    if allows(me, &Action::ViewRetiredCodeUses) {
        vec![crate::web::nav::NavLink::new(
            "/referentiel/codes-retires",
            "Codes retirés",
        )]
    } else {
        Vec::new()
    }
}
