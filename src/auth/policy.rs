//! Who may do what: the one place every handler asks. Handlers load the record, then ask
//! `authorize(user, &Action::…)`; nothing else decides access.

use super::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::types::{OrgKind, OrgStatus, Role};

/// What the policy needs to know of an organisation.
#[derive(Clone, Debug)]
pub struct OrgRef {
    pub id: String,
    pub kind: OrgKind,
    /// Departments it sits in or covers.
    pub departments: Vec<String>,
}

/// What the policy needs to know of an offer.
#[derive(Clone, Debug)]
pub struct OfferRef {
    pub company_id: String,
    pub managed_by_id: String,
    pub department: String,
    /// The managing organisation is the company, or a centre the company still delegates to
    /// (a revoked delegation ends the centre's hand on the offer).
    pub delegated: bool,
}

/// What the policy needs to know of a candidate's profile.
#[derive(Clone, Debug)]
pub struct CandidateRef {
    pub user_id: String,
    pub department: Option<String>,
    pub validated: bool,
    pub visible: bool,
    /// Organisations the candidate applied to: they see the profile whatever its visibility.
    pub applied_to: Vec<String>,
}

/// What the policy needs to know of a pre-registration.
#[derive(Clone, Debug)]
pub struct PrescriptionRef {
    /// The prescriber's agency.
    pub agency_id: String,
    /// The training centre of the session.
    pub centre_id: String,
    /// Funder organisations of the session's action.
    pub funder_ids: Vec<String>,
}

/// What the policy needs to know of a candidate accompanied by an insertion structure.
#[derive(Clone, Debug)]
pub struct AccompanimentRef {
    /// The agency the candidate named.
    pub agency_id: String,
    /// The candidate agreed that the agency follows their applications.
    pub follow_consented: bool,
}

/// What the policy needs to know of a job-discovery request: the company offering the
/// action and the school asking for it.
#[derive(Clone, Debug)]
pub struct DiscoveryRequestRef {
    pub company_id: String,
    pub school_id: String,
}

/// What the policy needs to know of a need published by a school (or an Espace Métiers) for
/// a job-discovery action, as seen by the person asking: whether the need's place lies within
/// reach of the asker's organisation and whether its trades are among the asker's.
#[derive(Clone, Debug)]
pub struct DiscoveryNeedRef {
    pub school_id: String,
    /// The department of the place where the group can go.
    pub department: String,
    /// The asker's organisation sits within the need's radius.
    pub within_reach: bool,
    /// The need welcomes every trade, or one of the asker's trades (the ROME codes of its
    /// discovery actions and offers).
    pub trades_match: bool,
}

/// What the policy needs to know of a request to the information line.
#[derive(Clone, Debug)]
pub struct HelplineRef {
    /// The information partner it is routed to, if any.
    pub partner_id: Option<String>,
}

/// What the policy needs to know of a partner's proposal of a news item or an event.
#[derive(Clone, Debug)]
pub struct ProposalRef {
    /// The organisation that proposed it.
    pub organisation_id: String,
}

#[derive(Clone, Debug)]
pub enum Action<'a> {
    /// See a candidate's profile and CV (the candidate; validated recruiters and training
    /// centres once the profile is validated and visible; the chamber of the territory).
    ViewCandidate(&'a CandidateRef),
    /// Validate or reject a candidate's profile.
    ModerateCandidate(&'a CandidateRef),
    /// See the queue of profiles waiting for validation.
    ViewCandidateQueue,
    /// Search the CVs of candidates.
    SearchCandidates,
    /// Keep (see, delete) a CV alert: its owner, while they may search CVs.
    KeepCvAlert { owner_id: &'a str },
    /// Keep a basket of offers and saved searches with alerts and feeds (candidates).
    KeepOfferBasket,
    /// Keep one's own candidate profile, CV and data, apply to offers and follow one's
    /// applications (candidates).
    ActAsCandidate,
    /// See and answer the applications an organisation receives (its recruiters and
    /// training staff).
    ReceiveApplications,
    /// Ask to contact a candidate whose profile one may see (recruiters, training staff).
    ContactCandidate,
    /// Answer the quarterly satisfaction survey on pre-registrations (prescribers and
    /// centres' staff).
    AnswerPrescriptionSurvey,
    /// Post an offer for a company (its own recruiters once validated, or a training centre
    /// the company delegated to).
    CreateOfferFor {
        company: &'a OrgRef,
        delegated: bool,
    },
    /// Edit, submit, withdraw, mark filled or extend an offer.
    ManageOffer(&'a OfferRef),
    /// Approve or reject an offer waiting for moderation.
    ModerateOffer(&'a OfferRef),
    /// See the queue of offers waiting for moderation.
    ViewOfferModerationQueue,
    /// See the offers and candidate profiles of one's territory that still use a reference
    /// code the official files retired (registration officers; the regional team: all).
    ViewRetiredCodeUses,
    /// See an organisation's identity card and staff list.
    ViewOrganisation(&'a OrgRef),
    /// Invite staff to an organisation.
    ManageStaff(&'a OrgRef),
    /// Give this role to a person of this organisation (by invitation or by a change of
    /// role; `org` is `None` for a person outside any organisation): an organisation's
    /// administrator grants only roles at or below their own within their organisation;
    /// the roles of [`REGION_GRANTED_ROLES`] come from a regional administrator only.
    GrantRole { org: Option<&'a OrgRef>, role: Role },
    /// See the queue of companies waiting for validation.
    ViewValidationQueue,
    /// Validate or reject a company's account.
    ValidateCompany(&'a OrgRef),
    /// List accounts, change roles, disable accounts.
    AdministerAccounts,
    /// Create organisations and set their territory.
    ManageOrganisations,
    /// See the mail outbox and the job queue.
    ViewOperations,
    /// Read the audit log.
    ViewAuditLog,
    /// Set how long each kind of personal data is kept, within its legal bounds (the
    /// regional team only: the region is the controller).
    ManageRetention,
    /// Send files through an import profile of this organisation and see its runs (its staff,
    /// once the organisation is validated).
    UseImports(&'a OrgRef),
    /// Create and edit the organisation's import profiles (its administrators, once the
    /// organisation is validated).
    ManageImportProfiles(&'a OrgRef),
    /// Register the addresses where this organisation's software receives signed events
    /// about the offers it manages and their applications (webhooks), see their secret and
    /// their delivery log (the organisation's administrators, for organisations that receive
    /// applications; never the regional team: the secret is the partner's).
    ManageWebhooks(&'a OrgRef),
    /// Let a training centre manage this company's offers (the company's administrators), or
    /// record such a delegation (the chamber covering the company).
    GrantDelegation(&'a OrgRef),
    /// End a delegation of this company (its administrators only: the company's decision,
    /// never the regional team's).
    RevokeDelegation(&'a OrgRef),
    /// Let an organisation's imported offers publish without review (the chamber covering it).
    TrustImports(&'a OrgRef),
    /// See every partner's import runs.
    ViewAllImports,
    /// Work the France Travail gateway queue (France Travail's regional platform).
    UseGateway,
    /// Pre-register a person on a funded session (advisers of France Travail, Missions
    /// Locales and Cap emploi).
    Prescribe,
    /// See a pre-registration's progress and figures (the prescriber's agency, the centre, the
    /// session's funders).
    ViewPrescription(&'a PrescriptionRef),
    /// See the person behind a pre-registration (name, birth date, e-mail, phone, France
    /// Travail identifier), the motive and the thread: the prescriber's agency and the centre
    /// only; funders see figures and anonymised rows.
    ViewPrescriptionPerson(&'a PrescriptionRef),
    /// Return the selection result, the entry and its outcome (the centre's staff).
    DecidePrescription(&'a PrescriptionRef),
    /// Withdraw a pre-registration before a decision (the prescriber's agency).
    WithdrawPrescription(&'a PrescriptionRef),
    /// See the list of candidates who let one's agency follow their applications (advisers).
    FollowAccompaniedCandidates,
    /// Follow one candidate's applications: the advisers of the agency the candidate named,
    /// while the candidate agrees (nobody else, not even the regional team).
    FollowCandidateApplications(&'a AccompanimentRef),
    /// Record where the person is six months after leaving the training (the prescriber's
    /// agency, which follows the person).
    RecordPrescriptionFollowup(&'a PrescriptionRef),
    /// Write in a pre-registration's thread (the agency and the centre; funders read).
    WritePrescriptionMessage(&'a PrescriptionRef),
    /// Set the decision delay given to centres and ask for LHÉO funder codes (a funder's staff).
    KeepFunderSettings,
    /// Approve or refuse the LHÉO funder codes funders ask for (regional administrators).
    ApproveFunderCodes,
    /// Keep a session's recruitment state and places (its publisher's staff and its centre's).
    ManageSession {
        publisher_id: &'a str,
        centre_id: Option<&'a str>,
    },
    /// Create courses and sessions of the practitioner training programme, see their
    /// registrations, attendance and evaluations (the regional team: editors).
    ManageProgramme,
    /// Register for a session of the practitioner training programme (staff of a partner
    /// organisation).
    RegisterForProgramme,
    /// Cancel a registration (the person registered, or the regional team).
    CancelProgrammeRegistration { registrant_id: &'a str },
    /// Fill in the evaluation of a session one attended (the attendee only).
    EvaluateProgrammeSession { registrant_id: &'a str },
    /// Publish news, agenda events and documentation pages, the resources reserved to
    /// professionals included (editors).
    PublishContent,
    /// Propose news and agenda events (open days, job-dating…) for the editors to publish
    /// (training centres' staff and chambers' registration officers).
    ProposeContent,
    /// See one's organisation's proposal, its state and the reason of a refusal, and edit it
    /// while it waits (its organisation's proposing staff only: the regional team never
    /// writes in a partner's place).
    FollowProposal(&'a ProposalRef),
    /// See the queue of partners' proposals, publish or refuse them with a reason (editors).
    ReviewProposals,
    /// Read the resources reserved to professionals of orientation, training and employment
    /// (the staff of every partner organisation except companies; not candidates).
    ViewProResources,
    /// Run an Espace Métiers site of this host organisation: its details, visit log, events,
    /// registrations and figures (the host's coordinators).
    ManageSite { host_id: &'a str },
    /// Open a new site for this host organisation (its coordinators).
    CreateSiteFor { host_id: &'a str },
    /// See visit figures (coordinators: their host's sites; the regional team: all).
    ViewSiteFigures,
    /// Keep the catalogue of travelling exhibitions (editors).
    ManageExhibitions,
    /// Write, preview, test and send the region's information campaigns (editors and the
    /// regional team).
    ManageCampaigns,
    /// Book an exhibition for a site of this host (its coordinators).
    BookExhibition { host_id: &'a str },
    /// Attach a site to a central site as its relay, or detach it (the regional team: the
    /// network's shape is the region's decision, not a host's).
    AttachRelaySite,
    /// See a site's visit and event figures: its host's coordinators, the coordinators of the
    /// central site it is a relay of, the regional team.
    ViewSiteFiguresOf {
        host_id: &'a str,
        central_host_id: Option<&'a str>,
    },
    /// Write a site's yearly action plan and its results, submit it (the host's coordinators
    /// only: the regional team reviews, it does not write in the site's place).
    WriteSitePlan { host_id: &'a str },
    /// Read a site's action plan (the host's coordinators; the regional team).
    ViewSitePlan { host_id: &'a str },
    /// Review the sites' action plans: « validé » or « à revoir » with a reason (the regional
    /// team).
    ReviewSitePlans,
    /// Offer job-discovery actions (recruiters of a validated company, professional
    /// branches through their partner organisation).
    OfferDiscoveryActions,
    /// Edit or withdraw an action and see its figures (its organisation's staff).
    ManageDiscoveryAction { organisation_id: &'a str },
    /// Ask a company for a job-discovery action for a group (teachers and counsellors).
    RequestDiscoveryAction,
    /// See a request (the company's staff and the school's).
    ViewDiscoveryRequest(&'a DiscoveryRequestRef),
    /// Accept, propose another date, decline; record attendance (the company's staff).
    AnswerDiscoveryRequest(&'a DiscoveryRequestRef),
    /// Accept a proposed date, record attendance (the school's teachers).
    FollowDiscoveryRequest(&'a DiscoveryRequestRef),
    /// Publish a need for a group: class, level, period, place, trades (teachers and
    /// counsellors; Espaces Métiers coordinators for their visitors' groups).
    PublishDiscoveryNeed,
    /// See a need: its school's staff; companies that offer actions, when the need is
    /// within reach and its trades match theirs; professional branches (partner
    /// organisations) when its trades match, wherever it is; chambers' advisers in their
    /// departments; the regional team.
    ViewDiscoveryNeed(&'a DiscoveryNeedRef),
    /// Answer a need with a proposal (companies and branches that see it).
    ProposeForDiscoveryNeed(&'a DiscoveryNeedRef),
    /// Accept or decline the proposals made for a need, withdraw it (its school's staff).
    DecideDiscoveryProposals(&'a DiscoveryNeedRef),
    /// Enter a job-discovery action on a company's behalf, one by one or by a bulk import
    /// (chambers' advisers for companies of their departments; professional branches).
    EnterDiscoveryActionFor(&'a OrgRef),
    /// Withdraw an action one's organisation entered for a company, until the company
    /// takes it over (the chamber's or branch's staff who may enter actions).
    KeepEnteredDiscoveryAction { entered_by_org: &'a str },
    /// See the regional figures of job discovery (the regional team; chambers' advisers for
    /// their departments).
    ViewDiscoveryFigures,
    /// Work the information line: log calls, answer, route, close, reopen, topics, figures
    /// (information officers).
    WorkHelpline,
    /// See the list of requests: officers all of them, partner responders those routed to
    /// their organisation.
    ViewHelplineQueue,
    /// See one request (officers; the responders of the partner it is routed to).
    ViewHelplineRequest(&'a HelplineRef),
    /// Answer a request routed to one's organisation (partner responders).
    AnswerHelplineAsPartner(&'a HelplineRef),
    /// Choose which information officers receive escalations (regional administrators).
    ManageHelplineSupervisors,
    /// See a partner's restricted fields (SIRET, every contact), its onboarding checklist,
    /// charter signatures and contributions (its own staff; the regional administrator).
    ViewPartnerRestricted(&'a OrgRef),
    /// Keep a partner's contacts and public description, choose its public contact (its
    /// administrators; the regional administrator).
    ManagePartnerCard(&'a OrgRef),
    /// Sign the current charter version for the organisation (its administrators only: the
    /// regional team never signs in a partner's place).
    SignCharter(&'a OrgRef),
    /// Keep the partner directory and governance: record onboarding steps, publish charter
    /// versions, renewals and contributions (the regional administrator).
    ManagePartners,
    /// Open a site for any host organisation, choosing the host (the regional team).
    ChooseSiteHost,
    /// Read the results of the quarterly satisfaction survey (funders and the regional team).
    ViewSurveyResults,
    /// See the offers one's organisation posts or manages (recruiters and training staff).
    Recruit,
    /// Post new offers (recruiters and training staff of a validated organisation).
    PostOffers,
    /// Post and manage offers for the companies that delegated them to one's centre, rather
    /// than for one's own organisation (training staff).
    ActForDelegatingCompanies,
}

/// Kinds of rows a list, search, export or dashboard shows; [`scope`] says which of them a
/// person sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rows {
    /// What a territory validates: companies, candidates' profiles, offers to moderate.
    Territory,
    /// Pre-registrations and their figures.
    Prescriptions,
    /// Beneficiaries counted in the evaluation annex.
    Beneficiaries,
    /// Espaces Métiers sites run by the person.
    Sites,
    /// Requests for job-discovery actions.
    DiscoveryRequests,
    /// The figures of a person's dashboard.
    Indicators,
}

/// Which rows a person sees: the one answer every list, search, export and dashboard query
/// takes, instead of deciding by role where the query is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every row of the instance (the regional team).
    Region,
    /// Rows in these departments (a chamber's registration officers).
    Departments(Vec<String>),
    /// Rows of this company (its recruiters; a professional branch answering as a company).
    Company(String),
    /// Rows of this training centre (its staff).
    Centre(String),
    /// Rows of this prescribing agency (its advisers).
    Agency(String),
    /// Rows of the sessions this funder funds (its staff).
    Funder(String),
    /// Rows of this site host (its coordinators).
    Host(String),
    /// Rows of this school (its teachers and counsellors).
    School(String),
    /// No row at all.
    Nothing,
}

impl Scope {
    /// The organisation the rows belong to, for the scopes of one organisation.
    pub fn organisation(&self) -> Option<&str> {
        match self {
            Scope::Company(o)
            | Scope::Centre(o)
            | Scope::Agency(o)
            | Scope::Funder(o)
            | Scope::Host(o)
            | Scope::School(o) => Some(o),
            Scope::Region | Scope::Departments(_) | Scope::Nothing => None,
        }
    }

    /// The departments of a territorial scope: the instance's for the region, the covered ones
    /// for a chamber; none otherwise.
    pub fn department_codes(&self, conn: &mut crate::db::DbConnection) -> AppResult<Vec<String>> {
        Ok(match self {
            Scope::Region => crate::referential::store::departments_all(conn)?
                .into_iter()
                .map(|d| d.code)
                .collect(),
            Scope::Departments(d) => d.clone(),
            _ => Vec::new(),
        })
    }

    /// The scope, or 403 when it holds no row (for pages that exist only for those who have
    /// some).
    pub fn or_forbidden(self) -> AppResult<Scope> {
        match self {
            Scope::Nothing => Err(AppError::forbidden()),
            s => Ok(s),
        }
    }
}

/// Which rows of this kind the person sees.
pub fn scope(user: &CurrentUser, rows: Rows) -> Scope {
    if user.role == Role::RegionalAdmin {
        return Scope::Region;
    }
    let Some(org) = user.organisation_id.clone() else {
        return Scope::Nothing;
    };
    match (rows, user.role) {
        (Rows::Territory | Rows::Indicators, Role::RegistrationOfficer) => {
            Scope::Departments(user.departments.clone())
        }
        (Rows::Prescriptions | Rows::Beneficiaries | Rows::Indicators, Role::Prescriber) => {
            Scope::Agency(org)
        }
        (Rows::Prescriptions | Rows::Beneficiaries | Rows::Indicators, Role::TrainingStaff) => {
            Scope::Centre(org)
        }
        (Rows::Prescriptions | Rows::Indicators, Role::Funder) => Scope::Funder(org),
        (Rows::Indicators, Role::Recruiter) => Scope::Company(org),
        (Rows::Sites, Role::SiteCoordinator) => Scope::Host(org),
        (Rows::DiscoveryRequests, Role::Recruiter | Role::PartnerResponder) => Scope::Company(org),
        (Rows::DiscoveryRequests, Role::Teacher | Role::SiteCoordinator) => Scope::School(org),
        _ => Scope::Nothing,
    }
}

/// Roles only a regional administrator gives: they reach beyond one partner organisation.
pub const REGION_GRANTED_ROLES: [Role; 4] = [
    Role::RegionalAdmin,
    Role::Editor,
    Role::InfoOfficer,
    Role::GatewayAgent,
];

fn same_org(user: &CurrentUser, org: &OrgRef) -> bool {
    user.organisation_id.as_deref() == Some(org.id.as_str())
}

fn covers(user: &CurrentUser, org: &OrgRef) -> bool {
    org.departments.iter().any(|d| user.departments.contains(d))
}

pub fn allows(user: &CurrentUser, action: &Action<'_>) -> bool {
    if user.role == Role::RegionalAdmin {
        // The regional team sees everything but does not act in place of an adviser or a
        // centre on someone's pre-registration, nor hold a partner's webhook secret.
        return !matches!(
            action,
            Action::Prescribe
                | Action::DecidePrescription(_)
                | Action::WithdrawPrescription(_)
                | Action::RecordPrescriptionFollowup(_)
                | Action::FollowAccompaniedCandidates
                | Action::FollowCandidateApplications(_)
                | Action::WritePrescriptionMessage(_)
                | Action::SignCharter(_)
                | Action::EvaluateProgrammeSession { .. }
                | Action::RequestDiscoveryAction
                | Action::AnswerDiscoveryRequest(_)
                | Action::FollowDiscoveryRequest(_)
                | Action::OfferDiscoveryActions
                | Action::PublishDiscoveryNeed
                | Action::ProposeForDiscoveryNeed(_)
                | Action::DecideDiscoveryProposals(_)
                | Action::EnterDiscoveryActionFor(_)
                | Action::KeepEnteredDiscoveryAction { .. }
                | Action::KeepFunderSettings
                | Action::ActAsCandidate
                | Action::ReceiveApplications
                | Action::ContactCandidate
                | Action::AnswerPrescriptionSurvey
                | Action::RevokeDelegation(_)
                | Action::PostOffers
                | Action::ActForDelegatingCompanies
                | Action::ProposeContent
                | Action::FollowProposal(_)
                | Action::ManageWebhooks(_)
                | Action::WriteSitePlan { .. }
        ) || matches!(action, Action::EvaluateProgrammeSession { registrant_id } if *registrant_id == user.id);
    }
    match action {
        Action::ViewCandidate(c) => {
            user.id == c.user_id
                || (matches!(user.role, Role::Recruiter | Role::TrainingStaff)
                    && user
                        .organisation_id
                        .as_ref()
                        .is_some_and(|o| c.applied_to.contains(o)))
                || (matches!(user.role, Role::Recruiter | Role::TrainingStaff)
                    && user.organisation_validated()
                    && c.validated
                    && c.visible)
                || (user.role == Role::RegistrationOfficer
                    && c.department
                        .as_ref()
                        .is_some_and(|d| user.departments.contains(d)))
        }
        Action::ModerateCandidate(c) => {
            user.role == Role::RegistrationOfficer
                && c.department
                    .as_ref()
                    .is_some_and(|d| user.departments.contains(d))
        }
        Action::ViewCandidateQueue => user.role == Role::RegistrationOfficer,
        Action::SearchCandidates => {
            matches!(user.role, Role::Recruiter | Role::TrainingStaff)
                && user.organisation_validated()
        }
        Action::KeepCvAlert { owner_id } => {
            *owner_id == user.id
                && matches!(user.role, Role::Recruiter | Role::TrainingStaff)
                && user.organisation_validated()
        }
        Action::KeepOfferBasket | Action::ActAsCandidate => user.role == Role::Candidate,
        Action::ReceiveApplications => {
            matches!(user.role, Role::Recruiter | Role::TrainingStaff)
                && user.organisation_id.is_some()
        }
        Action::ContactCandidate => matches!(user.role, Role::Recruiter | Role::TrainingStaff),
        Action::AnswerPrescriptionSurvey => {
            matches!(user.role, Role::Prescriber | Role::TrainingStaff)
        }
        Action::CreateOfferFor { company, delegated } => match user.role {
            Role::Recruiter => same_org(user, company) && user.organisation_validated(),
            Role::TrainingStaff => *delegated && user.organisation_validated(),
            _ => false,
        },
        Action::ManageOffer(offer) => {
            let mine = |id: &str| user.organisation_id.as_deref() == Some(id);
            match user.role {
                Role::Recruiter => mine(&offer.company_id) && user.organisation_validated(),
                Role::TrainingStaff => mine(&offer.managed_by_id) && offer.delegated,
                _ => false,
            }
        }
        Action::ModerateOffer(offer) => {
            user.role == Role::RegistrationOfficer && user.departments.contains(&offer.department)
        }
        Action::ViewOfferModerationQueue => user.role == Role::RegistrationOfficer,
        Action::ViewRetiredCodeUses => user.role == Role::RegistrationOfficer,
        Action::ViewOrganisation(org) => {
            same_org(user, org)
                || (user.role == Role::RegistrationOfficer
                    && org.kind == OrgKind::Company
                    && covers(user, org))
        }
        Action::ManageStaff(org) => same_org(user, org) && user.is_org_admin,
        // Within one organisation the roles left once the region's are set aside are not
        // ranked: an administrator grants those of their organisation's kind.
        Action::GrantRole { org, role } => org.is_some_and(|org| {
            same_org(user, org)
                && user.is_org_admin
                && role.organisation_kind() == Some(org.kind)
                && !REGION_GRANTED_ROLES.contains(role)
        }),
        Action::ViewValidationQueue => user.role == Role::RegistrationOfficer,
        Action::ValidateCompany(org) => {
            user.role == Role::RegistrationOfficer
                && org.kind == OrgKind::Company
                && covers(user, org)
        }
        Action::UseImports(org) => {
            same_org(user, org)
                && organisation_may_import(user.organisation_status)
                && matches!(
                    user.role,
                    Role::TrainingStaff
                        | Role::RegistrationOfficer
                        | Role::Recruiter
                        | Role::Funder
                )
        }
        Action::ManageImportProfiles(org) => {
            same_org(user, org)
                && organisation_may_import(user.organisation_status)
                && user.is_org_admin
                && matches!(
                    user.role,
                    Role::TrainingStaff
                        | Role::RegistrationOfficer
                        | Role::Recruiter
                        | Role::Funder
                )
        }
        Action::ManageWebhooks(org) => {
            same_org(user, org)
                && user.is_org_admin
                && matches!(user.role, Role::Recruiter | Role::TrainingStaff)
        }
        Action::GrantDelegation(org) => {
            org.kind == OrgKind::Company
                && ((same_org(user, org) && user.is_org_admin && user.role == Role::Recruiter)
                    || (user.role == Role::RegistrationOfficer && covers(user, org)))
        }
        Action::RevokeDelegation(org) => {
            org.kind == OrgKind::Company
                && same_org(user, org)
                && user.is_org_admin
                && user.role == Role::Recruiter
        }
        Action::TrustImports(org) => user.role == Role::RegistrationOfficer && covers(user, org),
        Action::UseGateway => user.role == Role::GatewayAgent,
        Action::Prescribe => user.role == Role::Prescriber && user.organisation_id.is_some(),
        Action::ViewPrescription(p) => {
            let org = user.organisation_id.as_deref();
            match user.role {
                Role::Prescriber => org == Some(p.agency_id.as_str()),
                Role::TrainingStaff => org == Some(p.centre_id.as_str()),
                Role::Funder => org.is_some_and(|o| p.funder_ids.iter().any(|f| f == o)),
                _ => false,
            }
        }
        Action::ViewPrescriptionPerson(p) => {
            let org = user.organisation_id.as_deref();
            (user.role == Role::Prescriber && org == Some(p.agency_id.as_str()))
                || (user.role == Role::TrainingStaff && org == Some(p.centre_id.as_str()))
        }
        Action::DecidePrescription(p) => {
            user.role == Role::TrainingStaff
                && user.organisation_id.as_deref() == Some(p.centre_id.as_str())
        }
        Action::FollowAccompaniedCandidates => user.role == Role::Prescriber,
        Action::FollowCandidateApplications(a) => {
            user.role == Role::Prescriber
                && a.follow_consented
                && user.organisation_id.as_deref() == Some(a.agency_id.as_str())
        }
        Action::WithdrawPrescription(p) | Action::RecordPrescriptionFollowup(p) => {
            user.role == Role::Prescriber
                && user.organisation_id.as_deref() == Some(p.agency_id.as_str())
        }
        Action::WritePrescriptionMessage(p) => {
            let org = user.organisation_id.as_deref();
            (user.role == Role::Prescriber && org == Some(p.agency_id.as_str()))
                || (user.role == Role::TrainingStaff && org == Some(p.centre_id.as_str()))
        }
        Action::KeepFunderSettings => user.role == Role::Funder && user.organisation_id.is_some(),
        Action::ManageSession {
            publisher_id,
            centre_id,
        } => {
            let org = user.organisation_id.as_deref();
            matches!(user.role, Role::TrainingStaff | Role::Funder)
                && org.is_some()
                && (org == Some(*publisher_id) || org == *centre_id)
        }
        Action::ManageProgramme | Action::PublishContent | Action::ReviewProposals => {
            user.role == Role::Editor
        }
        Action::ProposeContent => {
            matches!(user.role, Role::TrainingStaff | Role::RegistrationOfficer)
                && user.organisation_id.is_some()
        }
        Action::FollowProposal(p) => {
            matches!(user.role, Role::TrainingStaff | Role::RegistrationOfficer)
                && user.organisation_id.as_deref() == Some(p.organisation_id.as_str())
        }
        // The audience of the practitioner programme: people of a partner organisation who
        // inform, train, place or fund, not companies nor candidates.
        Action::ViewProResources => {
            user.organisation_id.is_some()
                && !matches!(user.role, Role::Candidate | Role::Recruiter)
        }
        Action::RegisterForProgramme => {
            user.organisation_id.is_some()
                && !matches!(user.role, Role::Candidate | Role::Recruiter)
        }
        Action::CancelProgrammeRegistration { registrant_id } => {
            user.id == *registrant_id || user.role == Role::Editor
        }
        Action::EvaluateProgrammeSession { registrant_id } => user.id == *registrant_id,
        Action::ManageSite { host_id }
        | Action::CreateSiteFor { host_id }
        | Action::BookExhibition { host_id } => {
            user.role == Role::SiteCoordinator && user.organisation_id.as_deref() == Some(*host_id)
        }
        Action::ManageExhibitions => user.role == Role::Editor,
        Action::ManageCampaigns => user.role == Role::Editor,
        Action::ViewSiteFigures => user.role == Role::SiteCoordinator,
        Action::ViewSiteFiguresOf {
            host_id,
            central_host_id,
        } => {
            let org = user.organisation_id.as_deref();
            user.role == Role::SiteCoordinator
                && org.is_some()
                && (org == Some(*host_id) || org == *central_host_id)
        }
        Action::WriteSitePlan { host_id } | Action::ViewSitePlan { host_id } => {
            user.role == Role::SiteCoordinator && user.organisation_id.as_deref() == Some(*host_id)
        }
        Action::OfferDiscoveryActions => match user.role {
            Role::Recruiter => user.organisation_validated(),
            Role::PartnerResponder => user.organisation_id.is_some(),
            _ => false,
        },
        Action::ManageDiscoveryAction { organisation_id } => {
            matches!(user.role, Role::Recruiter | Role::PartnerResponder)
                && user.organisation_id.as_deref() == Some(*organisation_id)
        }
        Action::RequestDiscoveryAction | Action::PublishDiscoveryNeed => {
            matches!(user.role, Role::Teacher | Role::SiteCoordinator)
                && user.organisation_id.is_some()
        }
        Action::ViewDiscoveryRequest(r) => {
            let org = user.organisation_id.as_deref();
            (matches!(user.role, Role::Recruiter | Role::PartnerResponder)
                && org == Some(r.company_id.as_str()))
                || (matches!(user.role, Role::Teacher | Role::SiteCoordinator)
                    && org == Some(r.school_id.as_str()))
        }
        Action::ViewDiscoveryNeed(n) => {
            allows(user, &Action::DecideDiscoveryProposals(n))
                || allows(user, &Action::ProposeForDiscoveryNeed(n))
                || (user.role == Role::RegistrationOfficer
                    && user.departments.contains(&n.department))
        }
        Action::ProposeForDiscoveryNeed(n) => {
            allows(user, &Action::OfferDiscoveryActions)
                && n.trades_match
                && (n.within_reach || user.role == Role::PartnerResponder)
        }
        Action::DecideDiscoveryProposals(n) => {
            matches!(user.role, Role::Teacher | Role::SiteCoordinator)
                && user.organisation_id.as_deref() == Some(n.school_id.as_str())
        }
        Action::EnterDiscoveryActionFor(company) => {
            company.kind == OrgKind::Company
                && user.organisation_id.is_some()
                && match user.role {
                    Role::RegistrationOfficer => covers(user, company),
                    Role::PartnerResponder => true,
                    _ => false,
                }
        }
        Action::KeepEnteredDiscoveryAction { entered_by_org } => {
            matches!(
                user.role,
                Role::RegistrationOfficer | Role::PartnerResponder
            ) && user.organisation_id.as_deref() == Some(*entered_by_org)
        }
        Action::ViewDiscoveryFigures => user.role == Role::RegistrationOfficer,
        Action::AnswerDiscoveryRequest(r) => {
            matches!(user.role, Role::Recruiter | Role::PartnerResponder)
                && user.organisation_id.as_deref() == Some(r.company_id.as_str())
        }
        Action::FollowDiscoveryRequest(r) => {
            matches!(user.role, Role::Teacher | Role::SiteCoordinator)
                && user.organisation_id.as_deref() == Some(r.school_id.as_str())
        }
        Action::WorkHelpline => user.role == Role::InfoOfficer,
        Action::ViewHelplineQueue => {
            user.role == Role::InfoOfficer
                || (user.role == Role::PartnerResponder && user.organisation_id.is_some())
        }
        Action::ViewHelplineRequest(r) | Action::AnswerHelplineAsPartner(r) => {
            (user.role == Role::InfoOfficer && matches!(action, Action::ViewHelplineRequest(_)))
                || (user.role == Role::PartnerResponder
                    && user.organisation_id.is_some()
                    && user.organisation_id == r.partner_id)
        }
        Action::ViewPartnerRestricted(org) => same_org(user, org),
        Action::ManagePartnerCard(org) | Action::SignCharter(org) => {
            same_org(user, org) && user.is_org_admin
        }
        Action::ViewSurveyResults => user.role == Role::Funder,
        Action::Recruit => matches!(user.role, Role::Recruiter | Role::TrainingStaff),
        Action::PostOffers => {
            matches!(user.role, Role::Recruiter | Role::TrainingStaff)
                && user.organisation_validated()
        }
        Action::ActForDelegatingCompanies => user.role == Role::TrainingStaff,
        Action::ChooseSiteHost
        | Action::AttachRelaySite
        | Action::ReviewSitePlans
        | Action::ManageHelplineSupervisors
        | Action::ApproveFunderCodes
        | Action::ManagePartners
        | Action::AdministerAccounts
        | Action::ViewAllImports
        | Action::ManageOrganisations
        | Action::ViewOperations
        | Action::ViewAuditLog
        | Action::ManageRetention => false,
    }
}

/// Whether an organisation in this state may import files, on any channel (pages, API, FTPS,
/// command line): only once validated, so that nobody imports in the name of an organisation
/// no one has checked.
pub fn organisation_may_import(status: Option<OrgStatus>) -> bool {
    status == Some(OrgStatus::Active)
}

pub fn authorize(user: &CurrentUser, action: &Action<'_>) -> AppResult<()> {
    if allows(user, action) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}
