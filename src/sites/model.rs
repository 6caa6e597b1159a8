//! Coded answers of the visit log and kinds of events: the log is anonymous by design, so
//! every answer is one of these codes, never free text.

use crate::string_enum;

string_enum! {
    /// Age band of a visitor (or of a group).
    AgeBand {
        Under16 => "under_16", "Moins de 16 ans";
        From16To25 => "16_25", "16 à 25 ans";
        From26To44 => "26_44", "26 à 44 ans";
        From45 => "45_plus", "45 ans et plus";
    }
}

string_enum! {
    /// What the visitor does today.
    VisitSituation {
        Pupil => "pupil", "Collégien·ne ou lycéen·ne";
        Student => "student", "Étudiant·e";
        JobSeeker => "job_seeker", "Demandeur·se d’emploi";
        Employee => "employee", "Salarié·e";
        Parent => "parent", "Parent";
        Other => "other", "Autre situation";
    }
}

string_enum! {
    /// What the visit was about.
    Topic {
        DiscoverTrades => "discover_trades", "Découvrir des métiers";
        Orientation => "orientation", "Orientation scolaire";
        Training => "training", "Formation";
        Alternance => "alternance", "Alternance";
        JobSearch => "job_search", "Recherche d’emploi";
        CareerChange => "career_change", "Reconversion";
        Other => "other", "Autre sujet";
    }
}

string_enum! {
    /// A partner the visitor was referred to.
    Referral {
        MissionLocale => "mission_locale", "Mission Locale";
        FranceTravail => "france_travail", "France Travail";
        Cio => "cio", "CIO";
        CapEmploi => "cap_emploi", "Cap emploi";
        TransitionsPro => "transitions_pro", "Transitions Pro";
        TrainingCentre => "training_centre", "Organisme de formation ou CFA";
        Chamber => "chamber", "Chambre consulaire";
        Other => "other", "Autre partenaire";
    }
}

string_enum! {
    /// Kinds of local events of a site's action plan.
    EventKind {
        Workshop => "workshop", "Atelier";
        CompanyVisit => "company_visit", "Visite d’entreprise";
        JobDiscovery => "job_discovery", "Découverte des métiers";
        Information => "information", "Réunion d’information";
    }
}

string_enum! {
    /// Where a site's yearly action plan stands.
    PlanStatus {
        Draft => "draft", "Brouillon";
        Submitted => "submitted", "Transmis à la Région";
        Validated => "validated", "Validé";
        ToRevise => "to_revise", "À revoir";
    }
}

string_enum! {
    /// Where an action of the plan stands.
    PlanActionStatus {
        Planned => "planned", "Prévue";
        Done => "done", "Réalisée";
        Cancelled => "cancelled", "Annulée";
    }
}
