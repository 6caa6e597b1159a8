//! The role × action table of the policy module.

use passerelle::auth::CurrentUser;
use passerelle::auth::policy::{Action, DiscoveryRequestRef, OrgRef, ProposalRef, allows};
use passerelle::types::{OrgKind, OrgStatus, Role};

fn person(role: Role, org: Option<&str>, departments: &[&str], admin: bool) -> CurrentUser {
    CurrentUser {
        id: format!("user-{role}"),
        email: format!("{role}@example.org"),
        first_name: "A".into(),
        last_name: "B".into(),
        role,
        organisation_id: org.map(str::to_owned),
        organisation_name: None,
        organisation_kind: role.organisation_kind(),
        organisation_status: Some(OrgStatus::Active),
        is_org_admin: admin,
        departments: departments.iter().map(|d| (*d).to_owned()).collect(),
    }
}

#[test]
fn role_action_table() {
    let company_35 = OrgRef {
        id: "company".into(),
        kind: OrgKind::Company,
        departments: vec!["35".into()],
    };
    let company_29 = OrgRef {
        id: "other-company".into(),
        kind: OrgKind::Company,
        departments: vec!["29".into()],
    };
    let centre = OrgRef {
        id: "centre".into(),
        kind: OrgKind::TrainingCentre,
        departments: vec!["35".into()],
    };

    // (role, own organisation, departments covered, org admin)
    let people = [
        person(Role::Candidate, None, &[], false),
        person(Role::Recruiter, Some("company"), &["35"], true),
        person(Role::Recruiter, Some("company"), &["35"], false),
        person(Role::TrainingStaff, Some("centre"), &["35"], true),
        person(Role::RegistrationOfficer, Some("chamber"), &["35"], false),
        person(Role::Prescriber, Some("agency"), &["35"], false),
        person(Role::Funder, Some("region"), &["35", "29"], false),
        person(Role::GatewayAgent, Some("ft"), &["35"], false),
        person(Role::InfoOfficer, Some("operator"), &["35"], false),
        person(Role::PartnerResponder, Some("onisep"), &["35"], false),
        person(Role::SiteCoordinator, Some("site"), &["35"], false),
        person(Role::Teacher, Some("school"), &["35"], false),
        person(Role::Editor, Some("operator"), &["35"], false),
        person(Role::RegionalAdmin, Some("operator"), &[], false),
    ];
    let actions: [(&str, Action<'_>); 15] = [
        ("view own company", Action::ViewOrganisation(&company_35)),
        ("view company 29", Action::ViewOrganisation(&company_29)),
        ("view centre", Action::ViewOrganisation(&centre)),
        ("manage company staff", Action::ManageStaff(&company_35)),
        ("validation queue", Action::ViewValidationQueue),
        ("validate company 35", Action::ValidateCompany(&company_35)),
        ("validate company 29", Action::ValidateCompany(&company_29)),
        ("administer accounts", Action::AdministerAccounts),
        ("operations", Action::ViewOperations),
        ("audit log", Action::ViewAuditLog),
        ("search CVs", Action::SearchCandidates),
        ("offer basket", Action::KeepOfferBasket),
        ("offer moderation queue", Action::ViewOfferModerationQueue),
        ("profile moderation queue", Action::ViewCandidateQueue),
        ("retired codes in use", Action::ViewRetiredCodeUses),
    ];
    // Expected: one row per person, one column per action (1 = allowed).
    let expected: [[u8; 15]; 14] = [
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0], // candidate
        [1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0], // recruiter, company admin
        [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0], // recruiter
        [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0], // training staff of the centre
        [1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1], // registration officer covering 35 only
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], // prescriber
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], // funder
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], // gateway agent
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], // information officer
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], // partner responder
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], // site coordinator
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], // teacher
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], // editor
        [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], // regional administrator
    ];
    let mut mismatches = Vec::new();
    for (who, row) in people.iter().zip(expected) {
        for ((name, action), want) in actions.iter().zip(row) {
            if allows(who, action) != (want == 1) {
                mismatches.push(format!("{} / {name}: expected {}", who.role, want == 1));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "policy differs from the table:\n{}",
        mismatches.join("\n")
    );
}

/// Espaces Métiers and discovery actions: who may do what (1 = allowed).
#[test]
fn sites_and_discovery_table() {
    let request = DiscoveryRequestRef {
        company_id: "company".into(),
        school_id: "school".into(),
    };
    let people = [
        person(Role::Recruiter, Some("company"), &["35"], false),
        person(Role::Recruiter, Some("other-company"), &["29"], false),
        person(Role::PartnerResponder, Some("onisep"), &["35"], false),
        person(Role::SiteCoordinator, Some("site"), &["22"], false),
        person(Role::SiteCoordinator, Some("other-site"), &["56"], false),
        person(Role::Teacher, Some("school"), &["29"], false),
        person(Role::Teacher, Some("other-school"), &["29"], false),
        person(Role::Editor, Some("operator"), &[], false),
        person(Role::RegionalAdmin, Some("operator"), &[], false),
    ];
    let actions = [
        Action::ManageSite { host_id: "site" },
        Action::BookExhibition { host_id: "site" },
        Action::ViewSiteFigures,
        Action::ManageExhibitions,
        Action::OfferDiscoveryActions,
        Action::ManageDiscoveryAction {
            organisation_id: "company",
        },
        Action::RequestDiscoveryAction,
        Action::ViewDiscoveryRequest(&request),
        Action::AnswerDiscoveryRequest(&request),
        Action::FollowDiscoveryRequest(&request),
    ];
    let expected: [[u8; 10]; 9] = [
        [0, 0, 0, 0, 1, 1, 0, 1, 1, 0], // recruiter of the company
        [0, 0, 0, 0, 1, 0, 0, 0, 0, 0], // recruiter of another company
        [0, 0, 0, 0, 1, 0, 0, 0, 0, 0], // branch (partner)
        [1, 1, 1, 0, 0, 0, 1, 0, 0, 0], // coordinator of the host
        [0, 0, 1, 0, 0, 0, 1, 0, 0, 0], // coordinator of another host
        [0, 0, 0, 0, 0, 0, 1, 1, 0, 1], // teacher of the school
        [0, 0, 0, 0, 0, 0, 1, 0, 0, 0], // teacher of another school
        [0, 0, 0, 1, 0, 0, 0, 0, 0, 0], // editor
        [1, 1, 1, 1, 0, 1, 0, 1, 0, 0], // regional administrator
    ];
    let mut mismatches = Vec::new();
    for (who, row) in people.iter().zip(expected) {
        for (i, (action, want)) in actions.iter().zip(row).enumerate() {
            if allows(who, action) != (want == 1) {
                mismatches.push(format!(
                    "{} {:?} / action {i}: expected {}",
                    who.role,
                    who.organisation_id,
                    want == 1
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn partner_governance_actions() {
    let centre = OrgRef {
        id: "centre".into(),
        kind: OrgKind::TrainingCentre,
        departments: vec!["35".into()],
    };
    // (person, restricted fields, manage card, sign charter, manage partners)
    let table = [
        (
            person(Role::TrainingStaff, Some("centre"), &["35"], true),
            [1, 1, 1, 0],
        ),
        (
            person(Role::TrainingStaff, Some("centre"), &["35"], false),
            [1, 0, 0, 0],
        ),
        (
            person(Role::TrainingStaff, Some("other"), &["35"], true),
            [0, 0, 0, 0],
        ),
        (
            person(Role::Prescriber, Some("agency"), &["35"], true),
            [0, 0, 0, 0],
        ),
        (person(Role::Candidate, None, &[], false), [0, 0, 0, 0]),
        (
            person(Role::Editor, Some("operator"), &["35"], true),
            [0, 0, 0, 0],
        ),
        (
            person(Role::RegionalAdmin, Some("operator"), &[], true),
            [1, 1, 0, 1],
        ),
    ];
    for (who, want) in table {
        let got = [
            allows(&who, &Action::ViewPartnerRestricted(&centre)),
            allows(&who, &Action::ManagePartnerCard(&centre)),
            allows(&who, &Action::SignCharter(&centre)),
            allows(&who, &Action::ManagePartners),
        ];
        let want = want.map(|w| w == 1);
        assert_eq!(got, want, "{} of {:?}", who.role, who.organisation_id);
    }
}

/// Who may give which role, by invitation or change of role (issue 13, hole 2).
#[test]
fn grant_role_table() {
    let org = |id: &str, kind| OrgRef {
        id: id.into(),
        kind,
        departments: vec!["35".into()],
    };
    let agency = org("agency", OrgKind::EmploymentAgency);
    let other_agency = org("agency-29", OrgKind::EmploymentAgency);
    let operator = org("operator", OrgKind::Operator);
    let company = org("company", OrgKind::Company);
    let agency_admin = person(Role::Prescriber, Some("agency"), &["35"], true);
    let adviser = person(Role::Prescriber, Some("agency"), &["35"], false);
    let agent_admin = person(Role::GatewayAgent, Some("agency"), &["35"], true);
    let officer_admin = person(Role::InfoOfficer, Some("operator"), &["35"], true);
    let recruiter_admin = person(Role::Recruiter, Some("company"), &["35"], true);
    let regional = person(Role::RegionalAdmin, Some("operator"), &[], false);
    let cases = [
        (&agency_admin, Some(&agency), Role::Prescriber, true),
        (&agency_admin, Some(&agency), Role::GatewayAgent, false),
        (&agency_admin, Some(&agency), Role::RegionalAdmin, false),
        (&agency_admin, Some(&other_agency), Role::Prescriber, false),
        (&adviser, Some(&agency), Role::Prescriber, false),
        (&agent_admin, Some(&agency), Role::Prescriber, true),
        (&agent_admin, Some(&agency), Role::GatewayAgent, false),
        (&officer_admin, Some(&operator), Role::InfoOfficer, false),
        (&officer_admin, Some(&operator), Role::Editor, false),
        (&officer_admin, Some(&operator), Role::RegionalAdmin, false),
        (&recruiter_admin, Some(&company), Role::Recruiter, true),
        (&recruiter_admin, Some(&company), Role::TrainingStaff, false),
        (&recruiter_admin, None, Role::Candidate, false),
        (&regional, Some(&agency), Role::GatewayAgent, true),
        (&regional, Some(&operator), Role::RegionalAdmin, true),
        (&regional, Some(&operator), Role::Editor, true),
        (&regional, None, Role::Candidate, true),
    ];
    let mismatches: Vec<String> = cases
        .iter()
        .filter(|(who, org, role, want)| {
            allows(
                who,
                &Action::GrantRole {
                    org: *org,
                    role: *role,
                },
            ) != *want
        })
        .map(|(who, org, role, want)| {
            let org = org.map(|o| o.id.as_str()).unwrap_or("none");
            format!(
                "{} (admin: {}) grants {role} in {org}: expected {want}",
                who.role, who.is_org_admin
            )
        })
        .collect();
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// Which rows each role sees: one answer per kind of rows, from the policy.
#[test]
fn scope_table() {
    use passerelle::auth::policy::{Rows, Scope, scope};
    let s = |role: Role, org: Option<&str>, rows: Rows| {
        scope(&person(role, org, &["35", "56"], false), rows)
    };
    let deps = Scope::Departments(vec!["35".into(), "56".into()]);
    // The regional team sees every row of every kind, without an organisation.
    for rows in [
        Rows::Territory,
        Rows::Prescriptions,
        Rows::Beneficiaries,
        Rows::Sites,
        Rows::DiscoveryRequests,
        Rows::Indicators,
    ] {
        assert_eq!(s(Role::RegionalAdmin, None, rows), Scope::Region);
        // A candidate sees none of these lists.
        assert_eq!(s(Role::Candidate, None, rows), Scope::Nothing);
    }
    assert_eq!(
        s(Role::RegistrationOfficer, Some("cci"), Rows::Territory),
        deps
    );
    assert_eq!(
        s(Role::RegistrationOfficer, Some("cci"), Rows::Indicators),
        deps
    );
    assert_eq!(
        s(Role::RegistrationOfficer, Some("cci"), Rows::Prescriptions),
        Scope::Nothing
    );
    // Without an organisation, a partner's role sees nothing (never "everything").
    assert_eq!(
        s(Role::RegistrationOfficer, None, Rows::Territory),
        Scope::Nothing
    );
    assert_eq!(
        s(Role::Prescriber, None, Rows::Prescriptions),
        Scope::Nothing
    );
    assert_eq!(
        s(Role::Prescriber, Some("ft"), Rows::Prescriptions),
        Scope::Agency("ft".into())
    );
    assert_eq!(
        s(Role::Prescriber, Some("ft"), Rows::Beneficiaries),
        Scope::Agency("ft".into())
    );
    assert_eq!(
        s(Role::TrainingStaff, Some("of"), Rows::Prescriptions),
        Scope::Centre("of".into())
    );
    assert_eq!(
        s(Role::TrainingStaff, Some("of"), Rows::Indicators),
        Scope::Centre("of".into())
    );
    assert_eq!(
        s(Role::Funder, Some("region"), Rows::Prescriptions),
        Scope::Funder("region".into())
    );
    // Funders count no beneficiaries of their own in the annex.
    assert_eq!(
        s(Role::Funder, Some("region"), Rows::Beneficiaries),
        Scope::Nothing
    );
    assert_eq!(
        s(Role::Recruiter, Some("co"), Rows::Indicators),
        Scope::Company("co".into())
    );
    assert_eq!(
        s(Role::Recruiter, Some("co"), Rows::DiscoveryRequests),
        Scope::Company("co".into())
    );
    assert_eq!(
        s(Role::Recruiter, Some("co"), Rows::Territory),
        Scope::Nothing
    );
    assert_eq!(
        s(
            Role::PartnerResponder,
            Some("branch"),
            Rows::DiscoveryRequests
        ),
        Scope::Company("branch".into())
    );
    assert_eq!(
        s(Role::Teacher, Some("lycee"), Rows::DiscoveryRequests),
        Scope::School("lycee".into())
    );
    assert_eq!(
        s(Role::SiteCoordinator, Some("host"), Rows::Sites),
        Scope::Host("host".into())
    );
    assert_eq!(s(Role::Editor, Some("region"), Rows::Sites), Scope::Nothing);
    assert_eq!(Scope::Agency("ft".into()).organisation(), Some("ft"));
    assert_eq!(Scope::Region.organisation(), None);
}

/// Partners' proposals and the resources reserved to professionals (1 = allowed).
#[test]
fn content_from_partners_table() {
    let centres = ProposalRef {
        organisation_id: "centre".into(),
    };
    let chambers = ProposalRef {
        organisation_id: "chamber".into(),
    };
    let people = [
        person(Role::Candidate, None, &[], false),
        person(Role::Recruiter, Some("company"), &["35"], true),
        person(Role::TrainingStaff, Some("centre"), &["35"], false),
        person(Role::TrainingStaff, Some("other-centre"), &["29"], true),
        person(Role::RegistrationOfficer, Some("chamber"), &["35"], false),
        person(Role::Prescriber, Some("agency"), &["35"], false),
        person(Role::Teacher, Some("school"), &["35"], false),
        person(Role::Editor, Some("operator"), &["35"], false),
        person(Role::RegionalAdmin, Some("operator"), &[], false),
    ];
    let actions: [(&str, Action<'_>); 6] = [
        ("propose", Action::ProposeContent),
        ("follow the centre's", Action::FollowProposal(&centres)),
        ("follow the chamber's", Action::FollowProposal(&chambers)),
        ("review", Action::ReviewProposals),
        ("publish", Action::PublishContent),
        ("pro resources", Action::ViewProResources),
    ];
    let expected: [[u8; 6]; 9] = [
        [0, 0, 0, 0, 0, 0], // candidate
        [0, 0, 0, 0, 0, 0], // recruiter
        [1, 1, 0, 0, 0, 1], // training staff of the centre
        [1, 0, 0, 0, 0, 1], // training staff of another centre
        [1, 0, 1, 0, 0, 1], // registration officer of the chamber
        [0, 0, 0, 0, 0, 1], // prescriber
        [0, 0, 0, 0, 0, 1], // teacher
        [0, 0, 0, 1, 1, 1], // editor
        [0, 0, 0, 1, 1, 1], // regional administrator: reviews, never proposes for a partner
    ];
    let mut mismatches = Vec::new();
    for (who, row) in people.iter().zip(expected) {
        for ((name, action), want) in actions.iter().zip(row) {
            if allows(who, action) != (want == 1) {
                mismatches.push(format!("{} / {name}: expected {}", who.role, want == 1));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
