//! Demo candidates for the campaigns: some in Ille-et-Vilaine and one in Finistère, some who
//! agreed to the region's information and one who did not, so that a campaign to
//! Ille-et-Vilaine candidates shows whom it reaches.

use crate::auth::store::{self as users, NewUser};
use crate::candidates::store::{ProfileInput, save};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::types::{DEMO_DOMAIN, EmailAddress, Role, UserStatus, demo_email};

/// (address before `@`, first name, last name, commune, department, agreed to information)
const PEOPLE: &[(&str, &str, &str, &str, &str, bool)] = &[
    ("nolwenn.rennes", "Nolwenn", "Le Du", "35238", "35", true),
    ("erwan.vitre", "Erwan", "Gicquel", "35360", "35", true),
    ("maelle.rennes", "Maëlle", "Hamon", "35238", "35", false),
    ("gwenael.brest", "Gwenaël", "Pellen", "29019", "29", true),
];

pub fn load(conn: &mut DbConnection, hash: &str) -> AppResult<()> {
    // Their profiles are validated by the demo chamber (hidden from companies): they never
    // stand in the chamber's queue before the demo's own pending profile.
    let officer = users::by_email(conn, &demo_email(Role::RegistrationOfficer))?
        .map(|u| u.id)
        .unwrap_or_default();
    for (local, first, last, commune, department, agreed) in PEOPLE {
        let email =
            EmailAddress::parse(&format!("{local}@{DEMO_DOMAIN}")).expect("valid demo address");
        let id = users::create(
            conn,
            NewUser {
                email: &email,
                password_hash: Some(hash.to_owned()),
                first_name: first,
                last_name: last,
                role: Role::Candidate,
                organisation_id: None,
                is_org_admin: false,
                status: UserStatus::Active,
                email_verified: true,
                birth_date: chrono::NaiveDate::from_ymd_opt(2007, 9, 2),
            },
        )?;
        save(
            conn,
            &id,
            &ProfileInput {
                presentation: "Je cherche un contrat d’apprentissage près de chez moi.".to_owned(),
                level_reached: Some(3),
                level_sought: Some(4),
                commune_insee: Some((*commune).to_owned()),
                department: Some((*department).to_owned()),
                mobility_km: 30,
                available_from: None,
                visible: false,
                structured_cv: None,
                occupations: Vec::new(),
            },
        )?;
        crate::candidates::store::decide(conn, &id, &officer, true, None)?;
        if *agreed {
            users::set_info_mail_consent(conn, &id, true)?;
        }
    }
    // The demo company's recruiter agreed too (campaigns to companies of Ille-et-Vilaine).
    if let Some(recruiter) = users::by_email(conn, &demo_email(Role::Recruiter))? {
        users::set_info_mail_consent(conn, &recruiter.id, true)?;
    }
    draft(conn)
}

/// A draft the editors can preview and send: to the candidates of Ille-et-Vilaine.
pub fn draft(conn: &mut DbConnection) -> AppResult<()> {
    let Some(editor) = users::by_email(conn, &demo_email(Role::Editor))? else {
        return Ok(());
    };
    use crate::db::schema::campaigns;
    use diesel::prelude::*;
    diesel::insert_into(campaigns::table)
        .values((
            campaigns::id.eq(crate::db::new_id()),
            campaigns::subject.eq("Les rencontres de l’alternance en Ille-et-Vilaine"),
            campaigns::body.eq("## Rencontrez des entreprises qui recrutent\n\nLes **rencontres de l’alternance** ont lieu à Rennes : venez avec votre CV, des entreprises d’Ille-et-Vilaine recrutent des apprentis.\n\n- [Les offres d’alternance](/offres)\n- [Les formations](/formations)\n"),
            campaigns::audience.eq(super::model::Audience::Candidates.as_str()),
            campaigns::department.eq(Some("35")),
            campaigns::status.eq(super::model::CampaignStatus::Draft.as_str()),
            campaigns::created_by.eq(&editor.id),
            campaigns::created_at.eq(crate::db::now()),
            campaigns::updated_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    Ok(())
}
