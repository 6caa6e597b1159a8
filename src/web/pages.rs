//! General pages: home, dashboard, legal notice, accessibility statement, privacy, and the
//! static assets (embedded in the binary).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{Page, render};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::auth::policy::{Action, allows};
use crate::error::{AppError, AppResult};
use crate::types::Role;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/tableau-de-bord", get(dashboard))
        .route("/mentions-legales", get(legal))
        .route("/accessibilite", get(accessibility))
        .route("/confidentialite", get(privacy))
        .route("/theme.css", get(theme))
        .route("/logo", get(logo))
        .route("/static/{*path}", get(asset))
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    page: Page,
}

async fn home(page: Page) -> AppResult<Response> {
    let title = format!("Passerelle {}", page.region_name);
    render(&Home {
        page: page.titled(title),
    })
}

/// A link shown on a person's dashboard, with an optional figure.
pub struct Tile {
    pub href: &'static str,
    pub title: &'static str,
    pub text: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    page: Page,
    me: CurrentUser,
    tiles: Vec<Tile>,
    /// The person's indicators for the chosen period (and department, for the region).
    p: crate::reports::routes::PeriodParams,
    period_label: String,
    errors: Vec<String>,
    views: Vec<crate::reports::routes::TableView>,
    departments: Vec<crate::referential::store::Department>,
    query: String,
    download_base: &'static str,
}

async fn dashboard(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    crate::web::extract::Query(p): crate::web::extract::Query<crate::reports::routes::PeriodParams>,
) -> AppResult<Response> {
    let mut tiles = vec![Tile {
        href: "/compte",
        title: "Mon compte",
        text: "Coordonnées, mot de passe et jetons d’accès à l’API.".into(),
    }];
    if me.organisation_id.is_some() {
        tiles.push(Tile {
            href: "/organisation",
            title: "Mon organisation",
            text: if me.is_org_admin {
                "Fiche de l’organisation, équipe et invitations.".into()
            } else {
                "Fiche de l’organisation et équipe.".into()
            },
        });
    }
    if me.role == Role::Candidate {
        tiles.push(Tile {
            href: "/profil",
            title: "Mon profil",
            text: "Métiers recherchés, CV, visibilité, qui a consulté mon profil.".into(),
        });
        tiles.push(Tile {
            href: "/offres",
            title: "Offres d’alternance",
            text: "Les offres publiées près de chez vous.".into(),
        });
    }
    if let (Role::Recruiter | Role::TrainingStaff, Some(org)) =
        (me.role, me.organisation_id.clone())
    {
        let rate = state
            .db
            .run(move |conn| crate::applications::service::response_rate(conn, &org))
            .await?;
        tiles.push(Tile {
            href: "/candidatures-recues",
            title: "Candidatures reçues",
            text: if rate.received == 0 {
                "Aucune candidature reçue pour l’instant.".into()
            } else {
                format!(
                    "{} reçue(s), taux de réponse {} %.",
                    rate.received,
                    rate.percent()
                )
            },
        });
    }
    if allows(&me, &Action::SearchCandidates) {
        tiles.push(Tile {
            href: "/candidats",
            title: "Rechercher des candidats",
            text: "Profils validés et visibles, par métier et autour d’une commune.".into(),
        });
    }
    if allows(&me, &Action::ViewCandidateQueue) {
        tiles.push(Tile {
            href: "/moderation/profils",
            title: "Profils à valider",
            text: "Profils de candidats de votre territoire en attente.".into(),
        });
    }
    if matches!(me.role, Role::Recruiter | Role::TrainingStaff) {
        tiles.push(Tile {
            href: "/mes-offres",
            title: "Mes offres",
            text: if me.role == Role::TrainingStaff {
                "Offres que vous gérez pour les entreprises qui vous l’ont délégué.".into()
            } else {
                "Publier, modifier, prolonger vos offres d’alternance.".into()
            },
        });
    }
    if allows(&me, &Action::ViewOfferModerationQueue) {
        let scope = if me.is(Role::RegionalAdmin) {
            None
        } else {
            Some(me.departments.clone())
        };
        let pending = state
            .db
            .run(move |conn| {
                let deps = match scope {
                    Some(d) => d,
                    None => crate::referential::store::departments_all(conn)?
                        .into_iter()
                        .map(|d| d.code)
                        .collect(),
                };
                crate::offers::store::pending_in(conn, &deps)
            })
            .await?
            .len();
        tiles.push(Tile {
            href: "/moderation/offres",
            title: "Offres à valider",
            text: match pending {
                0 => "Aucune offre n’attend de validation.".into(),
                1 => "1 offre attend votre validation.".into(),
                n => format!("{n} offres attendent votre validation."),
            },
        });
    }
    if allows(&me, &Action::ViewValidationQueue) {
        let departments = me.departments.clone();
        let admin = me.is(Role::RegionalAdmin);
        let pending = state
            .db
            .run(move |conn| {
                let deps = if admin {
                    crate::referential::store::departments_all(conn)?
                        .into_iter()
                        .map(|d| d.code)
                        .collect()
                } else {
                    departments
                };
                crate::organisations::store::pending_companies(conn, &deps)
            })
            .await?
            .len();
        tiles.push(Tile {
            href: "/validations",
            title: "Entreprises à valider",
            text: match pending {
                0 => "Aucune entreprise n’attend de validation.".into(),
                1 => "1 entreprise attend votre validation.".into(),
                n => format!("{n} entreprises attendent votre validation."),
            },
        });
    }
    if let Some(org) = me.organisation_id.clone() {
        let org = state
            .db
            .run(move |conn| {
                let org = crate::organisations::store::get(conn, &org)?;
                crate::organisations::store::policy_ref(conn, &org)
            })
            .await?;
        if allows(&me, &Action::UseImports(&org)) && me.role != Role::Recruiter
            || allows(&me, &Action::ViewAllImports)
        {
            tiles.push(Tile {
                href: "/imports",
                title: "Imports de fichiers",
                text: "Fichiers envoyés par votre logiciel (offres en CSV, catalogue de formations LHÉO) par FTPS ou API, rapports et profils d’import."
                    .into(),
            });
        }
    }
    if matches!(
        me.role,
        Role::Prescriber | Role::TrainingStaff | Role::Funder | Role::RegionalAdmin
    ) {
        let who = me.clone();
        let rows = state
            .db
            .run(move |conn| {
                crate::prescriptions::stats::rows(
                    conn,
                    &who,
                    &crate::prescriptions::stats::Filter::default(),
                )
            })
            .await?;
        let waiting = rows
            .iter()
            .filter(|r| {
                crate::prescriptions::model::Status::parse(&r.status)
                    .is_some_and(|s| s.awaits_decision())
            })
            .count();
        let overdue = rows.iter().filter(|r| r.overdue).count();
        tiles.push(Tile {
            href: "/preinscriptions",
            title: match me.role {
                Role::Prescriber => "Pré-inscriptions de mon agence",
                Role::TrainingStaff => "Pré-inscriptions reçues",
                _ => "Pré-inscriptions en formation",
            },
            text: format!(
                "{} pré-inscription(s), dont {waiting} en attente de décision et {overdue} en retard ; délais et indicateurs.",
                rows.len()
            ),
        });
        tiles.push(Tile {
            href: "/formations",
            title: "Formations financées",
            text: match me.role {
                Role::Prescriber => "Trouver une session et y pré-inscrire une personne.".into(),
                _ => "Le catalogue régional des sessions (LHÉO).".into(),
            },
        });
    }
    if allows(&me, &Action::ViewHelplineQueue) {
        let who = me.clone();
        let hours = state.config.helpline_hours;
        let rows = state
            .db
            .run(move |conn| {
                crate::helpline::stats::rows(
                    conn,
                    &who,
                    &crate::helpline::stats::Filter::default(),
                    &hours,
                    crate::db::now(),
                )
            })
            .await?;
        let open = rows
            .iter()
            .filter(|r| {
                crate::helpline::model::Status::parse(&r.status).is_some_and(|s| s.awaits_answer())
            })
            .count();
        let overdue = rows.iter().filter(|r| r.overdue).count();
        tiles.push(Tile {
            href: if me.role == Role::PartnerResponder {
                "/cap-info/partenaire"
            } else {
                "/cap-info"
            },
            title: if me.role == Role::PartnerResponder {
                "Demandes transmises par Cap Info"
            } else {
                "Cap Info – ligne d’information"
            },
            text: format!(
                "{open} demande(s) en attente de réponse, dont {overdue} au-delà de 48 h ouvrées."
            ),
        });
    }
    if allows(&me, &Action::ManagePartners) {
        tiles.push(Tile {
            href: "/admin/partenaires",
            title: "Partenaires et conventions",
            text: "Parcours d’adhésion, charte et signatures, renouvellements et cotisations."
                .into(),
        });
    } else if let Some(org) = me.organisation_id.clone() {
        let partner = state
            .db
            .run(move |conn| crate::partners::store::profile(conn, &org))
            .await?;
        if partner.is_some() {
            tiles.push(Tile {
                href: "/ma-convention",
                title: "Ma convention",
                text: "Charte des partenaires, parcours d’adhésion et cotisations de votre organisation.".into(),
            });
        }
    }
    if allows(&me, &Action::UseGateway) {
        tiles.push(Tile {
            href: "/passerelle-france-travail",
            title: "Passerelle France Travail",
            text: "Offres à créer, modifier ou annuler chez France Travail.".into(),
        });
    }
    if allows(&me, &Action::ViewSiteFigures) {
        tiles.push(Tile {
            href: "/espaces-metiers",
            title: "Espaces Métiers",
            text: "Journal des visites, événements, expositions itinérantes et fréquentation."
                .into(),
        });
    }
    if allows(&me, &Action::OfferDiscoveryActions) {
        tiles.push(Tile {
            href: "/decouverte-metiers/mes-actions",
            title: "Cap sur les métiers",
            text: "Vos actions de découverte, les établissements qui les ont consultées et leurs demandes.".into(),
        });
    }
    if allows(&me, &Action::RequestDiscoveryAction) {
        tiles.push(Tile {
            href: "/decouverte-metiers",
            title: "Cap sur les métiers",
            text:
                "Visites d’entreprise et interventions près de votre établissement ; vos demandes."
                    .into(),
        });
    }
    if allows(&me, &Action::AdministerAccounts) {
        tiles.push(Tile {
            href: "/admin/comptes",
            title: "Comptes",
            text: "Rôles, désactivation des comptes.".into(),
        });
        tiles.push(Tile {
            href: "/admin/organisations",
            title: "Organisations",
            text: "Partenaires et territoires couverts.".into(),
        });
    }
    if allows(&me, &Action::ViewOperations) {
        tiles.push(Tile {
            href: "/admin/courriels",
            title: "Courriels et tâches",
            text: "File d’envoi des courriels et tâches de fond.".into(),
        });
    }
    if allows(&me, &Action::ViewAuditLog) {
        tiles.push(Tile {
            href: "/admin/journal",
            title: "Journal d’audit",
            text: "Connexions, changements de rôle, validations.".into(),
        });
    }
    if allows(&me, &Action::RegisterForProgramme) || allows(&me, &Action::ManageProgramme) {
        tiles.push(Tile {
            href: "/programme",
            title: "Cap Métiers Formation",
            text: if allows(&me, &Action::ManageProgramme) {
                "Cours et sessions du programme, inscriptions, émargement, évaluations.".into()
            } else {
                "Stages courts, journées professionnelles et ateliers : s’inscrire.".into()
            },
        });
    }
    if allows(&me, &Action::PublishContent) {
        tiles.push(Tile {
            href: "/redaction",
            title: "Rédaction",
            text: "Actualités, agenda et pages de documentation.".into(),
        });
    }
    if crate::reports::annex::allowed(&me) {
        tiles.push(Tile {
            href: "/rapports/annexe",
            title: "Tableaux annexes d’évaluation",
            text: "Bénéficiaires par année, âge, situation et niveau, en XLSX ou CSV.".into(),
        });
    }
    let today = crate::clock::today_paris();
    let (period, errors) = match crate::reports::indicators::Period::parse(&p.du, &p.au, today) {
        Ok(period) => (Some(period), Vec::new()),
        Err(errors) => (None, errors),
    };
    let (views, departments) =
        match period.filter(|_| crate::reports::indicators::has_indicators(&me)) {
            Some(period) => {
                let who = me.clone();
                let department = p.department();
                let (tables, departments) = state
                    .db
                    .run(move |conn| {
                        Ok((
                            crate::reports::indicators::for_user(
                                conn,
                                &who,
                                &period,
                                department.as_deref(),
                            )?,
                            crate::referential::store::departments_all(conn)?,
                        ))
                    })
                    .await?;
                (crate::reports::routes::TableView::of(tables), departments)
            }
            None => (Vec::new(), Vec::new()),
        };
    render(&Dashboard {
        page: page.titled("Tableau de bord"),
        period_label: period.map(|p| p.label()).unwrap_or_default(),
        query: p.query(),
        p,
        me,
        tiles,
        errors,
        views,
        departments,
        download_base: "/indicateurs",
    })
}

#[derive(Template)]
#[template(path = "legal.html")]
struct Legal {
    page: Page,
}

async fn legal(page: Page) -> AppResult<Response> {
    render(&Legal {
        page: page.titled("Mentions légales"),
    })
}

#[derive(Template)]
#[template(path = "accessibility.html")]
struct Accessibility {
    page: Page,
}

async fn accessibility(page: Page) -> AppResult<Response> {
    render(&Accessibility {
        page: page.titled("Déclaration d’accessibilité"),
    })
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct Privacy {
    page: Page,
}

async fn privacy(page: Page) -> AppResult<Response> {
    render(&Privacy {
        page: page.titled("Données personnelles"),
    })
}

async fn theme(State(state): State<AppState>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        super::theme_css(&state.config),
    )
        .into_response()
}

async fn logo(State(state): State<AppState>) -> AppResult<Response> {
    let Some(path) = state.config.logo.clone() else {
        return Err(AppError::not_found());
    };
    let mime = if path.extension().is_some_and(|e| e == "svg") {
        "image/svg+xml"
    } else {
        "image/png"
    };
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|_| AppError::not_found())?;
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        bytes,
    )
        .into_response())
}

/// Static files, embedded in the binary: `(path under /static/, media type, content)`.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "css/app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/css/app.css"),
    ),
    (
        "js/autocomplete.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/js/autocomplete.js"),
    ),
    (
        "js/map.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/js/map.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../../static/favicon.svg"),
    ),
    (
        "vendor/leaflet/leaflet.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/vendor/leaflet/leaflet.js"),
    ),
    (
        "vendor/leaflet/leaflet.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/vendor/leaflet/leaflet.css"),
    ),
    (
        "vendor/leaflet/images/marker-icon.png",
        "image/png",
        include_bytes!("../../static/vendor/leaflet/images/marker-icon.png"),
    ),
    (
        "vendor/leaflet/images/marker-icon-2x.png",
        "image/png",
        include_bytes!("../../static/vendor/leaflet/images/marker-icon-2x.png"),
    ),
    (
        "vendor/leaflet/images/marker-shadow.png",
        "image/png",
        include_bytes!("../../static/vendor/leaflet/images/marker-shadow.png"),
    ),
];

async fn asset(Path(path): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == path) {
        Some((_, mime, body)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, AppError::not_found()).into_response(),
    }
}
