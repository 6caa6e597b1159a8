//! The demo dataset: a region with the four Breton departments, organisations of every kind
//! and one account per role (`<role>@demo.passerelle.test`). Loading it twice changes nothing.

use crate::auth::password;
use crate::auth::store::{self as users, NewUser};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::offers::model::{ContractType, OfferInput, OfferStatus};
use crate::offers::store as offer_store;
use crate::organisations::store::{self as orgs, NewOrganisation};
use crate::types::{
    DEMO_DOMAIN, EmailAddress, OrgKind, OrgStatus, Role, Siret, UserStatus, demo_email,
};

pub const PASSWORD: &str = "Passerelle-demo-2026";
const BRITTANY: [&str; 4] = ["22", "29", "35", "56"];

/// Completes a 13-digit prefix with its Luhn check digit.
fn siret(prefix: &str) -> Siret {
    let check = (0..10)
        .map(|d| format!("{prefix}{d}"))
        .find(|candidate| crate::types::luhn_valid(candidate))
        .expect("a Luhn digit always exists");
    Siret::parse(&check).expect("valid by construction")
}

struct DemoOrg {
    key: &'static str,
    kind: OrgKind,
    name: &'static str,
    network: Option<&'static str>,
    siret_prefix: Option<&'static str>,
    commune: Option<&'static str>,
    departments: &'static [&'static str],
    status: OrgStatus,
}

const ORGS: &[DemoOrg] = &[
    DemoOrg {
        key: "operator",
        kind: OrgKind::Operator,
        name: "Passerelle Bretagne – équipe régionale",
        network: None,
        siret_prefix: None,
        commune: Some("35238"),
        departments: &BRITTANY,
        status: OrgStatus::Active,
    },
    DemoOrg {
        key: "company",
        kind: OrgKind::Company,
        name: "Boulangerie Le Goff",
        network: None,
        siret_prefix: Some("8123456780001"),
        commune: Some("35238"),
        departments: &["35"],
        status: OrgStatus::Active,
    },
    DemoOrg {
        key: "company_pending",
        kind: OrgKind::Company,
        name: "Garage Kerhervé",
        network: None,
        siret_prefix: Some("8234567890001"),
        commune: Some("29019"),
        departments: &["29"],
        status: OrgStatus::Pending,
    },
    DemoOrg {
        key: "training_centre",
        kind: OrgKind::TrainingCentre,
        name: "CFA des métiers de Rennes",
        network: Some("CMA"),
        siret_prefix: Some("1935000120001"),
        commune: Some("35238"),
        departments: &["35"],
        status: OrgStatus::Active,
    },
    DemoOrg {
        key: "chamber",
        kind: OrgKind::Chamber,
        name: "Chambre de métiers et de l’artisanat de Bretagne",
        network: Some("CMA"),
        siret_prefix: None,
        commune: Some("35238"),
        departments: &BRITTANY,
        status: OrgStatus::Active,
    },
    DemoOrg {
        key: "agency",
        kind: OrgKind::EmploymentAgency,
        name: "France Travail Rennes Est",
        network: Some("France Travail"),
        siret_prefix: None,
        commune: Some("35238"),
        departments: &["35"],
        status: OrgStatus::Active,
    },
    DemoOrg {
        key: "mission_locale",
        kind: OrgKind::EmploymentAgency,
        name: "Mission Locale du Pays de Brest",
        network: Some("Mission Locale"),
        siret_prefix: None,
        commune: Some("29019"),
        departments: &["29"],
        status: OrgStatus::Active,
    },
    DemoOrg {
        key: "gateway",
        kind: OrgKind::EmploymentAgency,
        name: "France Travail Bretagne – plateforme régionale",
        network: Some("France Travail"),
        siret_prefix: None,
        commune: Some("35238"),
        departments: &BRITTANY,
        status: OrgStatus::Active,
    },
    DemoOrg {
        key: "funder",
        kind: OrgKind::Funder,
        name: "Région Bretagne – direction de la formation",
        network: Some("Région"),
        siret_prefix: None,
        commune: Some("35238"),
        departments: &BRITTANY,
        status: OrgStatus::Active,
    },
    DemoOrg {
        key: "info_partner",
        kind: OrgKind::InformationPartner,
        name: "Transitions Pro Bretagne",
        network: Some("Transitions Pro"),
        siret_prefix: None,
        commune: Some("35238"),
        departments: &BRITTANY,
        status: OrgStatus::Active,
    },
    DemoOrg {
        key: "school",
        kind: OrgKind::School,
        name: "Lycée professionnel de Quimper",
        network: Some("Éducation nationale"),
        siret_prefix: None,
        commune: Some("29232"),
        departments: &["29"],
        status: OrgStatus::Active,
    },
    DemoOrg {
        key: "site_host",
        kind: OrgKind::SiteHost,
        name: "Espace Métiers de Saint-Brieuc",
        network: Some("Mission Locale"),
        siret_prefix: None,
        commune: Some("22278"),
        departments: &["22"],
        status: OrgStatus::Active,
    },
];

/// Which demo organisation each role belongs to.
fn org_key(role: Role) -> Option<&'static str> {
    Some(match role {
        Role::Candidate => return None,
        Role::Recruiter => "company",
        Role::TrainingStaff => "training_centre",
        Role::RegistrationOfficer => "chamber",
        Role::Prescriber => "agency",
        Role::GatewayAgent => "gateway",
        Role::Funder => "funder",
        Role::PartnerResponder => "info_partner",
        Role::SiteCoordinator => "site_host",
        Role::Teacher => "school",
        Role::InfoOfficer | Role::Editor | Role::RegionalAdmin => "operator",
    })
}

const NAMES: &[(&str, &str)] = &[
    ("Léa", "Morvan"),
    ("Yann", "Le Goff"),
    ("Nolwenn", "Tanguy"),
    ("Erwan", "Le Bihan"),
    ("Maëlle", "Guével"),
    ("Gwenaël", "Kerjean"),
    ("Solène", "Riou"),
    ("Tristan", "Le Floc’h"),
    ("Anaïs", "Quéré"),
    ("Loïc", "Pennec"),
    ("Katell", "Le Roux"),
    ("Ronan", "Jégou"),
    ("Élodie", "Cadiou"),
];

struct DemoOffer {
    title: &'static str,
    rome: &'static str,
    commune: &'static str,
    contract: ContractType,
    level: i32,
    status: OfferStatus,
    by_centre: bool,
    description: &'static str,
}

const OFFERS: &[DemoOffer] = &[
    DemoOffer {
        title: "Apprenti·e boulanger·ère",
        rome: "D1102",
        commune: "35238",
        contract: ContractType::Apprenticeship,
        level: 3,
        status: OfferStatus::Published,
        by_centre: false,
        description: "Au fournil, vous apprendrez à pétrir, façonner et cuire pains de tradition et pains au levain.\nHoraires : du mardi au samedi, de 5 h à 12 h. Formation au CAP Boulanger au CFA des métiers de Rennes.",
    },
    DemoOffer {
        title: "Vendeur·se en boulangerie-pâtisserie",
        rome: "D1106",
        commune: "35047",
        contract: ContractType::Professionalisation,
        level: 4,
        status: OfferStatus::Published,
        by_centre: false,
        description: "Accueil et conseil des clients, mise en valeur des produits, tenue de la caisse et de la boutique.\nVous préparerez un titre professionnel de vendeur-conseil en magasin.",
    },
    DemoOffer {
        title: "Apprenti·e pâtissier·ère",
        rome: "D1104",
        commune: "35238",
        contract: ContractType::Apprenticeship,
        level: 3,
        status: OfferStatus::Published,
        by_centre: true,
        description: "Entremets, viennoiseries, tartes : vous participerez à toute la production de la pâtisserie, encadré·e par un maître d’apprentissage.\nOffre gérée par le CFA des métiers de Rennes, qui reçoit les candidatures.",
    },
    DemoOffer {
        title: "Apprenti·e boulanger·ère – Vitré",
        rome: "D1102",
        commune: "35360",
        contract: ContractType::Apprenticeship,
        level: 3,
        status: OfferStatus::Pending,
        by_centre: false,
        description: "Pour notre nouvelle boutique de Vitré, nous cherchons un·e apprenti·e motivé·e pour préparer le CAP Boulanger en deux ans.",
    },
];

fn offers(conn: &mut DbConnection, ids: &std::collections::HashMap<&str, String>) -> AppResult<()> {
    let company = &ids["company"];
    let centre = &ids["training_centre"];
    crate::organisations::store::add_delegation(conn, company, centre)?;
    let start = crate::clock::today_paris() + chrono::Duration::days(45);
    let mut created = Vec::new();
    for (i, offer) in OFFERS.iter().enumerate() {
        let commune =
            crate::referential::store::commune(conn, offer.commune)?.ok_or_else(|| {
                crate::error::AppError::internal(anyhow::anyhow!(
                    "demo commune {} missing: load reference data first",
                    offer.commune
                ))
            })?;
        let input = OfferInput {
            title: offer.title.to_owned(),
            description: offer.description.to_owned(),
            rome_code: offer.rome.to_owned(),
            contract_type: offer.contract,
            level: offer.level,
            training: Some("CAP".to_owned()),
            start_date: start,
            duration_months: 24,
            commune_insee: commune.insee_code.clone(),
            department: commune.department.clone(),
            positions: 1,
            share_with_france_travail: true,
            expires_on: None,
        };
        let manager = if offer.by_centre { centre } else { company };
        let new = offer_store::NewOffer::draft(company, manager, None, &input);
        let id = offer_store::insert(conn, new, crate::db::now())?;
        if offer.status != OfferStatus::Draft {
            offer_store::set_status(conn, &id, OfferStatus::Draft, OfferStatus::Pending)?;
        }
        if offer.status == OfferStatus::Published {
            offer_store::set_status(conn, &id, OfferStatus::Pending, OfferStatus::Published)?;
            offer_store::record_moderation(conn, &id, "", true, None)?;
        }
        // One offer a day over the last days, the first one oldest.
        let days = (OFFERS.len() - i) as i64;
        offer_store::backdate(conn, &id, crate::db::now() - chrono::Duration::days(days))?;
        created.push(id);
    }
    // Their companies consented: the published ones wait in the France Travail queue.
    crate::gateway::sync(conn, &created)?;
    Ok(())
}

/// The demo accounts beyond one per role (same password), as `passerelle demo` lists them:
/// the part of the address before `@DEMO_DOMAIN`, and who they are.
pub const OTHER_ACCOUNTS: &[(&str, &str)] = &[
    (
        "garage.kerherve",
        "Recruteur·se d’une entreprise en attente de validation",
    ),
    (
        "formation.brest",
        "Personnel d’un second organisme de formation (Brest)",
    ),
    (
        "conseillere.brest",
        "Prescriptrice d’une seconde agence (Mission Locale du Pays de Brest)",
    ),
    (
        "onisep",
        "Répondante d’un second partenaire d’information (ONISEP Bretagne)",
    ),
    (
        "coordinatrice.lorient",
        "Coordinatrice d’un second Espace Métiers (Lorient)",
    ),
];

/// The Region funds the demo catalogue (LHÉO funder code 2, 10 working days for centres to
/// decide); it publishes it through its own import profile. A second agency (Mission Locale du
/// Pays de Brest) has an adviser too, who must see nothing of the first agency's people.
fn trainings(
    conn: &mut DbConnection,
    ids: &std::collections::HashMap<&str, String>,
    hash: &str,
) -> AppResult<()> {
    use crate::db::schema::{funder_codes, funder_settings};
    use diesel::prelude::*;
    diesel::insert_into(funder_settings::table)
        .values((
            funder_settings::organisation_id.eq(&ids["funder"]),
            funder_settings::decision_days.eq(crate::prescriptions::service::DEFAULT_DECISION_DAYS),
        ))
        .execute(conn)?;
    diesel::insert_into(funder_codes::table)
        .values((
            funder_codes::code.eq("2"),
            funder_codes::organisation_id.eq(&ids["funder"]),
            funder_codes::status.eq("approved"),
            funder_codes::requested_at.eq(crate::db::now()),
            funder_codes::decided_at.eq(Some(crate::db::now())),
        ))
        .execute(conn)?;
    // A second training centre, in Brest, with its own staff: it must see nothing of the
    // pre-registrations sent to the first one.
    let brest_siret = siret("1929000450001");
    let brest = orgs::create(
        conn,
        NewOrganisation {
            kind: OrgKind::TrainingCentre,
            name: "Centre de formation des métiers de Brest",
            network: None,
            siret: Some(&brest_siret),
            commune_insee: Some("29019"),
            status: OrgStatus::Active,
            departments: &["29".to_owned()],
        },
    )?;
    let email =
        EmailAddress::parse(&format!("formation.brest@{DEMO_DOMAIN}")).expect("valid demo address");
    users::create(
        conn,
        NewUser {
            email: &email,
            password_hash: Some(hash.to_owned()),
            first_name: "Tanguy",
            last_name: "Abgrall",
            role: Role::TrainingStaff,
            organisation_id: Some(&brest),
            is_org_admin: true,
            status: UserStatus::Active,
            email_verified: true,
            birth_date: None,
        },
    )?;
    let publisher = crate::trainings::store::Publisher::load(conn, &ids["funder"])?;
    let mut directory = crate::trainings::store::Directory::load(conn)?;
    let today = crate::clock::today_paris();
    let centre = orgs::get(conn, &ids["training_centre"])?;
    let mut catalogue = crate::trainings::demo::catalogue(
        today,
        centre.siret.as_deref().unwrap_or_default(),
        &centre.name,
    );
    catalogue.extend(crate::trainings::demo::brest(
        today,
        brest_siret.as_str(),
        "Centre de formation des métiers de Brest",
    ));
    for training in catalogue {
        crate::trainings::store::upsert(conn, &mut directory, &publisher, &training)?;
    }
    let generic = crate::imports::profile::preset("generic").expect("generic preset");
    crate::imports::service::create_profile(
        conn,
        &ids["funder"],
        &crate::imports::service::ProfileInput {
            identifier: "demo-region-lheo".to_owned(),
            name: "Catalogue LHÉO de la Région".to_owned(),
            preset: generic.name.to_owned(),
            mapping: generic.mapping(),
            mode: crate::imports::profile::Mode::Delta,
            defaults: generic.default_values(),
            allow_pending_companies: false,
        },
        false,
    )?;
    let email = EmailAddress::parse(&format!("conseillere.brest@{DEMO_DOMAIN}"))
        .expect("valid demo address");
    users::create(
        conn,
        NewUser {
            email: &email,
            password_hash: Some(hash.to_owned()),
            first_name: "Gwenola",
            last_name: "Le Meur",
            role: Role::Prescriber,
            organisation_id: Some(&ids["mission_locale"]),
            is_org_admin: true,
            status: UserStatus::Active,
            email_verified: true,
            birth_date: None,
        },
    )?;
    Ok(())
}

/// Loads the demo dataset unless it is there already. Returns true when it was loaded now.
pub fn load(conn: &mut DbConnection) -> AppResult<bool> {
    if users::by_email(conn, &demo_email(Role::RegionalAdmin))?.is_some() {
        return Ok(false);
    }
    let hash = password::hash(PASSWORD).map_err(crate::error::AppError::internal)?;
    let mut ids = std::collections::HashMap::new();
    for org in ORGS {
        let siret = org.siret_prefix.map(siret);
        let departments: Vec<String> = org.departments.iter().map(|d| (*d).to_owned()).collect();
        let id = orgs::create(
            conn,
            NewOrganisation {
                kind: org.kind,
                name: org.name,
                network: org.network,
                siret: siret.as_ref(),
                commune_insee: org.commune,
                status: org.status,
                departments: &departments,
            },
        )?;
        ids.insert(org.key, id);
    }
    for (i, role) in Role::ALL.iter().enumerate() {
        let email = EmailAddress::parse(&demo_email(*role)).expect("valid demo address");
        let (first, last) = NAMES[i % NAMES.len()];
        users::create(
            conn,
            NewUser {
                email: &email,
                password_hash: Some(hash.clone()),
                first_name: first,
                last_name: last,
                role: *role,
                organisation_id: org_key(*role).map(|k| ids[k].as_str()),
                is_org_admin: *role != Role::Candidate,
                status: UserStatus::Active,
                email_verified: true,
                birth_date: (*role == Role::Candidate)
                    .then(|| chrono::NaiveDate::from_ymd_opt(2008, 3, 14).expect("valid date")),
            },
        )?;
    }
    offers(conn, &ids)?;
    // The training centre's software sends its offers in the generic format; the chamber
    // trusts it, so they publish without review.
    let generic = crate::imports::profile::preset("generic").expect("generic preset");
    crate::imports::service::create_profile(
        conn,
        &ids["training_centre"],
        &crate::imports::service::ProfileInput {
            identifier: "demo-generic".to_owned(),
            name: "Offres du logiciel de gestion du CFA".to_owned(),
            preset: generic.name.to_owned(),
            mapping: generic.mapping(),
            mode: crate::imports::profile::Mode::Delta,
            // The centre's companies agreed to share their offers with France Travail.
            defaults: {
                let mut defaults = generic.default_values();
                defaults.insert("france_travail".to_owned(), "oui".to_owned());
                defaults
            },
            allow_pending_companies: false,
        },
        true,
    )?;
    trainings(conn, &ids, &hash)?;
    // The pending company has its own recruiter, so the chamber's queue has someone to answer.
    let email =
        EmailAddress::parse(&format!("garage.kerherve@{DEMO_DOMAIN}")).expect("valid demo address");
    users::create(
        conn,
        NewUser {
            email: &email,
            password_hash: Some(hash.clone()),
            first_name: "Morgane",
            last_name: "Kerhervé",
            role: Role::Recruiter,
            organisation_id: Some(&ids["company_pending"]),
            is_org_admin: true,
            status: UserStatus::Active,
            email_verified: true,
            birth_date: None,
        },
    )?;
    crate::programme::demo::load(conn)?;
    crate::content::demo::load(conn)?;
    crate::sites::demo::load(conn, &ids, &hash)?;
    crate::discovery::demo::load(conn, &ids)?;
    crate::helpline::demo::load(conn, &ids, &hash)?;
    crate::partners::demo::load(conn, &ids)?;
    crate::campaigns::demo::load(conn, &hash)?;
    Ok(true)
}
