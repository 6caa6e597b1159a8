//! Demo content: news, events in the coming weeks across the departments, and the three
//! documentation pages (contracts, financial aid, a page for parents).

use super::service::{self, Audience, EventInput, EventKind, NewsInput, PageInput};
use crate::auth::store as users;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::types::Role;

const CONTRACTS: &str = "Deux contrats permettent de se former en travaillant : le **contrat d’apprentissage** et le **contrat de professionnalisation**.

| | Apprentissage | Professionnalisation |
|---|---|---|
| Pour qui | 16 à 29 ans révolus (sans limite d’âge pour les personnes handicapées) | 16 à 25 ans, demandeurs d’emploi de 26 ans et plus |
| But | Un diplôme ou un titre inscrit au RNCP | Une qualification reconnue par une branche ou un titre RNCP |
| Durée | 6 mois à 3 ans | 6 à 12 mois, jusqu’à 36 mois dans certains cas |
| Formation | Au moins 25 % du temps en CFA | 15 à 25 % du temps, 150 heures au moins |
| Salaire | De 27 % à 100 % du SMIC selon l’âge et l’année | De 55 % à 100 % du SMIC selon l’âge et le niveau |

## Les démarches

1. Trouver une entreprise (les [offres d’alternance](/offres) de la région sont sur Passerelle).
2. Trouver la formation : un CFA pour l’apprentissage, un organisme de formation pour la professionnalisation.
3. Signer le contrat, qui est déposé auprès de l’OPCO de l’entreprise.

Une question ? Écrivez-nous : [contact@passerelle.test](mailto:contact@passerelle.test).";

const AID: &str = "## Pour les employeurs

- **Aide à l’embauche d’un apprenti** : versée par l’État pour la première année du contrat, selon les règles en vigueur à la date de signature.
- **Aide aux employeurs d’apprentis en situation de handicap** : l’Agefiph peut compléter.
- La formation de l’alternant est prise en charge par l’**OPCO** de l’entreprise.

## Pour les alternants

- **Aide au permis de conduire** pour les apprentis majeurs.
- Aides au logement et au transport de la Région et d’Action Logement.
- Les apprentis bénéficient de la carte d’étudiant des métiers.

Les montants changent régulièrement : vérifiez-les auprès de votre CFA, de l’OPCO ou de votre conseiller France Travail ou Mission Locale.";

const PARENTS: &str = "Votre enfant envisage l’alternance ? Voici l’essentiel.

## L’alternance, c’est quoi ?

Votre enfant est **salarié** d’une entreprise et suit en même temps une formation. Il alterne entre l’entreprise et le centre de formation, et il est **payé**.

## À partir de quel âge ?

Dès 16 ans (15 ans s’il a terminé la classe de troisième). Un mineur a droit à des horaires adaptés et à des protections particulières.

## Comment l’aider ?

- Chercher ensemble des entreprises près de chez vous sur les [offres d’alternance](/offres).
- Participer aux **Mercredis de l’alternance** et aux portes ouvertes des CFA : voir l’[agenda](/agenda).
- Rencontrer un conseiller d’un Espace Métiers ou d’un CIO.

Les frais de formation ne sont pas à la charge de la famille.";

const INTERVIEW: &str = "Une trame pour le premier entretien avec une personne qui envisage l’alternance, à adapter à chaque situation.

## Le projet

- Quel métier, quel secteur ? Comment la personne l’a-t-elle découvert (stage, entourage, enquête métier) ?
- A-t-elle vérifié les conditions de travail : horaires, déplacements, port de charges ?
- Un stage d’immersion (PMSMP) est-il utile avant de s’engager ?

## Les conditions de l’alternance

- **Âge** : de 16 à 29 ans révolus pour l’apprentissage (15 ans après la troisième ; sans limite pour les personnes en situation de handicap) ; professionnalisation de 16 à 25 ans, et demandeurs d’emploi de 26 ans et plus.
- **Mobilité** : permis, transports, hébergement près de l’entreprise ou du CFA.
- **Ressources** : le salaire de l’alternant, les aides au permis, au logement, au transport.

## La recherche d’entreprise

- Offres de la région sur Passerelle, candidatures spontanées, réseau des CFA.
- Les rendez-vous de l’agenda : Mercredis de l’alternance, portes ouvertes, job-dating.

## La suite

Notez la prochaine étape et sa date : pré-inscription sur une session, rendez-vous avec un CFA, atelier CV.";

const FUNDING: &str = "Qui finance quoi, pour orienter la personne vers le bon guichet.

| Situation | Financement principal | À vérifier |
|---|---|---|
| Alternant (apprentissage, professionnalisation) | L’OPCO de l’entreprise prend en charge la formation | Le niveau de prise en charge du diplôme |
| Demandeur d’emploi | Région (programme régional de formation), France Travail (AIF) | Inscription à France Travail, places sur la session |
| Salarié en reconversion | Projet de transition professionnelle (Transitions Pro), CPF | Ancienneté, dossier à déposer avant l’entrée en formation |
| Personne en situation de handicap | Agefiph en complément | Reconnaissance de la qualité de travailleur handicapé |

## Bon à savoir

- Sur les sessions financées, la **pré-inscription en ligne** par le prescripteur est le passage obligé : l’organisme de formation répond sur Passerelle.
- Le compte personnel de formation se consulte sur moncompteformation.gouv.fr.";

pub fn load(conn: &mut DbConnection) -> AppResult<()> {
    let editor = users::by_email(conn, &crate::types::demo_email(Role::Editor))?
        .ok_or_else(AppError::not_found)?;
    let editor = users::current_user(conn, &editor.id)?.ok_or_else(AppError::not_found)?;
    for (slug, title, body) in [
        (
            "contrats-apprentissage-professionnalisation",
            "Contrat d’apprentissage ou de professionnalisation ?",
            CONTRACTS,
        ),
        (
            "aides-financieres",
            "Les aides financières à l’alternance",
            AID,
        ),
        ("page-pour-les-parents", "Page pour les parents", PARENTS),
    ] {
        service::save_page(
            conn,
            &editor,
            None,
            &PageInput {
                slug: slug.to_owned(),
                title: title.to_owned(),
                body: body.to_owned(),
                audience: Audience::Public,
                summary: String::new(),
                category: String::new(),
            },
        )?;
    }
    for (slug, title, summary, category, body) in [
        (
            "grille-entretien-alternance",
            "Grille d’entretien : orienter vers l’alternance",
            "Les questions à poser au premier entretien, du projet à la recherche d’entreprise.",
            "Outils d’entretien",
            INTERVIEW,
        ),
        (
            "qui-finance-quoi",
            "Financer une formation : qui paie quoi ?",
            "Région, France Travail, OPCO, Transitions Pro, Agefiph : le bon guichet selon la situation.",
            "Financements",
            FUNDING,
        ),
    ] {
        service::save_page(
            conn,
            &editor,
            None,
            &PageInput {
                slug: slug.to_owned(),
                title: title.to_owned(),
                body: body.to_owned(),
                audience: Audience::Professionals,
                summary: summary.to_owned(),
                category: category.to_owned(),
            },
        )?;
    }
    for (title, summary, body, territory) in [
        (
            "Les Mercredis de l’alternance reviennent",
            "Chaque mercredi après-midi, des entreprises qui recrutent des apprentis reçoivent les jeunes et leurs familles.",
            "Dans les quatre départements, les **Mercredis de l’alternance** reprennent : rencontres avec des employeurs, ateliers CV et simulations d’entretien.\n\nToutes les dates sont dans l’[agenda](/agenda).",
            None,
        ),
        (
            "Forum de l’apprentissage à Rennes",
            "Plus de 60 entreprises et 15 CFA attendus au Liberté.",
            "Le forum de l’apprentissage d’Ille-et-Vilaine accueille les jeunes de 15 à 29 ans et leurs parents. Venez avec votre CV !",
            Some("35"),
        ),
        (
            "Nouveau : la page pour les parents",
            "Une page pour répondre aux questions des familles sur l’alternance.",
            "Âge, salaire, protections des mineurs : la [page pour les parents](/documentation/page-pour-les-parents) rassemble l’essentiel.",
            None,
        ),
        (
            "Métiers de la mer : la filière recrute dans le Finistère",
            "Chantiers navals et pêche cherchent des apprentis pour la rentrée.",
            "Les chantiers de Brest et de Concarneau proposent des contrats d’apprentissage en chaudronnerie, soudure et mécanique marine.",
            Some("29"),
        ),
    ] {
        service::save_news(
            conn,
            &editor,
            None,
            &NewsInput {
                title: title.to_owned(),
                summary: summary.to_owned(),
                body: body.to_owned(),
                territory: territory.map(str::to_owned),
            },
        )?;
    }
    let today = crate::web::today_paris();
    let at = |days: i64, hour: u32, minute: u32| {
        crate::web::paris_to_utc(
            (today + chrono::Duration::days(days))
                .and_hms_opt(hour, minute, 0)
                .expect("valid time"),
        )
    };
    // The next Wednesdays.
    let to_wednesday = (10 - i64::from(chrono::Datelike::weekday(&today).number_from_monday())) % 7;
    let wednesday = if to_wednesday == 0 { 7 } else { to_wednesday };
    let events = [
        (
            EventKind::AlternanceWednesday,
            "Mercredi de l’alternance à Rennes",
            "Rencontrez des employeurs qui recrutent des apprentis, ateliers CV et entretiens.",
            wednesday,
            (14, 0),
            (17, 30),
            "Espace Métiers de Rennes, 2 rue de la Mabilais, Rennes",
            "CCI Ille-et-Vilaine",
            Some("35"),
        ),
        (
            EventKind::AlternanceWednesday,
            "Mercredi de l’alternance à Quimper",
            "Les métiers du commerce et de la restauration recrutent.",
            wednesday + 7,
            (14, 0),
            (17, 0),
            "CFA de la CCI, Quimper",
            "CCI Finistère",
            Some("29"),
        ),
        (
            EventKind::Fair,
            "Forum de l’apprentissage",
            "60 entreprises, 15 CFA, des offres à pourvoir pour la rentrée. Venez avec votre CV !",
            12,
            (9, 30),
            (17, 0),
            "Le Liberté, Rennes",
            "Région Bretagne",
            Some("35"),
        ),
        (
            EventKind::OpenDay,
            "Portes ouvertes du CFA des métiers",
            "Visite des ateliers (boulangerie, coiffure, mécanique), rencontre avec les formateurs.",
            19,
            (9, 0),
            (13, 0),
            "CFA des métiers, Saint-Brieuc",
            "Chambre de métiers et de l’artisanat",
            Some("22"),
        ),
        (
            EventKind::Fair,
            "Salon des métiers de la mer",
            "Pêche, construction navale, nautisme : métiers, formations et contrats.",
            26,
            (10, 0),
            (18, 0),
            "Parc des expositions de Penfeld, Brest",
            "Campus des industries de la mer",
            Some("29"),
        ),
        (
            EventKind::OpenDay,
            "Portes ouvertes des lycées professionnels",
            "Découvrez les formations en alternance des lycées du Morbihan.",
            33,
            (9, 0),
            (12, 30),
            "Lycée professionnel, Vannes",
            "Rectorat de Rennes",
            Some("56"),
        ),
        (
            EventKind::Other,
            "Webinaire : les aides à l’embauche d’apprentis",
            "En ligne, pour les employeurs de toute la région ; inscription sur la page du webinaire.",
            8,
            (11, 0),
            (12, 0),
            "En ligne",
            "Passerelle Bretagne",
            None,
        ),
    ];
    for (kind, title, description, day, (sh, sm), (eh, em), place, organiser, territory) in events {
        service::save_event(
            conn,
            &editor,
            None,
            &EventInput {
                kind,
                title: title.to_owned(),
                description: description.to_owned(),
                starts_at: at(day, sh, sm),
                ends_at: at(day, eh, em),
                place: place.to_owned(),
                organiser: organiser.to_owned(),
                territory: territory.map(str::to_owned),
            },
        )?;
    }
    proposals(conn, &editor, today)?;
    Ok(())
}

/// Two proposals of partners: the training centre's open day waits for the editors; the
/// chamber's job-dating was refused, with its reason.
fn proposals(
    conn: &mut DbConnection,
    editor: &crate::auth::CurrentUser,
    today: chrono::NaiveDate,
) -> AppResult<()> {
    use super::proposals::{self as p, Decision, ProposalForm};
    let departments = service::department_codes(&crate::referential::store::territory(conn)?)?;
    let in_days = |days: i64| {
        (today + chrono::Duration::days(days))
            .format("%d/%m/%Y")
            .to_string()
    };
    for (role, form, refusal) in [
        (
            Role::TrainingStaff,
            ProposalForm {
                kind: "open_day".to_owned(),
                title: "Portes ouvertes : les métiers de l’automobile".to_owned(),
                body: "Visite des ateliers de mécanique et de carrosserie, rencontre avec les apprentis et les formateurs. Apportez votre CV : des entreprises partenaires seront présentes.".to_owned(),
                date: in_days(16),
                start: "09:30".to_owned(),
                end: "16:00".to_owned(),
                place: "Campus des métiers, Rennes".to_owned(),
                territory: "35".to_owned(),
                ..ProposalForm::default()
            },
            None,
        ),
        (
            Role::RegistrationOfficer,
            ProposalForm {
                kind: "job_dating".to_owned(),
                title: "Job-dating de l’hôtellerie-restauration".to_owned(),
                body: "Dix minutes pour convaincre : des restaurateurs recrutent leurs apprentis pour la saison.".to_owned(),
                date: in_days(5),
                start: "14:00".to_owned(),
                end: "17:00".to_owned(),
                place: "À préciser".to_owned(),
                territory: "35".to_owned(),
                ..ProposalForm::default()
            },
            Some("Le lieu n’est pas encore connu : proposez le rendez-vous de nouveau quand il sera fixé."),
        ),
    ] {
        let user = users::by_email(conn, &crate::types::demo_email(role))?
            .ok_or_else(AppError::not_found)?;
        let me = users::current_user(conn, &user.id)?.ok_or_else(AppError::not_found)?;
        let organiser = me.organisation_name.clone().unwrap_or_default();
        let input = p::parse(&form, &organiser, &departments).map_err(|errors| {
            AppError::internal(anyhow::anyhow!("demo proposal: {}", errors.join(" ")))
        })?;
        let id = p::create(conn, &me, &input)?;
        if let Some(reason) = refusal {
            p::record_decision(
                conn,
                editor,
                &id,
                &Decision::Refuse {
                    reason: reason.to_owned(),
                },
            )?;
        }
    }
    Ok(())
}
