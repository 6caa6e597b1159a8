//! Demo governance: profiles and contacts of four partners (the CFA, France Travail Rennes
//! Est, Transitions Pro Bretagne and the chamber), charter v1 signed by three of them, v2
//! in force so France Travail must sign again, onboarding partly done, a renewal due soon
//! and an unpaid contribution.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};

use super::model::Step;
use super::store::{self, NewContact, NewRenewal, NewStep, NewVersion, ProfileFields};
use crate::auth::store as users;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};

struct Partner {
    key: &'static str,
    role: &'static str,
    website: &'static str,
    description: &'static str,
    started_days_ago: i64,
    /// Steps done, with how many days ago.
    steps: &'static [(Step, i64)],
    contacts: &'static [(&'static str, &'static str, &'static str, &'static str, bool)],
}

const PARTNERS: &[Partner] = &[
    Partner {
        key: "training_centre",
        role: "Publie les offres d’alternance de ses entreprises partenaires par import de fichiers et reçoit les pré-inscriptions.",
        website: "https://www.cfa-metiers-rennes.example.fr",
        description: "Le CFA forme chaque année plus de 1 200 apprentis aux métiers de l’artisanat, de l’alimentation et du commerce.\n\nIl accompagne les entreprises dans le recrutement de leurs apprentis.",
        started_days_ago: 420,
        steps: &[
            (Step::FirstMeeting, 410),
            (Step::SteeringApproval, 380),
            (Step::AccountsCreated, 330),
            (Step::DataSpaces, 320),
            (Step::GatewaySpec, 300),
            (Step::TrainingGiven, 280),
            (Step::CommunicationKit, 270),
        ],
        contacts: &[
            (
                "Gaëlle Le Meur",
                "Responsable des relations entreprises",
                "relations.entreprises@cfa-rennes.example.fr",
                "02 99 00 11 22",
                true,
            ),
            (
                "Hervé Coat",
                "Directeur",
                "direction@cfa-rennes.example.fr",
                "02 99 00 11 20",
                false,
            ),
        ],
    },
    Partner {
        key: "agency",
        role: "Reçoit les offres consenties par la passerelle France Travail et pré-inscrit les demandeurs d’emploi en formation.",
        website: "https://www.francetravail.fr",
        description: "Agence France Travail de Rennes Est : accompagnement des demandeurs d’emploi et des entreprises du bassin rennais.",
        started_days_ago: 240,
        steps: &[
            (Step::FirstMeeting, 235),
            (Step::SteeringApproval, 200),
            (Step::AccountsCreated, 150),
            (Step::DataSpaces, 140),
            (Step::GatewaySpec, 120),
        ],
        contacts: &[
            (
                "Isabelle Perrot",
                "Conseillère référente alternance",
                "alternance.rennes-est@francetravail.example.fr",
                "02 99 00 33 44",
                true,
            ),
            (
                "Marc Lozac’h",
                "Directeur d’agence",
                "direction.rennes-est@francetravail.example.fr",
                "02 99 00 33 40",
                false,
            ),
        ],
    },
    Partner {
        key: "info_partner",
        role: "Répond sous 2 jours ouvrés aux demandes d’information sur les transitions professionnelles que la ligne lui transmet.",
        website: "https://www.transitionspro-bretagne.example.fr",
        description: "Transitions Pro Bretagne finance et accompagne les projets de reconversion des salariés.",
        started_days_ago: 100,
        steps: &[(Step::FirstMeeting, 95), (Step::SteeringApproval, 60)],
        contacts: &[(
            "Claire Nédélec",
            "Chargée d’information",
            "information@transitionspro-bretagne.example.fr",
            "02 99 00 55 66",
            true,
        )],
    },
    Partner {
        key: "chamber",
        role: "Valide les comptes des entreprises, les offres et les CV de son territoire.",
        website: "https://www.cma-bretagne.example.fr",
        description: "La Chambre de métiers et de l’artisanat de Bretagne accompagne les artisans et enregistre les contrats d’apprentissage.",
        started_days_ago: 600,
        steps: &[
            (Step::FirstMeeting, 590),
            (Step::SteeringApproval, 560),
            (Step::AccountsCreated, 500),
            (Step::DataSpaces, 490),
            (Step::TrainingGiven, 450),
            (Step::CommunicationKit, 440),
        ],
        contacts: &[
            (
                "Yannick Gourmelen",
                "Chargé de l’apprentissage",
                "apprentissage@cma-bretagne.example.fr",
                "02 99 00 77 88",
                true,
            ),
            (
                "Soizic Andro",
                "Secrétaire générale",
                "sg@cma-bretagne.example.fr",
                "02 99 00 77 80",
                false,
            ),
        ],
    },
];

const CHARTER_V1: &str = "Les partenaires de Passerelle s’engagent à publier des informations exactes et à jour, à traiter les demandes qui leur sont transmises dans les délais convenus et à protéger les données personnelles des candidats.\n\nChaque partenaire désigne un contact référent et participe au comité de pilotage annuel.";
const CHARTER_V2: &str = "Les partenaires de Passerelle s’engagent à publier des informations exactes et à jour, à traiter les demandes qui leur sont transmises dans les délais convenus et à protéger les données personnelles des candidats.\n\nChaque partenaire désigne un contact référent et participe au comité de pilotage annuel.\n\nNouveau : les réponses aux demandes routées par la ligne d’information sont données sous 2 jours ouvrés, et chaque partenaire signale sans délai toute violation de données.";

fn user(conn: &mut DbConnection, role: &str) -> AppResult<users::User> {
    let email = format!("{role}@{}", crate::types::DEMO_DOMAIN);
    users::by_email(conn, &email)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo user {email} missing")))
}

fn user_id(conn: &mut DbConnection, role: &str) -> AppResult<String> {
    Ok(user(conn, role)?.id)
}

pub fn load(conn: &mut DbConnection, ids: &HashMap<&'static str, String>) -> AppResult<()> {
    let today = crate::clock::today_paris();
    let ago = |days: i64| -> NaiveDate { today - Duration::days(days) };
    let admin_user = user(conn, "regional_admin")?;
    let admin_name = format!(
        "{} {} (équipe régionale)",
        admin_user.first_name, admin_user.last_name
    );
    let admin = admin_user.id;
    for p in PARTNERS {
        let org = &ids[p.key];
        store::insert_profile(
            conn,
            org,
            &ProfileFields {
                platform_role: p.role,
                website: Some(p.website),
                description: p.description,
                listed: true,
            },
            ago(p.started_days_ago),
        )?;
        for (name, function, email, phone, public) in p.contacts {
            let id = store::insert_contact(
                conn,
                org,
                &NewContact {
                    name,
                    function,
                    email,
                    phone: Some(phone),
                },
            )?;
            if *public {
                store::set_public_contact(conn, org, &id)?;
            }
        }
        for (step, days) in p.steps {
            let import_profile = if *step == Step::GatewaySpec {
                crate::imports::service::profiles_of(conn, org)?
                    .into_iter()
                    .next()
                    .map(|ip| ip.id)
            } else {
                None
            };
            store::record_step(
                conn,
                org,
                &NewStep {
                    step: step.as_str(),
                    done_on: ago(*days),
                    done_by: &admin_name,
                    note: None,
                    import_profile_id: import_profile.as_deref(),
                    recorded_by: &admin,
                },
            )?;
        }
    }
    // Charter v1, signed by the CFA, France Travail and the chamber; v2 in force for ten
    // days, signed again by the CFA and the chamber: France Travail must sign again.
    store::publish_version(
        conn,
        &NewVersion {
            title: "Charte des partenaires de Passerelle",
            body: CHARTER_V1,
            effective_on: ago(400),
            published_by: &admin,
        },
    )?;
    let versions = store::charter_versions(conn)?;
    let v1 = versions[0].id.clone();
    for (key, role) in [
        ("training_centre", "training_staff"),
        ("agency", "prescriber"),
        ("chamber", "registration_officer"),
    ] {
        let signer = user_id(conn, role)?;
        store::insert_signature(conn, &v1, &ids[key], &signer)?;
        store::record_step(
            conn,
            &ids[key],
            &NewStep {
                step: Step::CharterSigned.as_str(),
                done_on: ago(if key == "agency" { 190 } else { 350 }),
                done_by: "Signature en ligne",
                note: Some("Version 1"),
                import_profile_id: None,
                recorded_by: &signer,
            },
        )?;
    }
    store::publish_version(
        conn,
        &NewVersion {
            title: "Charte des partenaires de Passerelle (révision)",
            body: CHARTER_V2,
            effective_on: ago(10),
            published_by: &admin,
        },
    )?;
    let v2 = store::charter_versions(conn)?[0].id.clone();
    for (key, role) in [
        ("training_centre", "training_staff"),
        ("chamber", "registration_officer"),
    ] {
        let signer = user_id(conn, role)?;
        store::insert_signature(conn, &v2, &ids[key], &signer)?;
    }
    // The CFA's convention renews in 20 days; the chamber's contribution is overdue; France
    // Travail paid.
    let year = |d: NaiveDate| chrono::Datelike::year(&d);
    let renewals = [
        ("training_centre", 20, 150_000, 40, 10, None),
        ("chamber", 200, 250_000, 45, -10, None),
        ("agency", 120, 80_000, 60, -30, Some(80_000)),
    ];
    for (key, renew_in, cents, requested_ago, due_in, paid) in renewals {
        let renewal_on = today + Duration::days(renew_in);
        let id = store::insert_renewal(
            conn,
            &ids[key],
            &NewRenewal {
                year: year(renewal_on),
                renewal_on,
                requested_cents: cents,
                requested_on: ago(requested_ago),
                due_on: today + Duration::days(due_in),
            },
        )?;
        if let Some(paid) = paid {
            store::record_payment(conn, &id, paid, ago(35))?;
        }
    }
    Ok(())
}
