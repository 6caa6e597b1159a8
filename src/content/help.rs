//! Help pages: short how-tos per role (posting a CV, posting an offer, pre-registering
//! someone, answering an information-line request, proposing news or an event), written in
//! Markdown in `src/content/help/` and shipped with the application: they describe the
//! product's own forms, so they change with the code, not in the editors' hands. Public under
//! `/aide`, linked from the footer and from the forms they explain.

use askama::Template;
use axum::response::Response;
use axum::routing::get;

use super::markdown;
use crate::error::{AppError, AppResult};
use crate::web::extract::Path;
use crate::web::{Page, render};

/// One help page.
pub struct HelpPage {
    pub slug: &'static str,
    pub title: &'static str,
    /// Who it is for, shown in the index.
    pub audience: &'static str,
    pub summary: &'static str,
    /// Markdown.
    pub body: &'static str,
}

/// Every help page, in the order of the index.
pub const PAGES: &[HelpPage] = &[
    HelpPage {
        slug: "deposer-un-cv",
        title: "Déposer son CV et son profil",
        audience: "Candidat·es",
        summary: "Créer son compte, remplir son profil, envoyer son CV en PDF, la validation par la chambre consulaire.",
        body: include_str!("help/deposer-un-cv.md"),
    },
    HelpPage {
        slug: "publier-une-offre",
        title: "Publier une offre d’alternance",
        audience: "Entreprises et centres de formation",
        summary: "Écrire l’offre, la soumettre à la chambre consulaire, la prolonger, la marquer pourvue.",
        body: include_str!("help/publier-une-offre.md"),
    },
    HelpPage {
        slug: "preinscrire-une-personne",
        title: "Pré-inscrire une personne sur une formation",
        audience: "Prescripteurs : France Travail, Missions Locales, Cap emploi",
        summary: "Trouver la session, remplir la pré-inscription avec le consentement de la personne, suivre la réponse de l’organisme.",
        body: include_str!("help/preinscrire-une-personne.md"),
    },
    HelpPage {
        slug: "repondre-a-une-demande-cap-info",
        title: "Répondre à une demande d’information (Cap Info)",
        audience: "Chargé·es d’information et partenaires répondants",
        summary: "Répondre, transmettre à un partenaire, demander des précisions, tenir le délai de 2 jours ouvrés.",
        body: include_str!("help/repondre-a-une-demande-cap-info.md"),
    },
    HelpPage {
        slug: "proposer-une-actualite-ou-un-rendez-vous",
        title: "Proposer une actualité ou un rendez-vous",
        audience: "Organismes de formation, CFA et chambres consulaires",
        summary: "Proposer des portes ouvertes, un job-dating ou une actualité à la rédaction, suivre sa décision.",
        body: include_str!("help/proposer-une-actualite-ou-un-rendez-vous.md"),
    },
];

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/aide", get(index))
        .route("/aide/{slug}", get(show))
}

#[derive(Template)]
#[template(path = "content/help_index.html")]
struct IndexPage {
    page: Page,
    pages: &'static [HelpPage],
}

async fn index(page: Page) -> AppResult<Response> {
    render(&IndexPage {
        page: page.titled("Aide"),
        pages: PAGES,
    })
}

#[derive(Template)]
#[template(path = "content/help_page.html")]
struct ShowPage {
    page: Page,
    help: &'static HelpPage,
    html: String,
    others: Vec<&'static HelpPage>,
}

async fn show(page: Page, Path(slug): Path<String>) -> AppResult<Response> {
    let help = PAGES
        .iter()
        .find(|p| p.slug == slug)
        .ok_or_else(AppError::not_found)?;
    render(&ShowPage {
        page: page.titled(help.title).within(&[("Aide", "/aide")]),
        html: markdown::render(help.body),
        others: PAGES.iter().filter(|p| p.slug != help.slug).collect(),
        help,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_renders_and_has_a_unique_address() {
        for (i, p) in PAGES.iter().enumerate() {
            assert!(
                PAGES.iter().skip(i + 1).all(|q| q.slug != p.slug),
                "{}",
                p.slug
            );
            let html = markdown::render(p.body);
            assert!(html.contains("<h2>"), "{}", p.slug);
            assert!(!p.body.contains("<"), "no HTML in {}", p.slug);
        }
    }
}
