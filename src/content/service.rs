//! News, events and documentation pages: validation and storage.

use chrono::{NaiveDateTime, NaiveTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::auth::CurrentUser;
use crate::db::schema::{content_events, content_news, content_pages};
use crate::db::{DbConnection, new_id, now};
use crate::error::{AppError, AppResult};
use crate::string_enum;

string_enum! {
    EventKind {
        Fair => "fair", "Salon ou forum";
        OpenDay => "open_day", "Portes ouvertes";
        JobDating => "job_dating", "Job-dating";
        AlternanceWednesday => "alternance_wednesday", "Mercredi de l’alternance";
        Other => "other", "Autre rendez-vous";
    }
}

/// An address-friendly form of a title: `Les aides à l’embauche` → `les-aides-a-l-embauche`.
pub fn slugify(title: &str) -> String {
    let folded = crate::types::fold(title);
    let mut out = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    out.chars()
        .take(80)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned()
}

fn valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 80
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// How a territory is shown: `Ille-et-Vilaine (35)`, or the whole region.
pub fn territory_label(territory: &Option<String>) -> String {
    match territory {
        Some(code) => crate::referential::departments::label(code),
        None => "Toute la région".to_owned(),
    }
}

fn parse_territory(
    value: &str,
    departments: &[String],
    errors: &mut Vec<String>,
) -> Option<String> {
    match value.trim() {
        "" | "region" => None,
        code if departments.iter().any(|d| d == code) => Some(code.to_owned()),
        _ => {
            errors.push("Territoire inconnu : choisissez la région ou un département.".to_owned());
            None
        }
    }
}

fn required(value: &str, label: &str, max: usize, errors: &mut Vec<String>) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.push(format!("{label} est obligatoire."));
    } else if v.chars().count() > max {
        errors.push(format!("{label} fait {max} caractères au plus."));
    }
    v.to_owned()
}

fn optional(value: &str, label: &str, max: usize, errors: &mut Vec<String>) -> String {
    let v = value.trim();
    if v.chars().count() > max {
        errors.push(format!("{label} fait {max} caractères au plus."));
    }
    v.to_owned()
}

/// Department codes of the instance's territory (`PASSERELLE_TERRITORY`), for territory
/// choices.
pub fn department_codes(territory: &str) -> AppResult<Vec<String>> {
    Ok(crate::referential::departments::of_territory(territory)
        .into_iter()
        .map(|d| d.code)
        .collect())
}

// ---- News ----

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = content_news)]
pub struct News {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// Markdown.
    pub body: String,
    /// Department code, or none for the whole region.
    pub territory: Option<String>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub published_at: NaiveDateTime,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub updated_at: NaiveDateTime,
}

impl News {
    pub fn territory_label(&self) -> String {
        territory_label(&self.territory)
    }
    pub fn published_fr(&self) -> String {
        crate::web::date_fr(&crate::web::utc_to_paris(self.published_at).date())
    }
}

pub struct NewsInput {
    pub title: String,
    pub summary: String,
    pub body: String,
    pub territory: Option<String>,
}

pub fn parse_news(
    title: &str,
    summary: &str,
    body: &str,
    territory: &str,
    departments: &[String],
) -> Result<NewsInput, Vec<String>> {
    let mut errors = Vec::new();
    let input = NewsInput {
        title: required(title, "Le titre", 200, &mut errors),
        summary: optional(summary, "Le chapô", 500, &mut errors),
        body: required(body, "Le texte", 50_000, &mut errors),
        territory: parse_territory(territory, departments, &mut errors),
    };
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(errors)
    }
}

pub fn news_list(
    conn: &mut DbConnection,
    territory: Option<&str>,
    limit: i64,
) -> AppResult<Vec<News>> {
    let mut q = content_news::table
        .select(News::as_select())
        .order((content_news::published_at.desc(), content_news::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(t) = territory {
        q = q.filter(
            content_news::territory
                .eq(t.to_owned())
                .or(content_news::territory.is_null()),
        );
    }
    Ok(q.load(conn)?)
}

pub fn news_by_slug(conn: &mut DbConnection, slug: &str) -> AppResult<News> {
    content_news::table
        .filter(content_news::slug.eq(slug))
        .select(News::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

pub fn news_by_id(conn: &mut DbConnection, id: &str) -> AppResult<News> {
    content_news::table
        .find(id)
        .select(News::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

fn free_news_slug(conn: &mut DbConnection, title: &str) -> AppResult<String> {
    let base = match slugify(title) {
        s if s.is_empty() => "actualite".to_owned(),
        s => s,
    };
    let mut slug = base.clone();
    let mut n = 2;
    loop {
        let taken: i64 = content_news::table
            .filter(content_news::slug.eq(&slug))
            .count()
            .get_result(conn)?;
        if taken == 0 {
            return Ok(slug);
        }
        slug = format!("{base}-{n}");
        n += 1;
    }
}

/// Publishes a news item (new) or updates it; returns its slug.
pub fn save_news(
    conn: &mut DbConnection,
    me: &CurrentUser,
    id: Option<&str>,
    input: &NewsInput,
) -> AppResult<String> {
    let at = now();
    match id {
        Some(id) => {
            let existing = news_by_id(conn, id)?;
            diesel::update(content_news::table.find(id))
                .set((
                    content_news::title.eq(&input.title),
                    content_news::summary.eq(&input.summary),
                    content_news::body.eq(&input.body),
                    content_news::territory.eq(&input.territory),
                    content_news::updated_at.eq(at),
                ))
                .execute(conn)?;
            Ok(existing.slug)
        }
        None => {
            let slug = free_news_slug(conn, &input.title)?;
            diesel::insert_into(content_news::table)
                .values((
                    content_news::id.eq(new_id()),
                    content_news::slug.eq(&slug),
                    content_news::title.eq(&input.title),
                    content_news::summary.eq(&input.summary),
                    content_news::body.eq(&input.body),
                    content_news::territory.eq(&input.territory),
                    content_news::published_at.eq(at),
                    content_news::updated_at.eq(at),
                    content_news::author_id.eq(&me.id),
                ))
                .execute(conn)?;
            Ok(slug)
        }
    }
}

pub fn delete_news(conn: &mut DbConnection, id: &str) -> AppResult<()> {
    let n = diesel::delete(content_news::table.find(id)).execute(conn)?;
    if n == 0 {
        return Err(AppError::not_found());
    }
    Ok(())
}

// ---- Events ----

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = content_events)]
#[schema(as = AgendaEvent)]
pub struct Event {
    pub id: String,
    pub kind: String,
    pub title: String,
    /// Markdown.
    pub description: String,
    /// UTC.
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub starts_at: NaiveDateTime,
    /// UTC.
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub ends_at: NaiveDateTime,
    pub place: String,
    pub organiser: String,
    pub territory: Option<String>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub updated_at: NaiveDateTime,
}

impl Event {
    pub fn kind_label(&self) -> &'static str {
        EventKind::parse(&self.kind).map_or("", EventKind::label)
    }
    pub fn territory_label(&self) -> String {
        territory_label(&self.territory)
    }
    pub fn local_start(&self) -> NaiveDateTime {
        crate::web::utc_to_paris(self.starts_at)
    }
    pub fn local_end(&self) -> NaiveDateTime {
        crate::web::utc_to_paris(self.ends_at)
    }
    /// « mercredi 2 décembre 2026, 14:00 – 17:00 »
    pub fn when_fr(&self) -> String {
        let start = self.local_start();
        let end = self.local_end();
        if start.date() == end.date() {
            format!(
                "{}, {} – {}",
                crate::web::long_date_fr(&start.date()),
                start.format("%H:%M"),
                end.format("%H:%M")
            )
        } else {
            format!(
                "du {} à {} au {} à {}",
                crate::web::long_date_fr(&start.date()),
                start.format("%H:%M"),
                crate::web::long_date_fr(&end.date()),
                end.format("%H:%M")
            )
        }
    }
}

pub struct EventInput {
    pub kind: EventKind,
    pub title: String,
    pub description: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub place: String,
    pub organiser: String,
    pub territory: Option<String>,
}

pub struct EventFields<'a> {
    pub kind: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub date: &'a str,
    pub start: &'a str,
    pub end: &'a str,
    pub place: &'a str,
    pub organiser: &'a str,
    pub territory: &'a str,
}

pub fn parse_event(f: &EventFields<'_>, departments: &[String]) -> Result<EventInput, Vec<String>> {
    let mut errors = Vec::new();
    let kind = EventKind::parse(f.kind.trim());
    if kind.is_none() {
        errors.push("Choisissez le type de rendez-vous.".to_owned());
    }
    let title = required(f.title, "Le titre", 200, &mut errors);
    let description = optional(f.description, "La description", 20_000, &mut errors);
    let place = required(f.place, "Le lieu", 300, &mut errors);
    let organiser = required(f.organiser, "L’organisateur", 200, &mut errors);
    let territory = parse_territory(f.territory, departments, &mut errors);
    let date = crate::web::read_date_fr(f.date, "La date est au format JJ/MM/AAAA.", &mut errors);
    let time = |v: &str, label: &str, errors: &mut Vec<String>| {
        let t = NaiveTime::parse_from_str(v.trim(), "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(v.trim(), "%Hh%M"));
        if t.is_err() {
            errors.push(format!("{label} est au format HH:MM, par exemple 14:30."));
        }
        t.ok()
    };
    let start = time(f.start, "L’heure de début", &mut errors);
    let end = time(f.end, "L’heure de fin", &mut errors);
    if let (Some(s), Some(e)) = (start, end)
        && e <= s
    {
        errors.push("L’heure de fin est après l’heure de début.".to_owned());
    }
    match (kind, date, start, end) {
        (Some(kind), Some(date), Some(start), Some(end)) if errors.is_empty() => Ok(EventInput {
            kind,
            title,
            description,
            starts_at: crate::web::paris_to_utc(date.and_time(start)),
            ends_at: crate::web::paris_to_utc(date.and_time(end)),
            place,
            organiser,
            territory,
        }),
        _ => Err(errors),
    }
}

/// Events starting in `[from, to)` (UTC), of a department (with the region-wide ones) or all.
pub fn events_between(
    conn: &mut DbConnection,
    territory: Option<&str>,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> AppResult<Vec<Event>> {
    let mut q = content_events::table
        .filter(content_events::starts_at.ge(from))
        .filter(content_events::starts_at.lt(to))
        .select(Event::as_select())
        .order((content_events::starts_at, content_events::id))
        .into_boxed();
    if let Some(t) = territory {
        q = q.filter(
            content_events::territory
                .eq(t.to_owned())
                .or(content_events::territory.is_null()),
        );
    }
    Ok(q.load(conn)?)
}

/// The items whose text (as `text` writes it) holds every word asked, with the agenda's
/// French analysis; no words: all of them.
pub fn matching<T>(items: Vec<T>, words: &str, text: impl Fn(&T) -> String) -> Vec<T> {
    let mut analyzer = crate::search::analyzer::french_analyzer();
    let asked = crate::search::analyzer::terms(&mut analyzer, words);
    if asked.is_empty() {
        return items;
    }
    items
        .into_iter()
        .filter(|item| {
            let found = crate::search::analyzer::terms(&mut analyzer, &text(item));
            asked.iter().all(|t| found.contains(t))
        })
        .collect()
}

/// Events not over at `from` (UTC), soonest first, of a department (with the region-wide
/// ones) or all, whose title, description, place, organiser or kind hold every word asked
/// (French analysis, as the other searches: « portes ouvertes » finds « Portes ouvertes du
/// CFA »); no words: all of them.
pub fn upcoming_events(
    conn: &mut DbConnection,
    territory: Option<&str>,
    words: &str,
    from: NaiveDateTime,
) -> AppResult<Vec<Event>> {
    let mut q = content_events::table
        .filter(content_events::ends_at.ge(from))
        .select(Event::as_select())
        .order((content_events::starts_at, content_events::id))
        .into_boxed();
    if let Some(t) = territory {
        q = q.filter(
            content_events::territory
                .eq(t.to_owned())
                .or(content_events::territory.is_null()),
        );
    }
    let events: Vec<Event> = q.load(conn)?;
    let mut analyzer = crate::search::analyzer::french_analyzer();
    let asked = crate::search::analyzer::terms(&mut analyzer, words);
    if asked.is_empty() {
        return Ok(events);
    }
    Ok(events
        .into_iter()
        .filter(|e| {
            let text = format!(
                "{} {} {} {} {}",
                e.title,
                e.description,
                e.place,
                e.organiser,
                e.kind_label()
            );
            let found = crate::search::analyzer::terms(&mut analyzer, &text);
            asked.iter().all(|t| found.contains(t))
        })
        .collect())
}

/// The agenda's address for these words and this department (none: the whole region).
pub fn agenda_link(territory: Option<&str>, words: &str) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(t) = territory {
        query.append_pair("territoire", t);
    }
    if !words.trim().is_empty() {
        query.append_pair("q", words.trim());
    }
    let query = query.finish();
    if query.is_empty() {
        "/agenda".to_owned()
    } else {
        format!("/agenda?{query}")
    }
}

pub fn all_events(conn: &mut DbConnection) -> AppResult<Vec<Event>> {
    Ok(content_events::table
        .select(Event::as_select())
        .order(content_events::starts_at.desc())
        .load(conn)?)
}

pub fn event_by_id(conn: &mut DbConnection, id: &str) -> AppResult<Event> {
    content_events::table
        .find(id)
        .select(Event::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

pub fn save_event(
    conn: &mut DbConnection,
    me: &CurrentUser,
    id: Option<&str>,
    input: &EventInput,
) -> AppResult<String> {
    let at = now();
    let values = (
        content_events::kind.eq(input.kind.as_str()),
        content_events::title.eq(&input.title),
        content_events::description.eq(&input.description),
        content_events::starts_at.eq(input.starts_at),
        content_events::ends_at.eq(input.ends_at),
        content_events::place.eq(&input.place),
        content_events::organiser.eq(&input.organiser),
        content_events::territory.eq(&input.territory),
        content_events::updated_at.eq(at),
    );
    match id {
        Some(id) => {
            event_by_id(conn, id)?;
            diesel::update(content_events::table.find(id))
                .set(values)
                .execute(conn)?;
            Ok(id.to_owned())
        }
        None => {
            let id = new_id();
            diesel::insert_into(content_events::table)
                .values((
                    content_events::id.eq(&id),
                    values,
                    content_events::created_at.eq(at),
                    content_events::author_id.eq(&me.id),
                ))
                .execute(conn)?;
            Ok(id)
        }
    }
}

pub fn delete_event(conn: &mut DbConnection, id: &str) -> AppResult<()> {
    let n = diesel::delete(content_events::table.find(id)).execute(conn)?;
    if n == 0 {
        return Err(AppError::not_found());
    }
    Ok(())
}

// ---- Documentation pages and resources reserved to professionals ----

string_enum! {
    /// Who reads a page: everyone (« S’informer ») or the professionals only (« Ressources
    /// pro »).
    Audience {
        Public => "public", "Tout le monde (S’informer)";
        Professionals => "professionals", "Professionnels connectés (Ressources pro)";
    }
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = content_pages)]
pub struct DocPage {
    pub id: String,
    pub slug: String,
    pub title: String,
    /// Markdown.
    pub body: String,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub updated_at: NaiveDateTime,
    #[serde(skip)]
    pub audience: String,
    #[serde(skip)]
    pub summary: String,
    #[serde(skip)]
    pub category: String,
}

impl DocPage {
    pub fn updated_fr(&self) -> String {
        crate::web::date_fr(&crate::web::utc_to_paris(self.updated_at).date())
    }
    pub fn is_professional(&self) -> bool {
        self.audience == Audience::Professionals.as_str()
    }
    /// Its address: `/documentation/<slug>` or `/ressources-pro/<slug>`.
    pub fn path(&self) -> String {
        if self.is_professional() {
            format!("/ressources-pro/{}", self.slug)
        } else {
            format!("/documentation/{}", self.slug)
        }
    }
}

pub struct PageInput {
    pub slug: String,
    pub title: String,
    pub body: String,
    pub audience: Audience,
    pub summary: String,
    pub category: String,
}

pub struct PageFields<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub audience: &'a str,
    pub summary: &'a str,
    pub category: &'a str,
}

pub fn parse_page(f: &PageFields<'_>) -> Result<PageInput, Vec<String>> {
    let mut errors = Vec::new();
    let title = required(f.title, "Le titre", 200, &mut errors);
    let body = required(f.body, "Le texte", 100_000, &mut errors);
    let summary = optional(f.summary, "Le résumé", 500, &mut errors);
    let category = optional(f.category, "La catégorie", 80, &mut errors);
    let audience = match f.audience.trim() {
        "" => Some(Audience::Public),
        a => Audience::parse(a),
    };
    if audience.is_none() {
        errors.push("Choisissez qui lit la page : tout le monde ou les professionnels.".to_owned());
    }
    let slug = match f.slug.trim() {
        "" => slugify(&title),
        s => s.to_owned(),
    };
    if !valid_slug(&slug) {
        errors.push(
            "L’adresse de la page s’écrit en minuscules sans accents, chiffres et tirets (80 caractères au plus)."
                .to_owned(),
        );
    }
    match audience {
        Some(audience) if errors.is_empty() => Ok(PageInput {
            slug,
            title,
            body,
            audience,
            summary,
            category,
        }),
        _ => Err(errors),
    }
}

/// Every page, public and reserved, by title (the editors' list).
pub fn pages_all(conn: &mut DbConnection) -> AppResult<Vec<DocPage>> {
    Ok(content_pages::table
        .select(DocPage::as_select())
        .order(content_pages::title)
        .load(conn)?)
}

/// The pages of one audience, by category then title.
pub fn pages_of(conn: &mut DbConnection, audience: Audience) -> AppResult<Vec<DocPage>> {
    Ok(content_pages::table
        .filter(content_pages::audience.eq(audience.as_str()))
        .select(DocPage::as_select())
        .order((content_pages::category, content_pages::title))
        .load(conn)?)
}

/// A page of this audience by its address (a reserved page is not found among the public
/// ones, and the other way round).
pub fn page_by_slug(conn: &mut DbConnection, audience: Audience, slug: &str) -> AppResult<DocPage> {
    content_pages::table
        .filter(content_pages::slug.eq(slug))
        .filter(content_pages::audience.eq(audience.as_str()))
        .select(DocPage::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

pub fn page_by_id(conn: &mut DbConnection, id: &str) -> AppResult<DocPage> {
    content_pages::table
        .find(id)
        .select(DocPage::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

/// Creates or updates a documentation page or a reserved resource; returns its address.
pub fn save_page(
    conn: &mut DbConnection,
    me: &CurrentUser,
    id: Option<&str>,
    input: &PageInput,
) -> AppResult<String> {
    let taken: i64 = content_pages::table
        .filter(content_pages::slug.eq(&input.slug))
        .filter(content_pages::id.ne(id.unwrap_or_default()))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Err(AppError::invalid_fields(vec![format!(
            "Une autre page utilise déjà l’adresse « {} ».",
            input.slug
        )]));
    }
    let values = (
        content_pages::slug.eq(&input.slug),
        content_pages::title.eq(&input.title),
        content_pages::body.eq(&input.body),
        content_pages::audience.eq(input.audience.as_str()),
        content_pages::summary.eq(&input.summary),
        content_pages::category.eq(&input.category),
        content_pages::updated_at.eq(now()),
        content_pages::author_id.eq(&me.id),
    );
    match id {
        Some(id) => {
            page_by_id(conn, id)?;
            diesel::update(content_pages::table.find(id))
                .set(values)
                .execute(conn)?;
        }
        None => {
            diesel::insert_into(content_pages::table)
                .values((content_pages::id.eq(new_id()), values))
                .execute(conn)?;
        }
    }
    Ok(match input.audience {
        Audience::Public => format!("/documentation/{}", input.slug),
        Audience::Professionals => format!("/ressources-pro/{}", input.slug),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn slugs() {
        assert_eq!(
            slugify("Les aides à l’embauche !"),
            "les-aides-a-l-embauche"
        );
        assert_eq!(slugify("Page pour les parents"), "page-pour-les-parents");
    }

    #[test]
    fn paris_time() {
        let winter = NaiveDate::from_ymd_opt(2026, 12, 2)
            .unwrap()
            .and_hms_opt(14, 0, 0)
            .unwrap();
        assert_eq!(
            crate::web::paris_to_utc(winter).format("%H").to_string(),
            "13"
        );
        let summer = NaiveDate::from_ymd_opt(2026, 6, 3)
            .unwrap()
            .and_hms_opt(14, 0, 0)
            .unwrap();
        assert_eq!(
            crate::web::paris_to_utc(summer).format("%H").to_string(),
            "12"
        );
        assert_eq!(
            crate::web::utc_to_paris(crate::web::paris_to_utc(summer)),
            summer
        );
    }
}
