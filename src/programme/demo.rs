//! Demo data of the programme: two courses, sessions in the coming weeks, one of them full
//! with a waiting list (a practitioner can join it and be promoted when someone cancels).

use super::service::{self, CourseInput, CourseKind, SessionInput};
use crate::auth::store as users;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::types::Role;

fn person(conn: &mut DbConnection, email: &str) -> AppResult<crate::auth::CurrentUser> {
    let user = users::by_email(conn, email)?.ok_or_else(AppError::not_found)?;
    users::current_user(conn, &user.id)?.ok_or_else(AppError::not_found)
}

pub fn load(conn: &mut DbConnection) -> AppResult<()> {
    let editor = person(conn, &crate::types::demo_email(Role::Editor))?;
    let today = crate::clock::today_paris();
    let day = |offset: i64| today + chrono::Duration::days(offset);
    let stage = service::create_course(
        conn,
        &editor,
        &CourseInput {
            kind: CourseKind::ShortCourse,
            title: "Accompagner un projet d’alternance".to_owned(),
            summary: "Deux jours pour maîtriser les contrats d’apprentissage et de professionnalisation, les aides aux employeurs et l’accompagnement des jeunes dans leur recherche d’entreprise.".to_owned(),
        },
    )?;
    let full = service::add_session(
        conn,
        &stage,
        &SessionInput {
            days: vec![day(16), day(17)],
            place: "Maison de la formation professionnelle, Rennes".to_owned(),
            audience: "Conseillers en insertion et chargés de relation entreprises".to_owned(),
            capacity: 3,
            max_per_organisation: 2,
        },
    )?;
    service::add_session(
        conn,
        &stage,
        &SessionInput {
            days: vec![day(44), day(45)],
            place: "Technopôle Brest-Iroise, Plouzané".to_owned(),
            audience: "Conseillers en insertion et chargés de relation entreprises".to_owned(),
            capacity: 14,
            max_per_organisation: 2,
        },
    )?;
    let atelier = service::create_course(
        conn,
        &editor,
        &CourseInput {
            kind: CourseKind::Workshop,
            title: "Atelier : conduire un entretien d’orientation".to_owned(),
            summary: "Une demi-journée de mises en situation pour questionner un projet professionnel, présenter les métiers qui recrutent et orienter vers le bon partenaire.".to_owned(),
        },
    )?;
    service::add_session(
        conn,
        &atelier,
        &SessionInput {
            days: vec![day(9)],
            place: "Espace Métiers de Saint-Brieuc".to_owned(),
            audience: "Tous professionnels de l’accueil et de l’orientation".to_owned(),
            capacity: 12,
            max_per_organisation: 2,
        },
    )?;
    let journee = service::create_course(
        conn,
        &editor,
        &CourseInput {
            kind: CourseKind::ProfessionalDay,
            title: "Journée professionnelle : les métiers de la mer".to_owned(),
            summary: "Rencontres avec des employeurs du nautisme et de la pêche, visite de chantier, tables rondes.".to_owned(),
        },
    )?;
    service::add_session(
        conn,
        &journee,
        &SessionInput {
            days: vec![day(30)],
            place: "Lorient La Base".to_owned(),
            audience: "Conseillers, enseignants, professionnels de l’orientation".to_owned(),
            capacity: 40,
            max_per_organisation: 3,
        },
    )?;
    // The full session: three seats taken, one person waiting.
    for role in [
        Role::TrainingStaff,
        Role::SiteCoordinator,
        Role::Teacher,
        Role::PartnerResponder,
    ] {
        let who = person(conn, &crate::types::demo_email(role))?;
        service::register_with(conn, &who, &full, None)?;
    }
    Ok(())
}
