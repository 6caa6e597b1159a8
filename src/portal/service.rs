//! The portal's rules: which place and occupation the words name, what each kind's own
//! search answers for them, and the figures of the home page. Nothing is searched here: each
//! kind is asked through its capability's search service, with the fields of its own page.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::content::service::Event;
use crate::db::DbConnection;
use crate::discovery::service::Hit as DiscoveryHit;
use crate::error::AppResult;
use crate::offers::search::{Found as OfferFound, PageSearch};
use crate::referential::store::{Commune, Rome, resolve_commune, search_rome};
use crate::string_enum;
use crate::trainings::routes::SearchParams as TrainingParams;
use crate::trainings::search::SessionHit;

string_enum! {
    /// The kinds one search finds, in the order of the tabs (`type` in the address bar).
    Kind {
        Offers => "offres", "Offres d’alternance";
        Trainings => "formations", "Formations financées";
        Discovery => "decouverte", "Découverte des métiers";
        Agenda => "agenda", "Agenda";
    }
}

/// How many results of the active kind the search page lists before "Voir les N résultats".
pub const FIRST: usize = 5;

/// What a visitor asked: words (or an occupation of the autocompletion), a place, a kind.
#[derive(Clone, Debug, Default)]
pub struct Asked {
    pub q: String,
    pub lieu: String,
    pub kind: Option<Kind>,
}

/// Where the words are searched.
pub enum Place {
    /// No place given: the whole region.
    Anywhere,
    /// One commune, shown as "Rennes (35000)".
    At(Commune),
    /// No commune has this name or postal code.
    Unknown,
    /// Several communes answer to it: the visitor chooses.
    Several(Vec<Commune>),
}

/// The place a visitor typed: a commune name, "Name (postal code)" or a postal code.
pub fn resolve_place(conn: &mut DbConnection, lieu: &str) -> AppResult<Place> {
    if lieu.trim().is_empty() {
        return Ok(Place::Anywhere);
    }
    Ok(match resolve_commune(conn, lieu)? {
        Ok(c) => Place::At(c),
        Err(choices) if choices.is_empty() => Place::Unknown,
        Err(choices) => Place::Several(choices),
    })
}

/// The occupation the words name, when they are a ROME code (or the `CODE – label` the
/// autocompletion offers): the kinds then search that occupation rather than words.
pub fn occupation(conn: &mut DbConnection, q: &str) -> AppResult<Option<Rome>> {
    let first = q
        .trim()
        .split([' ', '–'])
        .next()
        .unwrap_or_default()
        .to_uppercase();
    let well_formed = first.len() == 5
        && first[..1].chars().all(|c| c.is_ascii_uppercase())
        && first[1..].chars().all(|c| c.is_ascii_digit());
    if !well_formed {
        return Ok(None);
    }
    Ok(search_rome(conn, &first, 1)?
        .into_iter()
        .find(|r| r.code == first))
}

/// The first results of one kind.
pub enum Items {
    Offers(Vec<OfferFound>),
    Trainings(Vec<SessionHit>),
    Discovery(Vec<DiscoveryHit>),
    Agenda(Vec<Event>),
}

/// What one kind answered: its count, its first results, and its own search page with the
/// same words and place.
pub struct Answer {
    pub kind: Kind,
    pub total: usize,
    pub items: Items,
    /// The kind's own search page (`/offres?q=…&commune=…`).
    pub more: String,
    /// What the kind's search found wrong (French).
    pub errors: Vec<String>,
}

/// What every kind answered, in the order of [`Kind::ALL`].
pub struct Found {
    pub occupation: Option<Rome>,
    pub answers: Vec<Answer>,
}

/// Asks each kind's own search for the same words and place.
pub async fn search_all(
    state: &AppState,
    user: Option<&CurrentUser>,
    q: &str,
    place: Option<&Commune>,
    occupation: Option<Rome>,
) -> AppResult<Found> {
    let (words, metier) = match &occupation {
        Some(r) => (String::new(), r.code.clone()),
        None => (q.trim().to_owned(), String::new()),
    };
    let commune = place.map(Commune::label).unwrap_or_default();
    let some = |v: &str| Some(v.to_owned()).filter(|v| !v.is_empty());

    let offers = PageSearch {
        q: some(&words),
        metier: some(&metier),
        commune: some(&commune),
        ..PageSearch::default()
    };
    let offers_answer =
        match crate::offers::routes::run_search(state, offers.asked(1, FIRST)).await? {
            Ok((result, found, _)) => Answer {
                kind: Kind::Offers,
                total: usize::try_from(result.total).unwrap_or(usize::MAX),
                items: Items::Offers(found),
                more: link("/offres", &offers.query_string()),
                errors: Vec::new(),
            },
            Err(errors) => Answer {
                kind: Kind::Offers,
                total: 0,
                items: Items::Offers(Vec::new()),
                more: link("/offres", &offers.query_string()),
                errors,
            },
        };

    let trainings = TrainingParams {
        q: words.clone(),
        metier: metier.clone(),
        commune: commune.clone(),
        financees: "oui".to_owned(),
        ..TrainingParams::default()
    };
    let discovery = crate::discovery::service::Asked {
        q: words.clone(),
        metier: metier.clone(),
        commune: commune.clone(),
        ..crate::discovery::service::Asked::default()
    };
    // Events have no occupation: its label stands for the words.
    let event_words = occupation.as_ref().map_or(words, |r| r.label.clone());
    let department = place.map(|c| c.department.clone());
    let who = user.cloned();
    let mut answers = state
        .db
        .run(move |conn| {
            let mut answers = Vec::new();
            let more = link("/formations", &trainings.query_string());
            answers.push(
                match crate::trainings::search::search(conn, &trainings.asked())? {
                    Ok(found) => Answer {
                        kind: Kind::Trainings,
                        total: found.total,
                        items: Items::Trainings(found.hits.into_iter().take(FIRST).collect()),
                        more,
                        errors: Vec::new(),
                    },
                    Err(errors) => Answer {
                        kind: Kind::Trainings,
                        total: 0,
                        items: Items::Trainings(Vec::new()),
                        more,
                        errors,
                    },
                },
            );
            let more = link("/decouverte-metiers", &discovery.query_string());
            answers.push(
                match crate::discovery::service::search(conn, who.as_ref(), &discovery)? {
                    Ok(found) => Answer {
                        kind: Kind::Discovery,
                        total: found.hits.len(),
                        items: Items::Discovery(found.hits.into_iter().take(FIRST).collect()),
                        more,
                        errors: Vec::new(),
                    },
                    Err(errors) => Answer {
                        kind: Kind::Discovery,
                        total: 0,
                        items: Items::Discovery(Vec::new()),
                        more,
                        errors,
                    },
                },
            );
            let events = crate::content::service::upcoming_events(
                conn,
                department.as_deref(),
                &event_words,
                crate::db::now(),
            )?;
            answers.push(Answer {
                kind: Kind::Agenda,
                total: events.len(),
                items: Items::Agenda(events.into_iter().take(FIRST).collect()),
                more: crate::content::service::agenda_link(department.as_deref(), &event_words),
                errors: Vec::new(),
            });
            Ok(answers)
        })
        .await?;
    answers.insert(0, offers_answer);
    Ok(Found {
        occupation,
        answers,
    })
}

fn link(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// The key figures of the home page, each the count its kind's page shows when nothing is
/// asked (funded sessions: the training search with "financées" ticked; offers: the search
/// index's, which the offers page counts too).
pub struct Figures {
    pub offers: usize,
    pub sessions: usize,
    pub discovery: usize,
    pub events: usize,
}

pub fn figures(conn: &mut DbConnection, offers: u64) -> AppResult<Figures> {
    {
        let funded = TrainingParams {
            financees: "oui".to_owned(),
            ..TrainingParams::default()
        };
        let sessions = crate::trainings::search::count(conn, &funded.asked())?.unwrap_or(0);
        let discovery = match crate::discovery::service::search(
            conn,
            None,
            &crate::discovery::service::Asked::default(),
        )? {
            Ok(found) => found.hits.len(),
            Err(_) => 0,
        };
        let events =
            crate::content::service::upcoming_events(conn, None, "", crate::db::now())?.len();
        Ok(Figures {
            offers: usize::try_from(offers).unwrap_or(usize::MAX),
            sessions,
            discovery,
            events,
        })
    }
}
