//! The demo catalogue: three trainings of the demo training centre, funded by the Region,
//! with sessions starting in the coming months (dates relative to the day it is loaded).

use chrono::{Datelike, Duration, NaiveDate};

use super::model::{
    Action, Address, Contact, Funding, LheoDate, RecruitmentState, ResponsibleOrganisation,
    Session, Training,
};

fn rennes_address(lines: &[&str]) -> Address {
    Address {
        name: None,
        lines: lines.iter().map(|l| (*l).to_owned()).collect(),
        postcode: "35000".into(),
        city: "Rennes".into(),
        insee: Some("35238".into()),
        latitude: None,
        longitude: None,
    }
}

struct Spec {
    numero: &'static str,
    title: &'static str,
    objectives: &'static str,
    content: &'static str,
    rome: &'static str,
    formacode: &'static str,
    rncp: Option<&'static str>,
    exit_level: i32,
    hours: i32,
    places: i32,
    prescription_required: bool,
    /// Start of the first session, in days from today.
    start_in_days: i64,
    months: i64,
}

const SPECS: &[Spec] = &[
    Spec {
        numero: "DEMO-CAP-BOUL",
        title: "CAP Boulanger en un an",
        objectives: "Préparer le CAP Boulanger : fabriquer les pains courants et de tradition, les viennoiseries, dans le respect des règles d’hygiène.",
        content: "Technologie professionnelle, pétrissage, façonnage, fermentation et cuisson.\nHygiène et sécurité alimentaire, sciences appliquées.\nStage en entreprise de 8 semaines.",
        rome: "D1102",
        formacode: "21528",
        rncp: Some("RNCP36735"),
        exit_level: 3,
        hours: 910,
        places: 12,
        prescription_required: true,
        start_in_days: 45,
        months: 10,
    },
    Spec {
        numero: "DEMO-TP-VENDEUR",
        title: "Titre professionnel Vendeur-conseil en magasin",
        objectives: "Accueillir, conseiller et vendre ; tenir un rayon et participer à la gestion commerciale du magasin.",
        content: "Vente et relation client, merchandising, encaissement, gestion des stocks.\nPériode en entreprise de 6 semaines.",
        rome: "D1106",
        formacode: "34566",
        rncp: Some("RNCP37098"),
        exit_level: 4,
        hours: 700,
        places: 15,
        prescription_required: true,
        start_in_days: 70,
        months: 7,
    },
    Spec {
        numero: "DEMO-DECOUVERTE-ALIM",
        title: "Découverte des métiers de l’alimentation",
        objectives: "Découvrir les métiers de bouche (boulangerie, pâtisserie, boucherie) et construire son projet professionnel.",
        content: "Ateliers pratiques, visites d’entreprises, rencontres avec des professionnels.\nAccompagnement au projet.",
        rome: "D1104",
        formacode: "15094",
        rncp: None,
        exit_level: 0,
        hours: 140,
        places: 10,
        prescription_required: false,
        start_in_days: 20,
        months: 1,
    },
];

/// The demo catalogue for a centre (its SIRET and name), relative to `today`.
pub fn catalogue(today: NaiveDate, siret: &str, centre_name: &str) -> Vec<Training> {
    SPECS
        .iter()
        .map(|spec| {
            let start = today + Duration::days(spec.start_in_days);
            let end = start + Duration::days(spec.months * 30);
            let later = start + Duration::days(120);
            Training {
                numero: spec.numero.into(),
                title: spec.title.into(),
                objectives: spec.objectives.into(),
                expected_results: match spec.rncp {
                    Some(_) => "Obtention de la certification visée.".into(),
                    None => {
                        "Attestation de fin de formation et projet professionnel validé.".into()
                    }
                },
                content: spec.content.into(),
                certifying: spec.rncp.is_some(),
                rncp_codes: spec.rncp.iter().map(|c| (*c).to_owned()).collect(),
                rs_codes: Vec::new(),
                rome_codes: vec![spec.rome.into()],
                formacode_codes: vec![spec.formacode.into()],
                nsf_codes: Vec::new(),
                pathway: 1,
                entry_level: 0,
                exit_level: Some(spec.exit_level),
                url: None,
                contact: Contact {
                    name: Some("Service des admissions".into()),
                    phone: Some("02 99 00 00 00".into()),
                    email: Some("admissions@cfa-rennes.demo.passerelle.test".into()),
                    web: None,
                },
                organisation: ResponsibleOrganisation {
                    numero: None,
                    activity_number: "53350000035".into(),
                    siret: siret.into(),
                    name: centre_name.into(),
                    legal_name: centre_name.into(),
                    address: rennes_address(&["12 rue des Artisans"]),
                    contact: Contact {
                        name: Some("Accueil".into()),
                        phone: Some("02 99 00 00 00".into()),
                        email: None,
                        web: None,
                    },
                },
                actions: vec![Action {
                    numero: format!("{}-A1", spec.numero),
                    rhythm: "Temps plein".into(),
                    public_codes: vec!["15041".into()],
                    public_info: Some(
                        "Demandeurs d’emploi et jeunes accompagnés par une Mission Locale".into(),
                    ),
                    entry_level_required: false,
                    work_study: "Stage en entreprise".into(),
                    teaching_mode: 0,
                    specific_conditions: "Entretien de motivation et tests de positionnement."
                        .into(),
                    funding_possible: true,
                    place: Some(rennes_address(&["12 rue des Artisans"])),
                    entry_mode: 0,
                    url: None,
                    info_dates: vec![LheoDate::Day(start - Duration::days(14))],
                    hours_total: Some(spec.hours),
                    hours_centre: Some(spec.hours * 3 / 4),
                    hours_company: Some(spec.hours / 4),
                    price_total: None,
                    funders: vec![Funding {
                        code: "2".into(),
                        places: Some(spec.places),
                    }],
                    prescription_required: spec.prescription_required,
                    sessions: vec![
                        Session {
                            numero: format!("{}-S1", spec.numero),
                            start: LheoDate::Day(start),
                            end: LheoDate::Day(end),
                            recruitment: RecruitmentState::Open,
                            registration_address: rennes_address(&["12 rue des Artisans"]),
                            places: Some(spec.places),
                            extras: None,
                        },
                        Session {
                            numero: format!("{}-S2", spec.numero),
                            // Next one: only the month is known yet.
                            start: LheoDate::Month(later.year(), later.month()),
                            end: LheoDate::Unknown,
                            recruitment: RecruitmentState::Open,
                            registration_address: rennes_address(&["12 rue des Artisans"]),
                            places: Some(spec.places),
                            extras: None,
                        },
                    ],
                    extras: None,
                }],
                extras: None,
            }
        })
        .collect()
}

/// One training of the second demo centre, in Brest.
pub fn brest(today: NaiveDate, siret: &str, centre_name: &str) -> Vec<Training> {
    let mut training = catalogue(today, siret, centre_name).remove(0);
    training.numero = "DEMO-BREST-CAP-BOUL".into();
    training.title = "CAP Boulanger – parcours adultes".into();
    let brest = Address {
        name: None,
        lines: vec!["4 rue de Siam".into()],
        postcode: "29200".into(),
        city: "Brest".into(),
        insee: Some("29019".into()),
        latitude: None,
        longitude: None,
    };
    training.organisation.address = brest.clone();
    training.contact.email = Some("contact@cfm-brest.demo.passerelle.test".into());
    for action in &mut training.actions {
        action.numero = "DEMO-BREST-A1".into();
        action.place = Some(brest.clone());
        for (i, session) in action.sessions.iter_mut().enumerate() {
            session.numero = format!("DEMO-BREST-S{}", i + 1);
            session.registration_address = brest.clone();
        }
    }
    vec![training]
}
