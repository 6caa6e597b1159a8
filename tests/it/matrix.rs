//! The route × role × organisation matrix: every route of the router (pages and API), asked by
//! every role and by a visitor, on an object of the asker's own organisation and on one of
//! another organisation, against the outcome the table below expects (allowed; refused with
//! 403/404, always 404 for an object of another organisation; sent to the login page or 401).
//!
//! The test walks the router's own list of routes (`passerelle::api::route_list`, methods of
//! pages learnt from the router's 405 + `Allow`): a route without a row, or a row without a
//! route, fails with the list of both. Rows are `(method, path pattern)`; rows whose path
//! names an object give its fixture kind, resolved in the demo data (`Template::Demo`) to an
//! object of the asker's organisation (or of the asker) and to one of another organisation.
//!
//! "Allowed" is any answer other than 401, 403, 404 or a redirection to the login page: a form
//! posted empty that answers 400/422/303 passed the access check when the handler asks the
//! policy first. Handlers that read the body before they ask the policy get a valid one from
//! their row (`with_body`: URL-encoded for pages, JSON for the API, `$name` for an id of the
//! demo data), so that the row proves who may act. Five rows are still `BodyFirst` (they prove
//! only that visitors are refused and nothing is done with an empty body), each with its
//! reason: four take a file (`/api/v1/imports`, `/imports/envoyer`, `/profil/cv`,
//! `/decouverte-metiers/saisies/import`, whose API twin is checked by role), and one
//! answers a valid body with the same refusal to every account (evaluating a programme
//! session: 409 to all who did not attend it). Pages use
//! the session cookie with its CSRF token (header), the API a bearer token, so CSRF is never
//! why a cell is refused.
//!
//! To add a row: `MATRIX_DUMP=1 cargo test --test it matrix -- --nocapture` prints every route
//! of the router and what each cell of each row observed.
//!
//! It runs on SQLite only: access rules do not depend on the backend. Each role logs in once
//! on the demo database; every row that changes state runs on its own copy of that database
//! (a file copy), so cells of one row never see another row's changes.
//!
//! Holes the matrix found and that are not fixed yet are listed in `KNOWN_HOLES` (and marked
//! `// HOLE:` in the table, which states the correct outcome): the test checks they are still
//! holes, so that the list shrinks when they are fixed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use passerelle::types::Role;
use passerelle::types::Role::*;
use passerelle::{AppState, Config};
use tower::ServiceExt;

use crate::helpers::{Backend, TestApp};

/// Who may do it.
#[derive(Clone, Copy, Debug)]
enum Allow {
    /// Everyone, visitors included.
    Anyone,
    /// Any signed-in account.
    SignedIn,
    /// These roles only (visitors are sent to log in).
    Only(&'static [Role]),
    /// Nobody: the path answers 404 to everyone (a link whose secret the test cannot know,
    /// the logo when none is configured).
    Unknown,
    /// The handler reads and validates the body before it asks the policy: posted empty, the
    /// row answers 400/422 to every account, so it proves that visitors are sent to log in and
    /// that no account gets anything done with an empty body, not which roles may act.
    BodyFirst,
    /// The handler turns every refusal into a French message and a 303 back to the page: the
    /// status cannot show who may act, so the row proves only that visitors are sent to log in.
    Flash,
}

/// Objects named in paths, resolved in the demo data (see [`Kind::sql`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Offer,
    Application,
    Candidate,
    Organisation,
    PendingCompany,
    User,
    ApiToken,
    SavedSearch,
    ContactRequest,
    ImportProfile,
    ImportRun,
    GatewayEntry,
    Session,
    Prescription,
    Person,
    Course,
    ProgrammeSession,
    ProgrammeDay,
    Registration,
    News,
    Event,
    DocPage,
    Site,
    SiteEvent,
    Exhibition,
    Booking,
    DiscoveryAction,
    DiscoveryRequest,
    DiscoveryNeed,
    DiscoveryProposal,
    HelplineRequest,
    Partner,
    PartnerContact,
    Delegation,
    Renewal,
    NewsSlug,
    PageSlug,
    ProSlug,
    Proposal,
    Webhook,
    Campaign,
}

impl Kind {
    /// Rows `id, b, org1, org2, org3, usr`: the path's first parameter, its second (or NULL),
    /// the organisations the object belongs to and the account it belongs to.
    fn sql(self) -> &'static str {
        match self {
            Kind::Offer => {
                "SELECT id, NULL AS b, company_id AS org1, managed_by_id AS org2, NULL AS org3, \
                 NULL AS usr FROM offers ORDER BY status = 'published' DESC, id"
            }
            Kind::Application => {
                "SELECT a.id, NULL AS b, a.managed_by_id AS org1, o.company_id AS org2, \
                 NULL AS org3, a.candidate_id AS usr FROM applications a \
                 JOIN offers o ON o.id = a.offer_id ORDER BY a.id"
            }
            Kind::Candidate => {
                "SELECT user_id AS id, NULL AS b, NULL AS org1, NULL AS org2, NULL AS org3, \
                 user_id AS usr FROM candidate_profiles ORDER BY user_id"
            }
            Kind::Organisation => {
                "SELECT id, NULL AS b, id AS org1, NULL AS org2, NULL AS org3, NULL AS usr \
                 FROM organisations ORDER BY kind = 'company' DESC, id"
            }
            Kind::PendingCompany => {
                "SELECT id, NULL AS b, id AS org1, NULL AS org2, NULL AS org3, NULL AS usr \
                 FROM organisations ORDER BY status = 'pending' DESC, id"
            }
            Kind::User => {
                "SELECT id, NULL AS b, organisation_id AS org1, NULL AS org2, NULL AS org3, \
                 id AS usr FROM users ORDER BY id"
            }
            Kind::ApiToken => {
                "SELECT id, NULL AS b, NULL AS org1, NULL AS org2, NULL AS org3, \
                 user_id AS usr FROM api_tokens ORDER BY id"
            }
            Kind::SavedSearch => {
                "SELECT id, NULL AS b, NULL AS org1, NULL AS org2, NULL AS org3, \
                 user_id AS usr FROM saved_searches ORDER BY id"
            }
            Kind::ContactRequest => {
                "SELECT id, NULL AS b, organisation_id AS org1, NULL AS org2, NULL AS org3, \
                 candidate_id AS usr FROM contact_requests ORDER BY id"
            }
            Kind::Webhook => {
                "SELECT id, NULL AS b, organisation_id AS org1, NULL AS org2, NULL AS org3, \
                 NULL AS usr FROM webhook_subscriptions ORDER BY id"
            }
            Kind::ImportProfile => {
                "SELECT id, NULL AS b, organisation_id AS org1, NULL AS org2, NULL AS org3, \
                 NULL AS usr FROM import_profiles ORDER BY id"
            }
            Kind::ImportRun => {
                "SELECT id, NULL AS b, organisation_id AS org1, NULL AS org2, NULL AS org3, \
                 user_id AS usr FROM import_runs ORDER BY id"
            }
            Kind::GatewayEntry => {
                "SELECT g.id, NULL AS b, o.company_id AS org1, o.managed_by_id AS org2, \
                 NULL AS org3, NULL AS usr FROM gateway_entries g \
                 JOIN offers o ON o.id = g.offer_id ORDER BY g.id"
            }
            Kind::Session => {
                "SELECT s.id, NULL AS b, t.publisher_id AS org1, t.centre_id AS org2, \
                 NULL AS org3, NULL AS usr FROM training_sessions s \
                 JOIN trainings t ON t.id = s.training_id ORDER BY s.id"
            }
            Kind::Prescription => {
                "SELECT id, NULL AS b, agency_id AS org1, centre_id AS org2, funder_id AS org3, \
                 prescriber_id AS usr FROM prescriptions ORDER BY id"
            }
            Kind::Person => {
                "SELECT id, NULL AS b, agency_id AS org1, NULL AS org2, NULL AS org3, \
                 NULL AS usr FROM prescribed_people ORDER BY id"
            }
            Kind::Course => {
                "SELECT id, NULL AS b, NULL AS org1, NULL AS org2, NULL AS org3, NULL AS usr \
                 FROM programme_courses ORDER BY id"
            }
            Kind::ProgrammeSession => {
                "SELECT id, NULL AS b, NULL AS org1, NULL AS org2, NULL AS org3, NULL AS usr \
                 FROM programme_sessions ORDER BY id"
            }
            Kind::ProgrammeDay => {
                "SELECT session_id AS id, CAST(day AS TEXT) AS b, NULL AS org1, NULL AS org2, \
                 NULL AS org3, NULL AS usr FROM programme_session_days ORDER BY session_id, day"
            }
            Kind::Registration => {
                "SELECT id, NULL AS b, organisation_id AS org1, NULL AS org2, NULL AS org3, \
                 user_id AS usr FROM programme_registrations ORDER BY id"
            }
            Kind::News => {
                "SELECT id, NULL AS b, NULL AS org1, NULL AS org2, NULL AS org3, NULL AS usr \
                 FROM content_news ORDER BY id"
            }
            Kind::Event => {
                "SELECT id, NULL AS b, NULL AS org1, NULL AS org2, NULL AS org3, NULL AS usr \
                 FROM content_events ORDER BY id"
            }
            Kind::DocPage => {
                "SELECT id, NULL AS b, NULL AS org1, NULL AS org2, NULL AS org3, NULL AS usr \
                 FROM content_pages ORDER BY id"
            }
            Kind::Site => {
                "SELECT id, NULL AS b, host_id AS org1, NULL AS org2, NULL AS org3, \
                 NULL AS usr FROM sites ORDER BY id"
            }
            Kind::SiteEvent => {
                "SELECT e.id, NULL AS b, s.host_id AS org1, NULL AS org2, NULL AS org3, \
                 NULL AS usr FROM site_events e JOIN sites s ON s.id = e.site_id ORDER BY e.id"
            }
            Kind::Exhibition => {
                "SELECT id, NULL AS b, NULL AS org1, NULL AS org2, NULL AS org3, NULL AS usr \
                 FROM exhibitions ORDER BY id"
            }
            Kind::Booking => {
                "SELECT b.exhibition_id AS id, b.id AS b, s.host_id AS org1, NULL AS org2, \
                 NULL AS org3, b.booked_by AS usr FROM exhibition_bookings b \
                 JOIN sites s ON s.id = b.site_id ORDER BY b.id"
            }
            Kind::DiscoveryAction => {
                "SELECT id, NULL AS b, organisation_id AS org1, NULL AS org2, NULL AS org3, \
                 NULL AS usr FROM discovery_actions ORDER BY id"
            }
            Kind::DiscoveryRequest => {
                "SELECT id, NULL AS b, company_id AS org1, school_id AS org2, NULL AS org3, \
                 teacher_id AS usr FROM discovery_requests ORDER BY id"
            }
            Kind::DiscoveryNeed => {
                "SELECT id, NULL AS b, school_id AS org1, NULL AS org2, NULL AS org3, \
                 teacher_id AS usr FROM discovery_needs ORDER BY id"
            }
            Kind::DiscoveryProposal => {
                "SELECT p.id, NULL AS b, n.school_id AS org1, p.organisation_id AS org2, \
                 NULL AS org3, NULL AS usr FROM discovery_proposals p \
                 JOIN discovery_needs n ON n.id = p.need_id ORDER BY p.id"
            }
            Kind::HelplineRequest => {
                "SELECT id, NULL AS b, partner_id AS org1, NULL AS org2, NULL AS org3, \
                 officer_id AS usr FROM helpline_requests ORDER BY id"
            }
            Kind::Partner => {
                "SELECT organisation_id AS id, NULL AS b, organisation_id AS org1, NULL AS org2, \
                 NULL AS org3, NULL AS usr FROM partner_profiles ORDER BY organisation_id"
            }
            Kind::Delegation => {
                "SELECT company_id AS id, training_centre_id AS b, company_id AS org1, \
                 NULL AS org2, NULL AS org3, NULL AS usr FROM delegations ORDER BY company_id"
            }
            Kind::PartnerContact => {
                "SELECT organisation_id AS id, id AS b, organisation_id AS org1, NULL AS org2, \
                 NULL AS org3, NULL AS usr FROM partner_contacts ORDER BY id"
            }
            Kind::NewsSlug => {
                "SELECT slug AS id, NULL AS b, NULL AS org1, NULL AS org2, NULL AS org3, \
                 NULL AS usr FROM content_news ORDER BY id"
            }
            Kind::PageSlug => {
                "SELECT slug AS id, NULL AS b, NULL AS org1, NULL AS org2, NULL AS org3, \
                 NULL AS usr FROM content_pages WHERE audience = 'public' ORDER BY id"
            }
            Kind::ProSlug => {
                "SELECT slug AS id, NULL AS b, NULL AS org1, NULL AS org2, NULL AS org3, \
                 NULL AS usr FROM content_pages WHERE audience = 'professionals' ORDER BY id"
            }
            Kind::Proposal => {
                "SELECT id, NULL AS b, organisation_id AS org1, NULL AS org2, NULL AS org3, \
                 NULL AS usr FROM content_proposals ORDER BY status = 'proposed' DESC, id"
            }
            Kind::Campaign => {
                "SELECT id, NULL AS b, NULL AS org1, NULL AS org2, NULL AS org3, NULL AS usr \
                 FROM campaigns ORDER BY status = 'draft' DESC, id"
            }
            Kind::Renewal => {
                "SELECT id, NULL AS b, organisation_id AS org1, NULL AS org2, NULL AS org3, \
                 NULL AS usr FROM partner_renewals ORDER BY id"
            }
        }
    }
}

/// One row: a route, and who may use it on an object of their own organisation (`own`; the
/// only column of rows without an object) and on one of another organisation (`other`).
#[derive(Clone, Copy, Debug)]
struct Row {
    method: &'static str,
    path: &'static str,
    kind: Option<Kind>,
    own: Allow,
    other: Allow,
    /// Values of the path's parameters that the kind does not give, in order.
    fill: &'static [&'static str],
    /// A valid body sent instead of an empty one (URL-encoded for pages, JSON for the API),
    /// so that the row proves which roles may act even when the handler reads the body first;
    /// `$name` stands for an id of the demo data (see [`BODY_VALUES`]).
    body: &'static str,
}

impl Row {
    const fn with_body(mut self, body: &'static str) -> Row {
        self.body = body;
        self
    }
}

/// A route without an object: the row the other constructors start from.
const fn r(method: &'static str, path: &'static str, allow: Allow) -> Row {
    Row {
        method,
        path,
        kind: None,
        own: allow,
        other: allow,
        fill: &[],
        body: "",
    }
}

/// A route without an object whose parameters take these values.
const fn lit(
    method: &'static str,
    path: &'static str,
    allow: Allow,
    fill: &'static [&'static str],
) -> Row {
    Row {
        fill,
        ..r(method, path, allow)
    }
}

/// A route naming an object of this kind.
const fn o(method: &'static str, path: &'static str, kind: Kind, own: Allow, other: Allow) -> Row {
    Row {
        kind: Some(kind),
        other,
        ..r(method, path, own)
    }
}

/// A route naming an object of this kind, its other parameters taking these values.
const fn of(
    method: &'static str,
    path: &'static str,
    kind: Kind,
    own: Allow,
    other: Allow,
    fill: &'static [&'static str],
) -> Row {
    Row {
        fill,
        ..o(method, path, kind, own, other)
    }
}

use Allow::{Anyone, BodyFirst, Flash, SignedIn, Unknown};
use Kind as K;

const fn only(roles: &'static [Role]) -> Allow {
    Allow::Only(roles)
}

/// The professionals of orientation, training and employment: every partner's staff but
/// companies', and the regional team (not candidates).
const PROFESSIONALS: &[Role] = &[
    TrainingStaff,
    RegistrationOfficer,
    Prescriber,
    GatewayAgent,
    Funder,
    PartnerResponder,
    SiteCoordinator,
    Teacher,
    InfoOfficer,
    Editor,
    RegionalAdmin,
];

// MATRIX-TABLE-START
#[rustfmt::skip]
const TABLE: &[Row] = &[
    o("DELETE", "/api/v1/basket/candidates/{id}", K::Candidate, only(&[Recruiter, TrainingStaff, RegionalAdmin]), only(&[Recruiter, TrainingStaff, RegionalAdmin])),
    o("DELETE", "/api/v1/basket/offers/{id}", K::Offer, only(&[Candidate, RegionalAdmin]), only(&[Candidate, RegionalAdmin])),
    o("DELETE", "/api/v1/programme/registrations/{id}", K::Registration, only(&[TrainingStaff, PartnerResponder, SiteCoordinator, Teacher, Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    o("DELETE", "/api/v1/saved-searches/{id}", K::SavedSearch, only(&[Candidate]), only(&[])),
    r("GET", "/", Anyone),
    r("GET", "/accessibilite", Anyone),
    r("GET", "/actualites", Anyone),
    r("GET", "/actualites.atom", Anyone),
    o("GET", "/actualites/{slug}", K::NewsSlug, Anyone, Anyone),
    r("GET", "/admin/charte", only(&[RegionalAdmin])),
    r("GET", "/admin/comptes", only(&[RegionalAdmin])),
    r("GET", "/admin/conservation", only(&[RegionalAdmin])),
    r("GET", "/admin/courriels", only(&[RegionalAdmin])),
    r("GET", "/admin/journal", only(&[RegionalAdmin])),
    r("GET", "/admin/organisations", only(&[RegionalAdmin])),
    r("GET", "/admin/partenaires", only(&[RegionalAdmin])),
    o("GET", "/admin/partenaires/{id}", K::Partner, only(&[RegionalAdmin]), only(&[RegionalAdmin])),
    r("GET", "/agenda", Anyone),
    r("GET", "/aide", Anyone),
    lit("GET", "/aide/{slug}", Anyone, &["deposer-un-cv"]),
    r("GET", "/agenda.ics", Anyone),
    lit("GET", "/agenda/{file}", Anyone, &["35.ics"]),
    r("GET", "/api", Anyone),
    r("GET", "/api/openapi.json", Anyone),
    r("GET", "/api/v1/applications", SignedIn),
    o("GET", "/api/v1/applications/{id}", K::Application, only(&[Candidate, Recruiter]), only(&[])),
    r("GET", "/api/v1/basket", only(&[Candidate, Recruiter, TrainingStaff, RegionalAdmin])),
    r("GET", "/api/v1/candidates/search", only(&[Recruiter, TrainingStaff, RegionalAdmin])),
    o("GET", "/api/v1/candidates/{id}", K::Candidate, only(&[Candidate, Recruiter, TrainingStaff, RegistrationOfficer, RegionalAdmin]), only(&[Recruiter, TrainingStaff, RegistrationOfficer, RegionalAdmin])),
    r("GET", "/api/v1/content/events", Anyone),
    r("GET", "/api/v1/content/news", Anyone),
    r("GET", "/api/v1/content/pages", Anyone),
    r("GET", "/api/v1/discovery/actions", Anyone),
    r("GET", "/api/v1/discovery/my-actions", only(&[Candidate, Recruiter, PartnerResponder, RegionalAdmin])),
    r("GET", "/api/v1/discovery/requests", only(&[Recruiter, PartnerResponder, SiteCoordinator, Teacher, RegionalAdmin])),
    r("GET", "/api/v1/discovery/needs", only(&[Recruiter, PartnerResponder, RegistrationOfficer, SiteCoordinator, Teacher, RegionalAdmin])),
    o("GET", "/api/v1/discovery/needs/{id}", K::DiscoveryNeed, only(&[Teacher]), only(&[Recruiter, RegistrationOfficer, RegionalAdmin])),
    r("GET", "/api/v1/discovery/figures", only(&[RegistrationOfficer, RegionalAdmin])),
    o("GET", "/api/v1/discovery/requests/{id}", K::DiscoveryRequest, only(&[Recruiter, Teacher, RegionalAdmin]), only(&[RegionalAdmin])),
    r("GET", "/api/v1/exhibitions", Anyone),
    o("GET", "/api/v1/exhibitions/{id}/bookings", K::Exhibition, Anyone, Anyone),
    r("GET", "/api/v1/gateway/entries", only(&[GatewayAgent, RegionalAdmin])),
    r("GET", "/api/v1/helpline/figures", only(&[PartnerResponder, InfoOfficer, RegionalAdmin])),
    r("GET", "/api/v1/helpline/requests", only(&[PartnerResponder, InfoOfficer, RegionalAdmin])),
    o("GET", "/api/v1/helpline/requests/{id}", K::HelplineRequest, only(&[PartnerResponder, InfoOfficer, RegionalAdmin]), only(&[InfoOfficer, RegionalAdmin])),
    r("GET", "/api/v1/imports", only(&[Recruiter, TrainingStaff, RegistrationOfficer, Funder, RegionalAdmin])),
    o("GET", "/api/v1/imports/{id}", K::ImportRun, only(&[TrainingStaff, RegionalAdmin]), only(&[RegionalAdmin])),
    r("GET", "/api/v1/me", SignedIn),
    r("GET", "/api/v1/me/contact-requests", only(&[Candidate])),
    r("GET", "/api/v1/me/export", only(&[Candidate])),
    r("GET", "/api/v1/me/profile", only(&[Candidate])),
    r("GET", "/api/v1/moderation/candidates", only(&[RegistrationOfficer, RegionalAdmin])),
    r("GET", "/api/v1/moderation/offers", only(&[RegistrationOfficer, RegionalAdmin])),
    r("GET", "/api/v1/my/offers", SignedIn),
    r("GET", "/api/v1/offers/export", Anyone),
    r("GET", "/api/v1/offers/search", Anyone),
    o("GET", "/api/v1/offers/{id}", K::Offer, Anyone, Anyone),
    o("GET", "/api/v1/organisations/{id}", K::Organisation, only(&[Recruiter, TrainingStaff, RegistrationOfficer, Prescriber, GatewayAgent, Funder, PartnerResponder, SiteCoordinator, Teacher, InfoOfficer, Editor, RegionalAdmin]), only(&[RegistrationOfficer, RegionalAdmin])),
    r("GET", "/api/v1/partners", Anyone),
    r("GET", "/api/v1/partners/charter", Anyone),
    r("GET", "/api/v1/partners/governance", only(&[RegionalAdmin])),
    o("GET", "/api/v1/partners/{id}", K::Partner, Anyone, Anyone),
    o("GET", "/api/v1/partners/{id}/governance", K::Partner, only(&[TrainingStaff, RegistrationOfficer, Prescriber, PartnerResponder, RegionalAdmin]), only(&[RegionalAdmin])),
    r("GET", "/api/v1/prescriptions", only(&[TrainingStaff, Prescriber, Funder, RegionalAdmin])),
    r("GET", "/api/v1/prescriptions/stats", only(&[TrainingStaff, Prescriber, Funder, RegionalAdmin])),
    o("GET", "/api/v1/prescriptions/{id}", K::Prescription, only(&[TrainingStaff, Prescriber, Funder, RegionalAdmin]), only(&[RegionalAdmin])),
    r("GET", "/api/v1/programme/sessions", Anyone),
    o("GET", "/api/v1/programme/sessions/{id}/registrations", K::ProgrammeSession, only(&[Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    r("GET", "/api/v1/referential/communes", Anyone),
    r("GET", "/api/v1/referential/departments", Anyone),
    r("GET", "/api/v1/referential/naf", Anyone),
    r("GET", "/api/v1/referential/naf/codes", Anyone),
    r("GET", "/api/v1/referential/rome", Anyone),
    r("GET", "/api/v1/reports/annex", only(&[TrainingStaff, Prescriber, RegionalAdmin])),
    r("GET", "/api/v1/reports/dashboard", SignedIn),
    r("GET", "/api/v1/sites", Anyone),
    r("GET", "/api/v1/sites/figures", only(&[SiteCoordinator, RegionalAdmin])),
    r("GET", "/api/v1/trainings/lheo", Anyone),
    r("GET", "/api/v1/trainings/sessions", Anyone),
    o("GET", "/api/v1/trainings/sessions/{id}", K::Session, Anyone, Anyone),
    r("GET", "/candidats", only(&[Recruiter, TrainingStaff, RegionalAdmin])),
    o("GET", "/candidats/{id}", K::Candidate, only(&[Candidate, Recruiter, TrainingStaff, RegistrationOfficer, RegionalAdmin]), only(&[Recruiter, TrainingStaff, RegistrationOfficer, RegionalAdmin])),
    // The demo candidate has no CV: every account gets 404.
    o("GET", "/candidats/{id}/cv", K::Candidate, only(&[]), only(&[])),
    r("GET", "/candidatures-recues", only(&[Recruiter, TrainingStaff])),
    o("GET", "/candidatures/{id}", K::Application, only(&[Candidate, Recruiter]), only(&[])),
    r("GET", "/cap-info", only(&[PartnerResponder, InfoOfficer, RegionalAdmin])),
    r("GET", "/cap-info/appel", only(&[InfoOfficer, RegionalAdmin])),
    r("GET", "/cap-info/chiffres", only(&[PartnerResponder, InfoOfficer, RegionalAdmin])),
    o("GET", "/cap-info/demandes/{id}", K::HelplineRequest, only(&[PartnerResponder, InfoOfficer, RegionalAdmin]), only(&[InfoOfficer, RegionalAdmin])),
    r("GET", "/cap-info/export.csv", only(&[PartnerResponder, InfoOfficer, RegionalAdmin])),
    r("GET", "/cap-info/partenaire", only(&[PartnerResponder, InfoOfficer, RegionalAdmin])),
    r("GET", "/cap-info/reglages", only(&[InfoOfficer, RegionalAdmin])),
    lit("GET", "/cap-info/reponse/{token}", Unknown, &["inconnu"]),
    r("GET", "/suivi", Unknown),
    r("GET", "/compte", SignedIn),
    r("GET", "/confidentialite", Anyone),
    r("GET", "/connexion", Anyone),
    r("GET", "/decouverte-metiers", Anyone),
    o("GET", "/decouverte-metiers/actions/{id}", K::DiscoveryAction, Anyone, Anyone),
    r("GET", "/decouverte-metiers/demandes", only(&[Recruiter, PartnerResponder, SiteCoordinator, Teacher, RegionalAdmin])),
    r("GET", "/decouverte-metiers/besoins", only(&[Recruiter, PartnerResponder, RegistrationOfficer, SiteCoordinator, Teacher, RegionalAdmin])),
    r("GET", "/decouverte-metiers/besoins/nouveau", only(&[SiteCoordinator, Teacher])),
    o("GET", "/decouverte-metiers/besoins/{id}", K::DiscoveryNeed, only(&[Teacher]), only(&[Recruiter, RegistrationOfficer, RegionalAdmin])),
    r("GET", "/decouverte-metiers/saisie", only(&[RegistrationOfficer, PartnerResponder])),
    r("GET", "/decouverte-metiers/saisies", only(&[RegistrationOfficer, PartnerResponder])),
    r("GET", "/decouverte-metiers/chiffres", only(&[RegistrationOfficer, RegionalAdmin])),
    r("GET", "/decouverte-metiers/chiffres.csv", only(&[RegistrationOfficer, RegionalAdmin])),
    o("GET", "/decouverte-metiers/demandes/{id}", K::DiscoveryRequest, only(&[Recruiter, Teacher, RegionalAdmin]), only(&[RegionalAdmin])),
    r("GET", "/decouverte-metiers/mes-actions", only(&[Recruiter, PartnerResponder])),
    r("GET", "/decouverte-metiers/nouvelle", only(&[Recruiter, PartnerResponder])),
    r("GET", "/documentation", Anyone),
    o("GET", "/documentation/{slug}", K::PageSlug, Anyone, Anyone),
    r("GET", "/enquete", only(&[TrainingStaff, Prescriber])),
    r("GET", "/espaces-metiers", Anyone),
    r("GET", "/espaces-metiers/chiffres", only(&[SiteCoordinator, RegionalAdmin])),
    r("GET", "/espaces-metiers/chiffres.csv", only(&[SiteCoordinator, RegionalAdmin])),
    r("GET", "/espaces-metiers/nouveau", only(&[SiteCoordinator, RegionalAdmin])),
    o("GET", "/espaces-metiers/{id}", K::Site, Anyone, Anyone),
    o("GET", "/espaces-metiers/{id}/modifier", K::Site, only(&[SiteCoordinator, RegionalAdmin]), only(&[RegionalAdmin])),
    o("GET", "/espaces-metiers/{id}/visites", K::Site, only(&[SiteCoordinator, RegionalAdmin]), only(&[RegionalAdmin])),
    o("GET", "/espaces-metiers/{id}/plan", K::Site, only(&[SiteCoordinator, RegionalAdmin]), only(&[RegionalAdmin])),
    lit("GET", "/evenements/annulation/{secret}", Unknown, &["inconnu"]),
    o("GET", "/evenements/{id}", K::SiteEvent, Anyone, Anyone),
    r("GET", "/expositions", SignedIn),
    o("GET", "/expositions/{id}", K::Exhibition, SignedIn, SignedIn),
    r("GET", "/financeur/delais", only(&[Funder])),
    lit("GET", "/flux/offres/departement/{file}", Anyone, &["35.atom"]),
    lit("GET", "/flux/offres/metier/{file}", Anyone, &["D1102.atom"]),
    lit("GET", "/flux/recherche/{file}", Unknown, &["inconnu.atom"]),
    r("GET", "/formations", Anyone),
    r("GET", "/formations/catalogue.xml", Anyone),
    r("GET", "/formations/catalogue.csv", Anyone),
    o("GET", "/formations/sessions/{id}", K::Session, Anyone, Anyone),
    o("GET", "/formations/sessions/{id}/preinscription", K::Session, only(&[Prescriber]), only(&[Prescriber])),
    r("GET", "/healthz", Anyone),
    r("GET", "/imports", only(&[Recruiter, TrainingStaff, RegistrationOfficer, Funder, RegionalAdmin])),
    r("GET", "/imports/profils/nouveau", only(&[Recruiter, TrainingStaff, RegistrationOfficer, Funder, RegionalAdmin])),
    r("GET", "/webhooks", only(&[Recruiter, TrainingStaff])),
    o("GET", "/webhooks/{id}", K::Webhook, only(&[Recruiter, TrainingStaff]), only(&[])),
    o("GET", "/imports/profils/{id}", K::ImportProfile, only(&[TrainingStaff, RegistrationOfficer, Funder, RegionalAdmin]), only(&[RegistrationOfficer, RegionalAdmin])),
    o("GET", "/imports/{id}", K::ImportRun, only(&[TrainingStaff, RegionalAdmin]), only(&[RegionalAdmin])),
    o("GET", "/imports/{id}/rapport.csv", K::ImportRun, only(&[TrainingStaff, RegionalAdmin]), only(&[RegionalAdmin])),
    lit("GET", "/indicateurs/{file}", only(&[Recruiter, TrainingStaff, RegistrationOfficer, Prescriber, Funder, RegionalAdmin]), &["tout.csv"]),
    r("GET", "/inscription", Anyone),
    r("GET", "/inscription/candidat", Anyone),
    r("GET", "/inscription/entreprise", Anyone),
    r("GET", "/invitation", Anyone),
    // No logo is configured in tests: 404 to everyone.
    r("GET", "/logo", Unknown),
    r("GET", "/ma-convention", only(&[TrainingStaff, RegistrationOfficer, Prescriber, PartnerResponder])),
    r("GET", "/mentions-legales", Anyone),
    r("GET", "/mes-candidatures", only(&[Candidate])),
    r("GET", "/mes-propositions", only(&[TrainingStaff, RegistrationOfficer])),
    r("GET", "/mes-propositions/nouvelle", only(&[TrainingStaff, RegistrationOfficer])),
    o("GET", "/mes-propositions/{id}", K::Proposal, only(&[TrainingStaff, RegistrationOfficer]), only(&[])),
    r("GET", "/mes-offres", only(&[Recruiter, TrainingStaff, RegionalAdmin])),
    r("GET", "/mes-offres/nouvelle", only(&[Recruiter, TrainingStaff])),
    o("GET", "/mes-offres/{id}/modifier", K::Offer, only(&[Recruiter, TrainingStaff, RegionalAdmin]), only(&[RegionalAdmin])),
    // Without `PASSERELLE_METRICS_TOKEN` configured (as here), nobody reads the metrics.
    r("GET", "/metrics", Unknown),
    r("GET", "/moderation/offres", only(&[RegistrationOfficer, RegionalAdmin])),
    r("GET", "/moderation/profils", only(&[RegistrationOfficer, RegionalAdmin])),
    r("GET", "/mot-de-passe-oublie", Anyone),
    r("GET", "/mot-de-passe/nouveau", Anyone),
    r("GET", "/offres", Anyone),
    o("GET", "/offres/{id}", K::Offer, Anyone, Anyone),
    r("GET", "/organisation", only(&[Recruiter, TrainingStaff, RegistrationOfficer, Prescriber, GatewayAgent, Funder, PartnerResponder, SiteCoordinator, Teacher, InfoOfficer, Editor, RegionalAdmin])),
    o("GET", "/organisations/{id}", K::Organisation, only(&[Recruiter, TrainingStaff, RegistrationOfficer, Prescriber, GatewayAgent, Funder, PartnerResponder, SiteCoordinator, Teacher, InfoOfficer, Editor, RegionalAdmin]), only(&[RegistrationOfficer, RegionalAdmin])),
    r("GET", "/panier", only(&[Candidate, Recruiter, TrainingStaff, RegionalAdmin])),
    r("GET", "/partenaires", Anyone),
    o("GET", "/partenaires/{id}", K::Partner, Anyone, Anyone),
    r("GET", "/passerelle-france-travail", only(&[GatewayAgent, RegionalAdmin])),
    r("GET", "/passerelle-france-travail.csv", only(&[GatewayAgent, RegionalAdmin])),
    o("GET", "/personnes/{id}/export.json", K::Person, only(&[Prescriber]), only(&[])),
    r("GET", "/preinscriptions", only(&[TrainingStaff, Prescriber, Funder, RegionalAdmin])),
    r("GET", "/preinscriptions/export.csv", only(&[TrainingStaff, Prescriber, Funder, RegionalAdmin])),
    o("GET", "/preinscriptions/{id}", K::Prescription, only(&[TrainingStaff, Prescriber, Funder, RegionalAdmin]), only(&[RegionalAdmin])),
    r("GET", "/profil", only(&[Candidate])),
    r("GET", "/profil/consultations", only(&[Candidate])),
    // The demo candidate has no CV: every account gets 404.
    r("GET", "/profil/cv", only(&[])),
    r("GET", "/profil/export", only(&[Candidate])),
    r("GET", "/programme", Anyone),
    r("GET", "/programme/cours/nouveau", only(&[Editor, RegionalAdmin])),
    o("GET", "/programme/cours/{id}/sessions", K::Course, only(&[Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    o("GET", "/programme/sessions/{id}", K::ProgrammeSession, Anyone, Anyone),
    o("GET", "/programme/sessions/{id}/emargement/{day}", K::ProgrammeDay, only(&[Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    // Only attendees evaluate a session; no demo account attended one.
    o("GET", "/programme/sessions/{id}/evaluation", K::ProgrammeSession, only(&[]), only(&[])),
    o("GET", "/programme/sessions/{id}/evaluations", K::ProgrammeSession, only(&[Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    o("GET", "/programme/sessions/{id}/presences.csv", K::ProgrammeSession, only(&[Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    r("GET", "/question", Anyone),
    r("GET", "/question/merci", Anyone),
    r("GET", "/rapports/annexe", only(&[TrainingStaff, Prescriber, RegionalAdmin])),
    lit("GET", "/rapports/annexe/{file}", only(&[TrainingStaff, Prescriber, RegionalAdmin]), &["annexe.csv"]),
    r("GET", "/recherche", Anyone),
    r("GET", "/redaction", only(&[Editor, RegionalAdmin])),
    r("GET", "/campagnes", only(&[Editor, RegionalAdmin])),
    r("GET", "/campagnes/nouvelle", only(&[Editor, RegionalAdmin])),
    o("GET", "/campagnes/{id}", K::Campaign, only(&[Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    o("GET", "/campagnes/{id}/modifier", K::Campaign, only(&[Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    // Without its secret link, the unsubscription page answers 404 to everyone.
    r("GET", "/desabonnement", Unknown),
    r("GET", "/redaction/actualites", only(&[Editor, RegionalAdmin])),
    o("GET", "/redaction/actualites/{id}", K::News, only(&[Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    r("GET", "/redaction/agenda", only(&[Editor, RegionalAdmin])),
    o("GET", "/redaction/agenda/{id}", K::Event, only(&[Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    r("GET", "/redaction/pages", only(&[Editor, RegionalAdmin])),
    o("GET", "/redaction/pages/{id}", K::DocPage, only(&[Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    lit("GET", "/redaction/pages-legales/{key}", only(&[Editor, RegionalAdmin]), &["mentions-legales"]),
    r("GET", "/redaction/propositions", only(&[Editor, RegionalAdmin])),
    o("GET", "/redaction/propositions/{id}", K::Proposal, only(&[Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    r("GET", "/referentiel/codes-retires", only(&[RegistrationOfficer, RegionalAdmin])),
    r("GET", "/ressources-pro", only(PROFESSIONALS)),
    o("GET", "/ressources-pro/{slug}", K::ProSlug, only(PROFESSIONALS), only(PROFESSIONALS)),
    lit("GET", "/static/{*path}", Anyone, &["css/app.css"]),
    r("GET", "/tableau-de-bord", SignedIn),
    r("GET", "/theme.css", Anyone),
    r("GET", "/validations", only(&[RegistrationOfficer, RegionalAdmin])),
    r("GET", "/verification", Anyone),
    r("GET", "/verification/renvoyer", Anyone),
    r("POST", "/admin/charte", only(&[RegionalAdmin])),
    o("POST", "/admin/comptes/{id}/role", K::User, only(&[RegionalAdmin]), only(&[RegionalAdmin])).with_body("role=teacher"),
    o("POST", "/admin/comptes/{id}/statut", K::User, only(&[RegionalAdmin]), only(&[RegionalAdmin])).with_body("status=disabled"),
    r("POST", "/admin/conservation", only(&[RegionalAdmin])),
    r("POST", "/admin/organisations", only(&[RegionalAdmin])).with_body("kind=school&name=Coll%C3%A8ge+de+Vitr%C3%A9&departments=35"),
    r("POST", "/admin/partenaires", only(&[RegionalAdmin])),
    o("POST", "/admin/partenaires/{id}/etapes", K::Partner, only(&[RegionalAdmin]), only(&[RegionalAdmin])),
    o("POST", "/admin/partenaires/{id}/renouvellements", K::Partner, only(&[RegionalAdmin]), only(&[RegionalAdmin])),
    o("POST", "/admin/renouvellements/{id}/paiement", K::Renewal, only(&[RegionalAdmin]), only(&[RegionalAdmin])),
    o("POST", "/api/v1/applications/{id}/steps", K::Application, only(&[Candidate, Recruiter]), only(&[])).with_body(r#"{"step":"message","message":"Bonjour, pouvez-vous préciser les horaires ?"}"#),
    o("POST", "/api/v1/candidates/{id}/contact-requests", K::Candidate, only(&[]), only(&[Recruiter, TrainingStaff])).with_body(r#"{"message":"Nous cherchons un·e apprenti·e boulanger·ère à Rennes dès janvier."}"#),
    r("POST", "/api/v1/discovery/actions", only(&[Recruiter, PartnerResponder])),
    o("POST", "/api/v1/discovery/actions/{id}/requests", K::DiscoveryAction, only(&[SiteCoordinator, Teacher]), only(&[SiteCoordinator, Teacher])),
    o("POST", "/api/v1/discovery/actions/{id}/take-over", K::DiscoveryAction, only(&[Recruiter, RegionalAdmin]), only(&[RegionalAdmin])),
    r("POST", "/api/v1/discovery/needs", only(&[SiteCoordinator, Teacher])),
    o("POST", "/api/v1/discovery/needs/{id}/proposals", K::DiscoveryNeed, only(&[]), only(&[Recruiter])),
    o("POST", "/api/v1/discovery/proposals/{id}/decision", K::DiscoveryProposal, only(&[Teacher]), only(&[])).with_body(r#"{"decision":"decline"}"#),
    r("POST", "/api/v1/discovery/entered-actions", only(&[RegistrationOfficer, PartnerResponder])),
    r("POST", "/api/v1/discovery/entered-actions/import", only(&[RegistrationOfficer, PartnerResponder])),
    o("POST", "/api/v1/discovery/requests/{id}/steps", K::DiscoveryRequest, only(&[Recruiter, Teacher]), only(&[])).with_body(r#"{"step":"decline","message":"Nous n’avons plus de place ce trimestre."}"#),
    o("POST", "/api/v1/exhibitions/{id}/bookings", K::Exhibition, only(&[SiteCoordinator, RegionalAdmin]), only(&[SiteCoordinator, RegionalAdmin])).with_body(r#"{"site_id":"$site","starts_on":"02/06/2031","ends_on":"20/06/2031","transport_days_before":"1","transport_days_after":"1"}"#),
    o("POST", "/api/v1/gateway/entries/{id}", K::GatewayEntry, only(&[GatewayAgent, RegionalAdmin]), only(&[GatewayAgent, RegionalAdmin])),
    r("POST", "/api/v1/helpline/requests", only(&[InfoOfficer, RegionalAdmin])),
    o("POST", "/api/v1/helpline/requests/{id}/answer", K::HelplineRequest, only(&[PartnerResponder, InfoOfficer, RegionalAdmin]), only(&[InfoOfficer, RegionalAdmin])).with_body(r#"{"body":"Bonjour, le projet de transition professionnelle se prépare six mois avant."}"#),
    o("POST", "/api/v1/helpline/requests/{id}/close", K::HelplineRequest, only(&[InfoOfficer, RegionalAdmin]), only(&[InfoOfficer, RegionalAdmin])),
    o("POST", "/api/v1/helpline/requests/{id}/reopen", K::HelplineRequest, only(&[InfoOfficer, RegionalAdmin]), only(&[InfoOfficer, RegionalAdmin])),
    o("POST", "/api/v1/helpline/requests/{id}/route", K::HelplineRequest, only(&[InfoOfficer, RegionalAdmin]), only(&[InfoOfficer, RegionalAdmin])).with_body(r#"{"partner_id":"$partner","note":"Question sur le financement."}"#),
    // The file is the body (CSV, its profile in the query string): no JSON body to send.
    r("POST", "/api/v1/imports", BodyFirst),
    o("POST", "/api/v1/me/contact-requests/{id}", K::ContactRequest, only(&[Candidate]), only(&[])).with_body(r#"{"accept":false}"#),
    o("POST", "/api/v1/moderation/candidates/{id}", K::Candidate, only(&[RegistrationOfficer, RegionalAdmin]), only(&[RegistrationOfficer, RegionalAdmin])).with_body(r#"{"approve":false,"reason":"Profil incomplet"}"#),
    r("POST", "/api/v1/offers", only(&[Recruiter, TrainingStaff])).with_body(r#"{"title":"Apprenti·e boulanger·ère","description":"Fabrication du pain et des viennoiseries au fournil, de nuit.","rome":"D1102","contract_type":"apprenticeship","level":"3","start_date":"01/09/2027","duration_months":"24","commune":"35238","positions":"1"}"#),
    o("POST", "/api/v1/offers/{id}/applications", K::Offer, only(&[Candidate]), only(&[Candidate])).with_body(r#"{"message":"Bonjour, je prépare un CAP et je cherche une boulangerie à Rennes."}"#),
    o("POST", "/api/v1/offers/{id}/transitions", K::Offer, only(&[Recruiter, TrainingStaff, RegionalAdmin]), only(&[RegionalAdmin])).with_body(r#"{"action":"withdraw"}"#),
    r("POST", "/api/v1/partners/charter", only(&[RegionalAdmin])),
    o("POST", "/api/v1/partners/renewals/{id}/payment", K::Renewal, only(&[RegionalAdmin]), only(&[RegionalAdmin])),
    o("POST", "/api/v1/partners/{id}/charter-signatures", K::Partner, only(&[TrainingStaff, RegistrationOfficer, Prescriber, PartnerResponder]), only(&[])),
    o("POST", "/api/v1/partners/{id}/renewals", K::Partner, only(&[RegionalAdmin]), only(&[RegionalAdmin])),
    o("POST", "/api/v1/partners/{id}/steps", K::Partner, only(&[RegionalAdmin]), only(&[RegionalAdmin])),
    o("POST", "/api/v1/prescriptions/{id}/messages", K::Prescription, only(&[TrainingStaff, Prescriber]), only(&[])).with_body(r#"{"body":"Pouvez-vous confirmer la date de l’information collective ?"}"#),
    // Sends the centre's step (receive): the prescriber, who may only withdraw, is refused it.
    o("POST", "/api/v1/prescriptions/{id}/steps", K::Prescription, only(&[TrainingStaff]), only(&[])).with_body(r#"{"step":"receive"}"#),
    o("POST", "/api/v1/programme/sessions/{id}/registrations", K::ProgrammeSession, only(&[TrainingStaff, RegistrationOfficer, Prescriber, GatewayAgent, Funder, PartnerResponder, SiteCoordinator, Teacher, InfoOfficer, Editor, RegionalAdmin]), only(&[TrainingStaff, RegistrationOfficer, Prescriber, GatewayAgent, Funder, PartnerResponder, SiteCoordinator, Teacher, InfoOfficer, Editor, RegionalAdmin])),
    r("POST", "/api/v1/saved-searches", only(&[Candidate, RegionalAdmin])).with_body(r#"{"name":"Boulangerie","query":"q=boulanger","alerts":true}"#),
    o("POST", "/api/v1/saved-searches/{id}/feed", K::SavedSearch, only(&[Candidate]), only(&[])),
    o("POST", "/api/v1/sites/{id}/visits", K::Site, only(&[SiteCoordinator, RegionalAdmin]), only(&[RegionalAdmin])),
    o("POST", "/api/v1/trainings/sessions/{id}/prescriptions", K::Session, only(&[Prescriber]), only(&[Prescriber])).with_body(r#"{"person":{"first_name":"Enora","last_name":"Le Bras","birth_date":"14/03/2001","situation":"job_seeker","level":"3","consent":true},"motive":"Projet de reconversion validé : stage d’immersion réussi."}"#),
    o("POST", "/candidats/{id}/contact", K::Candidate, only(&[]), only(&[Recruiter, TrainingStaff])).with_body("message=Nous+cherchons+un%C2%B7e+apprenti%C2%B7e+boulanger%C2%B7%C3%A8re+%C3%A0+Rennes+d%C3%A8s+janvier."),
    o("POST", "/candidats/{id}/panier", K::Candidate, only(&[]), only(&[Recruiter, TrainingStaff, RegionalAdmin])).with_body("action=ajouter"),
    o("POST", "/candidatures/{id}/etape", K::Application, only(&[Candidate, Recruiter]), only(&[])).with_body("step=message&message=Bonjour%2C+pouvez-vous+pr%C3%A9ciser+les+horaires+%3F"),
    r("POST", "/cap-info/appel", only(&[InfoOfficer, RegionalAdmin])),
    of("POST", "/cap-info/demandes/{id}/{action}", K::HelplineRequest, only(&[PartnerResponder, InfoOfficer, RegionalAdmin]), only(&[InfoOfficer, RegionalAdmin]), &["reponse"]),
    r("POST", "/cap-info/reglages/superviseurs", only(&[RegionalAdmin])).with_body("officer_id=$officer&supervisor=oui"),
    r("POST", "/cap-info/reglages/themes", only(&[InfoOfficer, RegionalAdmin])),
    lit("POST", "/cap-info/reponse/{token}", Unknown, &["inconnu"]),
    o("POST", "/candidatures/{id}/contrat", K::Application, only(&[Candidate]), only(&[])),
    o("POST", "/api/v1/applications/{id}/contract", K::Application, only(&[Candidate]), only(&[])),
    o("POST", "/preinscriptions/{id}/suivi", K::Prescription, only(&[Prescriber]), only(&[])),
    o("POST", "/api/v1/prescriptions/{id}/followup", K::Prescription, only(&[Prescriber]), only(&[])),
    // Without a valid single-use link, the person's follow-up page does not exist.
    r("POST", "/suivi", Unknown),
    r("POST", "/compte/jetons", SignedIn).with_body("name=Logiciel+Ymag"),
    o("POST", "/compte/jetons/{id}/revoquer", K::ApiToken, SignedIn, only(&[])),
    r("POST", "/compte/informations", SignedIn),
    r("POST", "/compte/mot-de-passe", SignedIn).with_body("current=Passerelle-demo-2026&password=Nouveau-mot-de-passe-2026&password_confirm=Nouveau-mot-de-passe-2026"),
    r("POST", "/connexion", Anyone),
    o("POST", "/contacts/{id}", K::ContactRequest, only(&[Candidate]), only(&[])).with_body("decision=refuser"),
    r("POST", "/deconnexion", Anyone),
    o("POST", "/decouverte-metiers/actions/{id}/demande", K::DiscoveryAction, only(&[SiteCoordinator, Teacher]), only(&[SiteCoordinator, Teacher])),
    o("POST", "/decouverte-metiers/actions/{id}/reprise", K::DiscoveryAction, only(&[Recruiter, RegionalAdmin]), only(&[RegionalAdmin])),
    r("POST", "/decouverte-metiers/besoins/nouveau", only(&[SiteCoordinator, Teacher])),
    o("POST", "/decouverte-metiers/besoins/{id}/proposition", K::DiscoveryNeed, only(&[]), only(&[Recruiter])),
    o("POST", "/decouverte-metiers/propositions/{id}/decision", K::DiscoveryProposal, only(&[Teacher]), only(&[])).with_body("decision=decline"),
    r("POST", "/decouverte-metiers/saisie", only(&[RegistrationOfficer, PartnerResponder])),
    r("POST", "/decouverte-metiers/saisies/import", BodyFirst),
    o("POST", "/decouverte-metiers/actions/{id}/retrait", K::DiscoveryAction, only(&[Recruiter, RegionalAdmin]), only(&[RegionalAdmin])),
    o("POST", "/decouverte-metiers/demandes/{id}/etape", K::DiscoveryRequest, only(&[Recruiter, Teacher]), only(&[])).with_body("step=decline&message=Nous+n%E2%80%99avons+plus+de+place+ce+trimestre."),
    r("POST", "/decouverte-metiers/nouvelle", only(&[Recruiter, PartnerResponder])),
    // Found by this matrix (it answered 409 to every role): now asks the policy first.
    r("POST", "/enquete", only(&[TrainingStaff, Prescriber])),
    r("POST", "/espaces-metiers/nouveau", only(&[SiteCoordinator, RegionalAdmin])),
    o("POST", "/espaces-metiers/{id}/evenements", K::Site, only(&[SiteCoordinator, RegionalAdmin]), only(&[RegionalAdmin])),
    o("POST", "/espaces-metiers/{id}/modifier", K::Site, only(&[SiteCoordinator, RegionalAdmin]), only(&[RegionalAdmin])),
    o("POST", "/espaces-metiers/{id}/visites", K::Site, only(&[SiteCoordinator, RegionalAdmin]), only(&[RegionalAdmin])),
    o("POST", "/espaces-metiers/{id}/site-central", K::Site, only(&[RegionalAdmin]), only(&[RegionalAdmin])),
    o("POST", "/espaces-metiers/{id}/plan/objectifs", K::Site, only(&[SiteCoordinator]), only(&[])),
    o("POST", "/espaces-metiers/{id}/plan/actions", K::Site, only(&[SiteCoordinator]), only(&[])),
    o("POST", "/espaces-metiers/{id}/plan/etat-action", K::Site, only(&[SiteCoordinator]), only(&[])),
    o("POST", "/espaces-metiers/{id}/plan/resultats", K::Site, only(&[SiteCoordinator]), only(&[])),
    o("POST", "/espaces-metiers/{id}/plan/transmission", K::Site, only(&[SiteCoordinator]), only(&[])),
    o("POST", "/espaces-metiers/{id}/plan/avis", K::Site, only(&[RegionalAdmin]), only(&[RegionalAdmin])),
    lit("POST", "/evenements/annulation/{secret}", Unknown, &["inconnu"]),
    o("POST", "/evenements/{id}/inscription", K::SiteEvent, Anyone, Anyone),
    r("POST", "/expositions", only(&[Editor, RegionalAdmin])),
    o("POST", "/expositions/{id}/reservations", K::Exhibition, only(&[SiteCoordinator, RegionalAdmin]), only(&[SiteCoordinator, RegionalAdmin])).with_body("site_id=$site&starts_on=02%2F06%2F2031&ends_on=20%2F06%2F2031&transport_days_before=1&transport_days_after=1"),
    o("POST", "/expositions/{id}/reservations/{booking}/annulation", K::Booking, only(&[RegionalAdmin]), only(&[RegionalAdmin])),
    r("POST", "/financeur/delais", only(&[Funder])),
    o("POST", "/formations/sessions/{id}/etat", K::Session, only(&[TrainingStaff, Funder, RegionalAdmin]), only(&[RegionalAdmin])).with_body("recruitment=closed&places=12"),
    o("POST", "/formations/sessions/{id}/preinscription", K::Session, only(&[Prescriber]), only(&[Prescriber])),
    // A multipart upload (the file and its profile): no URL-encoded form to send.
    r("POST", "/imports/envoyer", BodyFirst),
    r("POST", "/webhooks", only(&[Recruiter, TrainingStaff])),
    o("POST", "/webhooks/{id}", K::Webhook, only(&[Recruiter, TrainingStaff]), only(&[])),
    o("POST", "/webhooks/{id}/tester", K::Webhook, only(&[Recruiter, TrainingStaff]), only(&[])),
    r("POST", "/imports/profils", only(&[Recruiter, TrainingStaff, RegistrationOfficer, Funder, RegionalAdmin])),
    o("POST", "/imports/profils/{id}", K::ImportProfile, only(&[TrainingStaff, Funder, RegionalAdmin]), only(&[RegionalAdmin])),
    o("POST", "/imports/profils/{id}/confiance", K::ImportProfile, only(&[RegionalAdmin]), only(&[RegistrationOfficer, RegionalAdmin])).with_body("trusted=oui"),
    r("POST", "/inscription/candidat", Anyone),
    r("POST", "/inscription/entreprise", Anyone),
    r("POST", "/invitation", Anyone),
    r("POST", "/ma-convention/signature", only(&[TrainingStaff, RegistrationOfficer, Prescriber, PartnerResponder])),
    r("POST", "/mes-offres", only(&[Recruiter, TrainingStaff])).with_body("title=Apprenti%C2%B7e+boulanger%C2%B7%C3%A8re&rome=D1102&description=Fabrication+du+pain+et+des+viennoiseries+au+fournil%2C+de+nuit.&contract_type=apprentissage&level=3&duration_months=24&commune=35238&positions=1&start_date=01%2F09%2F2027"),
    o("POST", "/mes-offres/{id}/modifier", K::Offer, only(&[Recruiter, TrainingStaff, RegionalAdmin]), only(&[RegionalAdmin])),
    of("POST", "/mes-offres/{id}/{action}", K::Offer, only(&[Recruiter, TrainingStaff, RegionalAdmin]), only(&[RegionalAdmin]), &["retirer"]),
    o("POST", "/moderation/offres/{id}", K::Offer, only(&[RegistrationOfficer, RegionalAdmin]), only(&[RegistrationOfficer, RegionalAdmin])).with_body("decision=refuser&reason=Offre+incompl%C3%A8te"),
    o("POST", "/moderation/profils/{id}", K::Candidate, only(&[RegistrationOfficer, RegionalAdmin]), only(&[RegistrationOfficer, RegionalAdmin])).with_body("decision=refuser&reason=Profil+incomplet"),
    r("POST", "/mot-de-passe-oublie", Anyone),
    r("POST", "/mot-de-passe/nouveau", Anyone),
    // Refusals (and the empty form) come back as a message on the offer: see `Allow::Flash`.
    o("POST", "/offres/{id}/candidater", K::Offer, Flash, Flash),
    o("POST", "/offres/{id}/panier", K::Offer, only(&[Candidate, RegionalAdmin]), only(&[Candidate, RegionalAdmin])).with_body("action=ajouter"),
    o("POST", "/organisations/{id}/delegations", K::Organisation, only(&[Recruiter, RegionalAdmin]), only(&[RegistrationOfficer, RegionalAdmin])).with_body("siret=19290004500019"),
    o("POST", "/organisations/{id}/delegations/{centre}/revoquer", K::Delegation, only(&[Recruiter]), only(&[])),
    o("GET", "/api/v1/organisations/{id}/delegations", K::Organisation, only(&[Recruiter]), only(&[RegistrationOfficer, RegionalAdmin])),
    o("POST", "/api/v1/organisations/{id}/delegations", K::Organisation, only(&[Recruiter, RegionalAdmin]), only(&[RegistrationOfficer, RegionalAdmin])).with_body(r#"{"siret":"19290004500019"}"#),
    o("DELETE", "/api/v1/organisations/{id}/delegations/{centre_id}", K::Delegation, only(&[Recruiter]), only(&[])),
    r("GET", "/admin/codes-financeurs", only(&[RegionalAdmin])),
    lit("POST", "/admin/codes-financeurs/{code}", only(&[RegionalAdmin]), &["2"]).with_body("decision=refuser"),
    o("POST", "/organisations/{id}/invitations", K::Organisation, only(&[Recruiter, TrainingStaff, RegistrationOfficer, Prescriber, GatewayAgent, Funder, PartnerResponder, SiteCoordinator, Teacher, InfoOfficer, Editor, RegionalAdmin]), only(&[RegionalAdmin])).with_body("email=matrix%40example.org&first_name=Alex&last_name=Martin&role=teacher"),
    o("POST", "/partenaires/{id}/contacts", K::Partner, only(&[TrainingStaff, RegistrationOfficer, Prescriber, PartnerResponder, RegionalAdmin]), only(&[RegionalAdmin])),
    o("POST", "/partenaires/{id}/contacts/{cid}/public", K::PartnerContact, only(&[TrainingStaff, RegistrationOfficer, Prescriber, PartnerResponder, RegionalAdmin]), only(&[RegionalAdmin])),
    o("POST", "/partenaires/{id}/contacts/{cid}/suppression", K::PartnerContact, only(&[TrainingStaff, RegistrationOfficer, Prescriber, PartnerResponder, RegionalAdmin]), only(&[RegionalAdmin])),
    o("POST", "/partenaires/{id}/fiche", K::Partner, only(&[TrainingStaff, RegistrationOfficer, Prescriber, PartnerResponder, RegionalAdmin]), only(&[RegionalAdmin])),
    o("POST", "/passerelle-france-travail/{id}", K::GatewayEntry, only(&[GatewayAgent, RegionalAdmin]), only(&[GatewayAgent, RegionalAdmin])),
    o("POST", "/personnes/{id}/suppression", K::Person, only(&[Prescriber]), only(&[])),
    o("POST", "/personnes/{id}/decisions-par-mail", K::Person, only(&[Prescriber]), only(&[])),
    o("POST", "/preinscriptions/{id}/etape", K::Prescription, only(&[TrainingStaff]), only(&[])).with_body("step=receive"),
    o("POST", "/preinscriptions/{id}/messages", K::Prescription, only(&[TrainingStaff, Prescriber]), only(&[])).with_body("body=Pouvez-vous+confirmer+la+date+de+l%E2%80%99information+collective+%3F"),
    r("POST", "/profil", only(&[Candidate])),
    // A multipart upload (the PDF): no URL-encoded form to send.
    r("POST", "/profil/cv", BodyFirst),
    r("POST", "/profil/cv/supprimer", only(&[Candidate])),
    r("POST", "/profil/supprimer", only(&[Candidate])).with_body("password=Passerelle-demo-2026"),
    r("POST", "/profil/visibilite", only(&[Candidate])).with_body("visible=non"),
    r("POST", "/profil/accompagnement", only(&[Candidate])),
    r("GET", "/suivis", only(&[Prescriber])),
    // No demo candidate lets an agency follow them: nobody may, on any candidate.
    o("GET", "/suivis/{id}", K::Candidate, only(&[]), only(&[])),
    o("GET", "/api/v1/followed-candidates/{id}", K::Candidate, only(&[]), only(&[])),
    r("GET", "/candidats/alertes", only(&[Recruiter, TrainingStaff, RegionalAdmin])),
    r("POST", "/candidats/alertes", only(&[Recruiter, TrainingStaff, RegionalAdmin])),
    // The demo keeps no CV alert: an id that names none is 404 to everyone.
    o("POST", "/candidats/alertes/{id}/supprimer", K::Candidate, only(&[]), only(&[])),
    r("POST", "/programme/cours", only(&[Editor, RegionalAdmin])),
    o("POST", "/programme/cours/{id}/sessions", K::Course, only(&[Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    o("POST", "/programme/inscriptions/{id}/annulation", K::Registration, only(&[TrainingStaff, PartnerResponder, SiteCoordinator, Teacher, Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    o("POST", "/programme/sessions/{id}/emargement/{day}", K::ProgrammeDay, only(&[Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    // A valid evaluation gets 409 from every account (no demo account attended a session, and
    // the policy lets anyone evaluate as themselves): the row cannot show who may evaluate.
    o("POST", "/programme/sessions/{id}/evaluation", K::ProgrammeSession, BodyFirst, BodyFirst),
    o("POST", "/programme/sessions/{id}/inscription", K::ProgrammeSession, only(&[TrainingStaff, RegistrationOfficer, Prescriber, GatewayAgent, Funder, PartnerResponder, SiteCoordinator, Teacher, InfoOfficer, Editor, RegionalAdmin]), only(&[TrainingStaff, RegistrationOfficer, Prescriber, GatewayAgent, Funder, PartnerResponder, SiteCoordinator, Teacher, InfoOfficer, Editor, RegionalAdmin])),
    r("POST", "/question", Anyone),
    r("POST", "/recherches", only(&[Candidate, RegionalAdmin])).with_body("name=Boulangerie&query=q%3Dboulanger&alerts=oui"),
    o("POST", "/recherches/{id}/nouveau-lien", K::SavedSearch, only(&[Candidate]), only(&[])),
    o("POST", "/recherches/{id}/supprimer", K::SavedSearch, only(&[Candidate]), only(&[])),
    r("POST", "/redaction/actualites", only(&[Editor, RegionalAdmin])),
    r("POST", "/campagnes/nouvelle", only(&[Editor, RegionalAdmin])),
    o("POST", "/campagnes/{id}/modifier", K::Campaign, only(&[Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    o("POST", "/campagnes/{id}/essai", K::Campaign, only(&[Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    o("POST", "/campagnes/{id}/envoyer", K::Campaign, only(&[Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    r("POST", "/desabonnement", Unknown),
    o("POST", "/redaction/actualites/{id}", K::News, only(&[Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    o("POST", "/redaction/actualites/{id}/suppression", K::News, only(&[Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    r("POST", "/redaction/agenda", only(&[Editor, RegionalAdmin])),
    o("POST", "/redaction/agenda/{id}", K::Event, only(&[Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    o("POST", "/redaction/agenda/{id}/suppression", K::Event, only(&[Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    r("POST", "/redaction/pages", only(&[Editor, RegionalAdmin])),
    o("POST", "/redaction/pages/{id}", K::DocPage, only(&[Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])),
    lit("POST", "/redaction/pages-legales/{key}", only(&[Editor, RegionalAdmin]), &["mentions-legales"]),
    o("POST", "/redaction/propositions/{id}/decision", K::Proposal, only(&[Editor, RegionalAdmin]), only(&[Editor, RegionalAdmin])).with_body("decision=refuser&reason=Le+lieu+reste+%C3%A0+pr%C3%A9ciser."),
    r("POST", "/mes-propositions/nouvelle", only(&[TrainingStaff, RegistrationOfficer])).with_body("kind=news&title=Nos+formations+en+alternance&body=Les+inscriptions+sont+ouvertes."),
    o("POST", "/mes-propositions/{id}", K::Proposal, only(&[TrainingStaff, RegistrationOfficer]), only(&[])).with_body("kind=news&title=Nos+formations+en+alternance&body=Les+inscriptions+sont+ouvertes."),
    o("POST", "/validations/{id}", K::PendingCompany, only(&[RegionalAdmin]), only(&[RegistrationOfficer, RegionalAdmin])).with_body("decision=valider"),
    r("POST", "/verification", Anyone),
    r("POST", "/verification/renvoyer", Anyone),
    o("PUT", "/api/v1/basket/candidates/{id}", K::Candidate, only(&[Recruiter, TrainingStaff, RegionalAdmin]), only(&[Recruiter, TrainingStaff, RegionalAdmin])),
    o("PUT", "/api/v1/basket/offers/{id}", K::Offer, only(&[Candidate, RegionalAdmin]), only(&[Candidate, RegionalAdmin])),
    r("PUT", "/api/v1/me/profile", only(&[Candidate])).with_body(r#"{"occupations":["D1102"],"level_reached":3,"commune":"Rennes","mobility_km":20,"presentation":"J’aime me lever tôt et travailler de mes mains.","visible":true}"#),
    o("PUT", "/api/v1/offers/{id}", K::Offer, only(&[Recruiter, TrainingStaff, RegionalAdmin]), only(&[RegionalAdmin])),
    o("PUT", "/api/v1/trainings/sessions/{id}/state", K::Session, only(&[TrainingStaff, Funder, RegionalAdmin]), only(&[RegionalAdmin])).with_body(r#"{"recruitment":"closed","places":"12"}"#),
];
// MATRIX-TABLE-END

/// Cells where the product does not yet give the outcome the table expects:
/// (method, path, asker, column), asker "anonymous" or a role's identifier, column "own" or
/// "other".
const KNOWN_HOLES: &[(&str, &str, &str, &str)] = &[];

/// Cells on an object of another organisation that the asker may see (so a 403 tells nothing
/// new): (method, path, role). The chamber sees the organisations of its territory; training
/// sessions are public.
const VISIBLE_ELSEWHERE: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/organisations/{id}/invitations",
        "registration_officer",
    ),
    ("POST", "/formations/sessions/{id}/etat", "training_staff"),
    // Chambers' advisers and the regional team see schools' needs but do not propose.
    (
        "POST",
        "/decouverte-metiers/besoins/{id}/proposition",
        "registration_officer",
    ),
    (
        "POST",
        "/decouverte-metiers/besoins/{id}/proposition",
        "regional_admin",
    ),
    (
        "POST",
        "/api/v1/discovery/needs/{id}/proposals",
        "registration_officer",
    ),
    (
        "POST",
        "/api/v1/discovery/needs/{id}/proposals",
        "regional_admin",
    ),
    (
        "PUT",
        "/api/v1/trainings/sessions/{id}/state",
        "training_staff",
    ),
];

/// What a cell observed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Allowed(u16),
    /// 400 or 422: the body was refused (which passes an access check the handler made first).
    Invalid(u16),
    Forbidden,
    NotFound,
    Login,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Allowed(status) => write!(f, "allowed ({status})"),
            Outcome::Invalid(status) => write!(f, "invalid ({status})"),
            Outcome::Forbidden => write!(f, "403"),
            Outcome::NotFound => write!(f, "404"),
            Outcome::Login => write!(f, "login"),
        }
    }
}

/// A signed-in account (or a visitor, `role` None): session cookie, its CSRF token, API token.
struct Asker {
    role: Option<Role>,
    user_id: String,
    org_id: Option<String>,
    cookie: String,
    csrf: String,
    token: Option<String>,
    ip: String,
}

impl Asker {
    fn name(&self) -> &'static str {
        self.role.map_or("anonymous", Role::as_str)
    }
}

struct Answer {
    status: StatusCode,
    location: String,
    set_cookie: Vec<String>,
    text: String,
}

async fn call(router: &Router, request: Request<Body>) -> Answer {
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("router answers");
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let set_cookie = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Answer {
        status,
        location,
        set_cookie,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn session_cookie(answer: &Answer) -> Option<String> {
    answer.set_cookie.iter().find_map(|c| {
        let pair = c.split(';').next()?;
        pair.strip_prefix("passerelle_session=")
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    })
}

fn csrf_in(html: &str) -> Option<String> {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

fn page_request(asker: &Asker, method: &str, path: &str, form: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("x-forwarded-for", &asker.ip)
        .header(
            header::COOKIE,
            format!("passerelle_session={}", asker.cookie),
        )
        .header("x-csrf-token", &asker.csrf)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_owned()))
        .unwrap()
}

/// Logs a demo account in (or opens a visitor's session) and creates its API token.
async fn sign_in(router: &Router, role: Option<Role>, ip: String) -> Asker {
    let blank = Asker {
        role,
        user_id: String::new(),
        org_id: None,
        cookie: String::new(),
        csrf: String::new(),
        token: None,
        ip,
    };
    let login_page = call(router, page_request(&blank, "GET", "/connexion", "")).await;
    let mut asker = Asker {
        cookie: session_cookie(&login_page).expect("a visitor's session"),
        csrf: csrf_in(&login_page.text).expect("a CSRF token on the login page"),
        ..blank
    };
    let Some(role) = role else {
        return asker;
    };
    let email = passerelle::types::demo_email(role);
    let form = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("email", email.as_str()),
            ("password", passerelle::demo::PASSWORD),
        ])
        .finish();
    let login = call(router, page_request(&asker, "POST", "/connexion", &form)).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "login of {email}");
    asker.cookie = session_cookie(&login).expect("a signed-in session");
    let account = call(router, page_request(&asker, "GET", "/compte", "")).await;
    asker.csrf = csrf_in(&account.text).expect("a CSRF token on the account page");
    let created = call(
        router,
        page_request(&asker, "POST", "/compte/jetons", "name=matrix"),
    )
    .await;
    let start = created
        .text
        .find("psl_")
        .expect("the new token is shown once");
    asker.token = Some(
        created.text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect(),
    );
    asker
}

/// The methods a path answers, from the unlayered router's 405 and `Allow`.
async fn methods_of(router: &Router, path: &str) -> Vec<String> {
    let concrete = path
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "matrix-probe"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    let request = Request::builder()
        .method(Method::from_bytes(b"PROBE").unwrap())
        .uri(concrete)
        .body(Body::empty())
        .unwrap();
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("router answers");
    assert_eq!(
        response.status(),
        StatusCode::METHOD_NOT_ALLOWED,
        "{path} is a route of the router"
    );
    let allow = response
        .headers()
        .get(header::ALLOW)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    allow
        .split(',')
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty() && m != "HEAD")
        .collect()
}

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
}

fn ids(db: &Path, sql: &str) -> Vec<String> {
    query::<Id>(db, sql).into_iter().map(|row| row.id).collect()
}

async fn post_form(router: &Router, asker: &Asker, path: &str, fields: &[(&str, &str)]) -> Answer {
    let form = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    call(router, page_request(asker, "POST", path, &form)).await
}

/// Adds to the demo data, as people would, the objects it lacks for the matrix: the
/// candidate's validated profile, an application, a saved search, a contact request, a
/// discovery request, a pre-registration and an import run.
async fn seed(router: &Router, db: &Path, askers: &[Asker]) {
    let by = |role: Role| askers.iter().find(|a| a.role == Some(role)).expect("asker");
    let candidate = by(Candidate);
    let r = post_form(
        router,
        candidate,
        "/profil",
        &[
            ("rome1", "D1102"),
            ("commune", "Rennes"),
            ("mobility_km", "20"),
            ("level_reached", "3"),
            (
                "presentation",
                "J’aime me lever tôt et travailler de mes mains.",
            ),
            ("visible", "oui"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "profile: {}", r.text);
    let r = post_form(
        router,
        by(RegistrationOfficer),
        &format!("/moderation/profils/{}", candidate.user_id),
        &[("decision", "valider")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "validation: {}", r.text);
    let offer = &ids(
        db,
        "SELECT id FROM offers WHERE status = 'published' ORDER BY id",
    )[0];
    let r = post_form(
        router,
        candidate,
        &format!("/offres/{offer}/candidater"),
        &[(
            "message",
            "Bonjour, je prépare un CAP et je cherche une boulangerie à Rennes.",
        )],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "application: {}", r.text);
    let r = post_form(
        router,
        candidate,
        "/recherches",
        &[
            ("name", "Boulangerie"),
            ("query", "q=boulanger"),
            ("alerts", "oui"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "saved search: {}", r.text);
    for role in [Recruiter, TrainingStaff] {
        let r = post_form(
            router,
            by(role),
            "/webhooks",
            &[
                ("url", "https://erp.example.fr/hooks/passerelle"),
                ("events", "application.created"),
                ("active", "oui"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "webhook: {}", r.text);
    }
    let r = post_form(
        router,
        by(Recruiter),
        &format!("/candidats/{}/contact", candidate.user_id),
        &[(
            "message",
            "Nous cherchons un·e apprenti·e boulanger·ère à Rennes dès janvier.",
        )],
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "contact request: {}",
        r.text
    );
    let action = &ids(db, "SELECT id FROM discovery_actions ORDER BY id")[0];
    let r = post_form(
        router,
        by(Teacher),
        &format!("/decouverte-metiers/actions/{action}/demande"),
        &[
            ("group_size", "14"),
            ("wished_dates", "Un mardi matin de mars"),
            ("message", "Classe de seconde bac pro boulanger-pâtissier."),
        ],
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "discovery request: {}",
        r.text
    );
    let mut prescribed = false;
    for session in ids(db, "SELECT id FROM training_sessions ORDER BY id") {
        let r = post_form(
            router,
            by(Prescriber),
            &format!("/formations/sessions/{session}/preinscription"),
            &[
                ("first_name", "Enora"),
                ("last_name", "Le Bras"),
                ("birth_date", "14/03/2001"),
                ("email", "enora.lebras@example.org"),
                ("phone", "06 12 34 56 78"),
                ("situation", "job_seeker"),
                ("level", "3"),
                ("job_seeker_id", "1234567A"),
                ("consent", "oui"),
                (
                    "motive",
                    "Projet de reconversion validé : stage d’immersion réussi.",
                ),
            ],
        )
        .await;
        if r.status == StatusCode::SEE_OTHER {
            prescribed = true;
            break;
        }
    }
    assert!(prescribed, "no session open to pre-registration");
    let staff = by(TrainingStaff);
    let request = Request::builder()
        .method("POST")
        .uri("/api/v1/imports?profile=demo-generic&name=offres.csv")
        .header("x-forwarded-for", &staff.ip)
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", staff.token.as_deref().unwrap()),
        )
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from("reference;titre\nM-1;Apprenti\n"))
        .unwrap();
    let r = call(router, request).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "import: {}", r.text);
}

/// Every (method, path) of the router.
async fn routes(state: &AppState) -> BTreeSet<(String, String)> {
    let list = passerelle::api::route_list();
    let unlayered = passerelle::api::unlayered_routes().with_state(state.clone());
    let mut all = BTreeSet::new();
    for path in &list.pages {
        for method in methods_of(&unlayered, path).await {
            all.insert((method, path.clone()));
        }
    }
    for (method, path) in list.api {
        all.insert((method.to_string(), path));
    }
    all
}

#[derive(diesel::QueryableByName)]
struct FixtureRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    b: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    org1: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    org2: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    org3: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    usr: Option<String>,
}

impl FixtureRow {
    fn belongs_to(&self, asker: &Asker) -> bool {
        let org = asker.org_id.as_deref();
        let orgs = [&self.org1, &self.org2, &self.org3];
        (org.is_some() && orgs.iter().any(|o| o.as_deref() == org))
            || self.usr.as_deref() == Some(asker.user_id.as_str())
    }
}

#[derive(diesel::QueryableByName)]
struct Account {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    organisation_id: Option<String>,
}

fn sqlite_path(config: &Config) -> PathBuf {
    PathBuf::from(
        config
            .database_url
            .strip_prefix("sqlite://")
            .expect("the matrix runs on SQLite"),
    )
}

fn query<T: diesel::QueryableByName<diesel::sqlite::Sqlite> + 'static>(
    db: &Path,
    sql: &str,
) -> Vec<T> {
    use diesel::{Connection, RunQueryDsl};
    let mut conn =
        diesel::SqliteConnection::establish(&db.display().to_string()).expect("the database");
    diesel::sql_query(sql)
        .load(&mut conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("folder");
    let Ok(entries) = std::fs::read_dir(from) else {
        return;
    };
    for entry in entries {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else if !entry.file_name().to_string_lossy().ends_with(".lock") {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// A new application on a copy of the base database (sessions and tokens included).
async fn fork(base: &Config, snapshot: &Path) -> (AppState, Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("passerelle.db");
    std::fs::copy(snapshot, &db).expect("copy the database");
    copy_dir(&base.data_dir.join("index"), &dir.path().join("index"));
    let mut config = base.clone();
    config.database_url = format!("sqlite://{}", db.display());
    config.data_dir = dir.path().to_owned();
    let state = tokio::task::spawn_blocking(move || AppState::init(config))
        .await
        .unwrap()
        .expect("app");
    let router = state.router();
    (state, router, dir)
}

fn concrete(path: &str, first: Option<(&str, Option<&str>)>, fill: &[&str]) -> String {
    let mut fill = fill.iter();
    let mut given: Vec<&str> = Vec::new();
    if let Some((a, b)) = first {
        given.push(a);
        given.extend(b);
    }
    let mut given = given.into_iter();
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                given
                    .next()
                    .or_else(|| fill.next().copied())
                    .unwrap_or_else(|| panic!("no value for {segment} in {path}"))
                    .to_owned()
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Values of the `$name` placeholders of bodies: ids of the demo data the table cannot know
/// (the first row of each query).
const BODY_VALUES: &[(&str, &str)] = &[
    (
        "$site",
        "SELECT s.id FROM sites s JOIN users u ON u.organisation_id = s.host_id \
         WHERE u.role = 'site_coordinator' ORDER BY s.id",
    ),
    (
        "$officer",
        "SELECT id FROM users WHERE role = 'info_officer' ORDER BY id",
    ),
    (
        "$partner",
        "SELECT u.organisation_id AS id FROM users u \
         JOIN organisations o ON o.id = u.organisation_id \
         WHERE u.role = 'partner_responder' AND o.kind = 'information_partner' ORDER BY u.id",
    ),
];

async fn ask(
    router: &Router,
    asker: &Asker,
    row: &Row,
    path: &str,
    values: &[(&str, String)],
) -> Outcome {
    let method = row.method;
    let body = values
        .iter()
        .fold(row.body.to_owned(), |body, (name, value)| {
            body.replace(name, value)
        });
    let request = if path.starts_with("/api/v1") {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header("x-forwarded-for", &asker.ip)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = &asker.token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body.as_str() {
            "" if method != "GET" => "{}".to_owned(),
            _ => body,
        };
        builder.body(Body::from(body)).unwrap()
    } else {
        page_request(asker, method, path, &body)
    };
    let answer = call(router, request).await;
    match answer.status {
        StatusCode::UNAUTHORIZED => Outcome::Login,
        StatusCode::FORBIDDEN => Outcome::Forbidden,
        StatusCode::NOT_FOUND => Outcome::NotFound,
        s if s.is_redirection() && answer.location.starts_with("/connexion") => Outcome::Login,
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => {
            Outcome::Invalid(answer.status.as_u16())
        }
        s => Outcome::Allowed(s.as_u16()),
    }
}

fn allows(allow: Allow, asker: &Asker) -> bool {
    match allow {
        Allow::Anyone => true,
        Allow::SignedIn => asker.role.is_some(),
        Allow::Only(roles) => asker.role.is_some_and(|r| roles.contains(&r)),
        Allow::Unknown | Allow::BodyFirst => false,
        Allow::Flash => asker.role.is_some(),
    }
}

/// The outcome the row expects for this asker on this column: an asker who may act on its own
/// organisation's object but not on another's gets 404 there, never a 403 that would tell the
/// object exists.
fn expected(row: &Row, asker: &Asker, other_org: bool) -> Expect {
    let allow = if other_org { row.other } else { row.own };
    if matches!(allow, Allow::Unknown) {
        Expect::NotFound
    } else if matches!(allow, Allow::BodyFirst) && asker.role.is_some() {
        Expect::RefusedOrInvalid
    } else if allows(allow, asker) {
        Expect::Allowed
    } else if asker.role.is_none() {
        Expect::Login
    } else if other_org
        && allows(row.own, asker)
        && !VISIBLE_ELSEWHERE.contains(&(row.method, row.path, asker.name()))
    {
        Expect::NotFound
    } else {
        Expect::Refused
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Allowed,
    /// 403 or 404.
    Refused,
    NotFound,
    Login,
    /// 403, 404, 400 or 422: nothing done.
    RefusedOrInvalid,
}

impl Expect {
    fn accepts(self, outcome: Outcome) -> bool {
        match self {
            Expect::Allowed => matches!(outcome, Outcome::Allowed(_) | Outcome::Invalid(_)),
            Expect::RefusedOrInvalid => matches!(
                outcome,
                Outcome::Forbidden | Outcome::NotFound | Outcome::Invalid(_)
            ),
            Expect::Refused => matches!(outcome, Outcome::Forbidden | Outcome::NotFound),
            Expect::NotFound => outcome == Outcome::NotFound,
            Expect::Login => outcome == Outcome::Login,
        }
    }
}

#[tokio::test]
async fn route_role_organisation_matrix() {
    let started = std::time::Instant::now();
    let app = TestApp::new(Backend::Sqlite).await.with_demo().await;
    let found = routes(&app.state).await;
    let rows: BTreeSet<(String, String)> = TABLE
        .iter()
        .map(|row| (row.method.to_owned(), row.path.to_owned()))
        .collect();
    let dump = std::env::var("MATRIX_DUMP").is_ok();
    if dump {
        for (method, path) in &found {
            println!("ROUTE\t{method}\t{path}");
        }
    }
    let without_row: Vec<_> = found.difference(&rows).collect();
    let without_route: Vec<_> = rows.difference(&found).collect();
    assert!(
        dump || (without_row.is_empty() && without_route.is_empty()),
        "routes without a row in the matrix: {without_row:#?}\nrows without a route: {without_route:#?}"
    );

    let base_router = app.state.router();
    let mut askers = vec![sign_in(&base_router, None, "10.9.0.1".into()).await];
    for (i, role) in Role::ALL.iter().enumerate() {
        askers.push(sign_in(&base_router, Some(*role), format!("10.9.1.{i}")).await);
    }
    let db = sqlite_path(&app.state.config);
    for asker in askers.iter_mut().skip(1) {
        let email = passerelle::types::demo_email(asker.role.unwrap());
        let account: Vec<Account> = query(
            &db,
            &format!("SELECT id, organisation_id FROM users WHERE email = '{email}'"),
        );
        asker.user_id = account[0].id.clone();
        asker.org_id = account[0].organisation_id.clone();
    }
    seed(&base_router, &db, &askers).await;
    app.state
        .db
        .run(|conn| {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")?;
            Ok(())
        })
        .await
        .expect("checkpoint");
    let snapshot_dir = tempfile::tempdir().expect("temp dir");
    let snapshot = snapshot_dir.path().join("signed-in.db");
    std::fs::copy(&db, &snapshot).expect("snapshot");
    let mut fixtures: BTreeMap<Kind, Vec<FixtureRow>> = BTreeMap::new();
    for row in TABLE {
        if let Some(kind) = row.kind {
            fixtures
                .entry(kind)
                .or_insert_with(|| query(&snapshot, kind.sql()));
        }
    }
    let empty: Vec<_> = fixtures.iter().filter(|(_, l)| l.is_empty()).collect();
    assert!(
        dump || empty.is_empty(),
        "fixture kinds without an object in the demo data: {:?}",
        empty.iter().map(|(k, _)| k).collect::<Vec<_>>()
    );

    let values: Vec<(&str, String)> = BODY_VALUES
        .iter()
        .map(|(name, sql)| {
            let found = ids(&snapshot, sql);
            let value = found.into_iter().next();
            (
                *name,
                value.unwrap_or_else(|| panic!("no value for {name}")),
            )
        })
        .collect();
    if dump {
        for (kind, list) in &fixtures {
            println!("FIXTURE\t{kind:?}\t{}", list.len());
        }
    }
    let mut cells = 0usize;
    let mut failures = Vec::new();
    let mut holes_seen = BTreeSet::new();
    let (_, get_router, _get_dir) = fork(&app.state.config, &snapshot).await;
    for row in TABLE {
        let safe = row.method == "GET";
        let mut forked = if safe {
            None
        } else {
            Some(fork(&app.state.config, &snapshot).await)
        };
        // Visitors and refused roles first: a cell that is allowed may change the object.
        let mut plan: Vec<(&Asker, bool, String)> = Vec::new();
        for asker in &askers {
            match row.kind {
                None => plan.push((asker, false, concrete(row.path, None, row.fill))),
                Some(kind) => {
                    let list = &fixtures[&kind];
                    if let Some(own) = list.iter().find(|f| f.belongs_to(asker)) {
                        let first = Some((own.id.as_str(), own.b.as_deref()));
                        plan.push((asker, false, concrete(row.path, first, row.fill)));
                    }
                    // An object of another organisation (or of another person), when the
                    // demo data has one.
                    if let Some(other) = list.iter().find(|f| !f.belongs_to(asker)) {
                        let first = Some((other.id.as_str(), other.b.as_deref()));
                        plan.push((asker, true, concrete(row.path, first, row.fill)));
                    }
                }
            }
        }
        plan.sort_by_key(|(asker, other, _)| expected(row, asker, *other) == Expect::Allowed);
        let mut observed = Vec::new();
        let mut changed = BTreeSet::new();
        for (asker, other, path) in plan {
            let expect = expected(row, asker, other);
            // An object a previous cell of this row changed (or deleted) is taken afresh.
            let body_changed = !row.body.is_empty() && !changed.is_empty();
            if !safe && (body_changed || row.kind.is_some() && changed.contains(&path)) {
                forked = Some(fork(&app.state.config, &snapshot).await);
            }
            let router = forked.as_ref().map_or(&get_router, |f| &f.1);
            let outcome = ask(router, asker, row, &path, &values).await;
            if matches!(outcome, Outcome::Allowed(status) if status < 400) {
                changed.insert(path.clone());
            }
            cells += 1;
            let column = if other { "other" } else { "own" };
            observed.push((asker.name(), column, outcome));
            let key = (row.method, row.path, asker.name(), column);
            let known = KNOWN_HOLES.contains(&key);
            if known {
                holes_seen.insert(key);
            }
            if expect.accepts(outcome) == known {
                failures.push(format!(
                    "{} {} ({path}) as {} on {column} organisation: expected {expect:?}, got {outcome}{}",
                    row.method,
                    row.path,
                    asker.name(),
                    if known { " (listed in KNOWN_HOLES: fixed? remove it)" } else { "" }
                ));
            }
        }
        if dump {
            let line: Vec<String> = observed
                .iter()
                .map(|(who, column, outcome)| format!("{who}:{column}:{outcome}"))
                .collect();
            println!("CELLS\t{}\t{}\t{}", row.method, row.path, line.join("|"));
        }
    }
    let unseen: Vec<_> = KNOWN_HOLES
        .iter()
        .filter(|hole| !holes_seen.contains(*hole))
        .collect();
    eprintln!(
        "route × role × organisation matrix: {} routes, {cells} cells, {:.1} s",
        TABLE.len(),
        started.elapsed().as_secs_f64()
    );
    if dump {
        return;
    }
    assert!(unseen.is_empty(), "KNOWN_HOLES without a cell: {unseen:#?}");
    assert!(
        failures.is_empty(),
        "{} cells differ from the matrix:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The pages (GET, no parameter in the path, not the API) the table lets this person open
/// (`None`: a visitor): what the crawl of `crate::crawl` must reach by following links.
pub(crate) fn pages_for(role: Option<Role>) -> Vec<&'static str> {
    TABLE
        .iter()
        .filter(|row| row.method == "GET" && row.kind.is_none() && row.fill.is_empty())
        .filter(|row| !row.path.starts_with("/api") && !row.path.contains('{'))
        .filter(|row| match row.own {
            Allow::Anyone => true,
            Allow::SignedIn | Allow::Flash => role.is_some(),
            Allow::Only(roles) => role.is_some_and(|r| roles.contains(&r)),
            Allow::Unknown | Allow::BodyFirst => false,
        })
        .map(|row| row.path)
        .collect()
}
