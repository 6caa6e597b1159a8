//! One schema for both backends (diesel's `table!`): keep it in step with
//! `migrations/{sqlite,postgres}` (tests/it/schema.rs checks that both agree).

diesel::table! {
    regions (code) {
        code -> Text,
        name -> Text,
    }
}

diesel::table! {
    departments (code) {
        code -> Text,
        name -> Text,
        region_code -> Text,
    }
}

diesel::table! {
    communes (insee_code) {
        insee_code -> Text,
        name -> Text,
        name_folded -> Text,
        department -> Text,
        region -> Text,
        postal_codes -> Text,
        population -> BigInt,
        lat -> Nullable<Double>,
        lon -> Nullable<Double>,
        geo_precision -> Text,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    rome_occupations (code) {
        code -> Text,
        label -> Text,
        label_folded -> Text,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    naf_divisions (code) {
        code -> Text,
        label -> Text,
    }
}

diesel::table! {
    instance_settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    naf_codes (code) {
        code -> Text,
        level -> Text,
        label -> Text,
        label_folded -> Text,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    naf_division_rome (naf_division, rome_code) {
        naf_division -> Text,
        rome_code -> Text,
    }
}

diesel::table! {
    organisations (id) {
        id -> Text,
        kind -> Text,
        name -> Text,
        network -> Nullable<Text>,
        siret -> Nullable<Text>,
        commune_insee -> Nullable<Text>,
        status -> Text,
        rejection_reason -> Nullable<Text>,
        validated_by -> Nullable<Text>,
        validated_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        proposed_by_id -> Nullable<Text>,
    }
}

diesel::table! {
    organisation_departments (organisation_id, department_code) {
        organisation_id -> Text,
        department_code -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        password_hash -> Nullable<Text>,
        first_name -> Text,
        last_name -> Text,
        role -> Text,
        organisation_id -> Nullable<Text>,
        is_org_admin -> Bool,
        status -> Text,
        email_verified_at -> Nullable<Timestamp>,
        birth_date -> Nullable<Date>,
        created_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
        inactivity_warned_at -> Nullable<Timestamp>,
        sex -> Nullable<Text>,
        situation -> Nullable<Text>,
        info_mail_consent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        user_id -> Nullable<Text>,
        csrf_token -> Text,
        flash -> Nullable<Text>,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    user_tokens (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        purpose -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        token_hash -> Text,
        prefix -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Text,
        email -> Text,
        ip -> Text,
        at -> Timestamp,
        channel -> Text,
    }
}

diesel::table! {
    throttle_hits (id) {
        id -> Text,
        action -> Text,
        subject -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        at -> Timestamp,
        actor_user_id -> Nullable<Text>,
        actor_organisation_id -> Nullable<Text>,
        action -> Text,
        target_type -> Nullable<Text>,
        target_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    outbox_mails (id) {
        id -> Text,
        to_address -> Text,
        subject -> Text,
        body_text -> Text,
        status -> Text,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        thread_refs -> Nullable<Text>,
        body_html -> Nullable<Text>,
        extra_headers -> Nullable<Text>,
    }
}

diesel::table! {
    jobs (id) {
        id -> Text,
        kind -> Text,
        payload -> Text,
        status -> Text,
        run_at -> Timestamp,
        attempts -> Integer,
        max_attempts -> Integer,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    schedules (name) {
        name -> Text,
        next_run_at -> Timestamp,
    }
}

diesel::table! {
    delegations (company_id, training_centre_id) {
        company_id -> Text,
        training_centre_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    offers (id) {
        id -> Text,
        company_id -> Text,
        managed_by_id -> Text,
        created_by -> Nullable<Text>,
        title -> Text,
        description -> Text,
        rome_code -> Text,
        contract_type -> Text,
        level -> Integer,
        training -> Nullable<Text>,
        start_date -> Date,
        duration_months -> Integer,
        commune_insee -> Text,
        department -> Text,
        positions -> Integer,
        share_with_france_travail -> Bool,
        status -> Text,
        rejection_reason -> Nullable<Text>,
        moderated_by -> Nullable<Text>,
        moderated_at -> Nullable<Timestamp>,
        published_at -> Nullable<Timestamp>,
        expires_on -> Nullable<Date>,
        expiry_warned_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        import_profile_id -> Nullable<Text>,
        partner_reference -> Nullable<Text>,
        import_digest -> Nullable<Text>,
    }
}

diesel::table! {
    gateway_entries (id) {
        id -> Text,
        offer_id -> Text,
        action -> Text,
        status -> Text,
        ft_code -> Nullable<Text>,
        agency -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        processed_at -> Nullable<Timestamp>,
        processed_by -> Nullable<Text>,
    }
}

diesel::table! {
    import_profiles (id) {
        id -> Text,
        organisation_id -> Text,
        identifier -> Text,
        name -> Text,
        preset -> Text,
        mapping -> Text,
        mode -> Text,
        defaults -> Text,
        trusted -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        allow_pending_companies -> Bool,
    }
}

diesel::table! {
    import_runs (id) {
        id -> Text,
        profile_id -> Text,
        organisation_id -> Text,
        user_id -> Nullable<Text>,
        channel -> Text,
        file_name -> Text,
        file_sha256 -> Text,
        file_bytes -> BigInt,
        status -> Text,
        error -> Nullable<Text>,
        received -> Integer,
        created -> Integer,
        updated -> Integer,
        unchanged -> Integer,
        withdrawn -> Integer,
        rejected -> Integer,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        duration_ms -> Nullable<BigInt>,
        content -> Text,
        runner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        file_id -> Nullable<Text>,
        ftps_path -> Nullable<Text>,
        queued_at -> Nullable<Timestamp>,
        attempts -> Integer,
        report_file_id -> Nullable<Text>,
    }
}

diesel::table! {
    ftps_folders (profile_id, path) {
        profile_id -> Text,
        path -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    import_rejections (run_id, seq) {
        run_id -> Text,
        seq -> Integer,
        line -> Integer,
        reference -> Text,
        column_name -> Text,
        value -> Text,
        reason -> Text,
    }
}

diesel::table! {
    candidate_profiles (user_id) {
        user_id -> Text,
        presentation -> Text,
        level_reached -> Nullable<Integer>,
        level_sought -> Nullable<Integer>,
        commune_insee -> Nullable<Text>,
        department -> Nullable<Text>,
        mobility_km -> Integer,
        available_from -> Nullable<Date>,
        visible -> Bool,
        validation_status -> Text,
        rejection_reason -> Nullable<Text>,
        validated_by -> Nullable<Text>,
        validated_at -> Nullable<Timestamp>,
        cv_file -> Nullable<Text>,
        cv_original_name -> Nullable<Text>,
        cv_size -> Nullable<BigInt>,
        cv_uploaded_at -> Nullable<Timestamp>,
        structured_cv -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    cv_alerts (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        rome -> Text,
        commune -> Text,
        radius_km -> Text,
        level -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    cv_alert_sent (alert_id, candidate_id) {
        alert_id -> Text,
        candidate_id -> Text,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    candidate_accompaniments (candidate_id) {
        candidate_id -> Text,
        agency_id -> Text,
        follow_consent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    candidate_occupations (user_id, rome_code) {
        user_id -> Text,
        rome_code -> Text,
    }
}

diesel::table! {
    applications (id) {
        id -> Text,
        offer_id -> Text,
        candidate_id -> Nullable<Text>,
        managed_by_id -> Text,
        status -> Text,
        decline_reason -> Nullable<Text>,
        first_answered_at -> Nullable<Timestamp>,
        reminded_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        contract_type -> Nullable<Text>,
        contract_start -> Nullable<Date>,
        hired_at -> Nullable<Timestamp>,
        contract_confirmed_at -> Nullable<Timestamp>,
        contract_corrected -> Bool,
    }
}

diesel::table! {
    application_messages (id) {
        id -> Text,
        application_id -> Text,
        author_id -> Nullable<Text>,
        from_candidate -> Bool,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    saved_offers (user_id, offer_id) {
        user_id -> Text,
        offer_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    saved_profiles (user_id, candidate_id) {
        user_id -> Text,
        candidate_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    saved_searches (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        query -> Text,
        alerts -> Bool,
        feed_token -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    digest_sent (saved_search_id, offer_id) {
        saved_search_id -> Text,
        offer_id -> Text,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    contact_requests (id) {
        id -> Text,
        candidate_id -> Text,
        organisation_id -> Text,
        requested_by -> Nullable<Text>,
        message -> Text,
        status -> Text,
        created_at -> Timestamp,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    funder_settings (organisation_id) {
        organisation_id -> Text,
        decision_days -> Integer,
    }
}

diesel::table! {
    funder_codes (code) {
        code -> Text,
        organisation_id -> Text,
        status -> Text,
        requested_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    trainings (id) {
        id -> Text,
        publisher_id -> Text,
        numero -> Text,
        centre_id -> Nullable<Text>,
        centre_siret -> Text,
        title -> Text,
        rome_codes -> Text,
        search_terms -> Text,
        certifying -> Bool,
        entry_level -> Integer,
        data -> Text,
        digest -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        is_summary -> Bool,
        summary_href -> Nullable<Text>,
    }
}

diesel::table! {
    training_actions (id) {
        id -> Text,
        training_id -> Text,
        numero -> Text,
        commune_insee -> Nullable<Text>,
        department -> Nullable<Text>,
        lat -> Nullable<Double>,
        lon -> Nullable<Double>,
        teaching_mode -> Integer,
        prescription_required -> Bool,
        data -> Text,
    }
}

diesel::table! {
    training_action_funders (action_id, position) {
        action_id -> Text,
        position -> Integer,
        lheo_code -> Text,
        funder_id -> Nullable<Text>,
        places -> Nullable<Integer>,
    }
}

diesel::table! {
    training_sessions (id) {
        id -> Text,
        action_id -> Text,
        training_id -> Text,
        numero -> Text,
        start_date -> Nullable<Date>,
        end_date -> Nullable<Date>,
        recruitment -> Text,
        places -> Nullable<Integer>,
        funded -> Bool,
        data -> Text,
    }
}

diesel::table! {
    prescribed_people (id) {
        id -> Text,
        agency_id -> Text,
        first_name -> Text,
        last_name -> Text,
        birth_date -> Date,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        situation -> Text,
        level -> Integer,
        job_seeker_id -> Nullable<Text>,
        consent_at -> Timestamp,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sex -> Nullable<Text>,
        erasure_warned_at -> Nullable<Timestamp>,
        decisions_by_mail_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    prescriptions (id) {
        id -> Text,
        session_id -> Text,
        person_id -> Text,
        agency_id -> Text,
        prescriber_id -> Nullable<Text>,
        centre_id -> Text,
        funder_id -> Nullable<Text>,
        motive -> Text,
        status -> Text,
        refusal_reason -> Nullable<Text>,
        refusal_detail -> Nullable<Text>,
        outcome_reason -> Nullable<Text>,
        decision_due -> Date,
        submitted_at -> Timestamp,
        received_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        entry_date -> Nullable<Date>,
        exit_date -> Nullable<Date>,
        reminded_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        dropout_reason -> Nullable<Text>,
        qualification -> Nullable<Text>,
    }
}

diesel::table! {
    prescription_followups (prescription_id) {
        prescription_id -> Text,
        due_on -> Date,
        situation -> Nullable<Text>,
        answered_by -> Nullable<Text>,
        answered_by_user -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        token_hash -> Nullable<Text>,
        mailed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    prescription_events (id) {
        id -> Text,
        prescription_id -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        event_date -> Nullable<Date>,
        note -> Nullable<Text>,
        user_id -> Nullable<Text>,
        organisation_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    prescription_messages (id) {
        id -> Text,
        prescription_id -> Text,
        author_id -> Nullable<Text>,
        organisation_id -> Nullable<Text>,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    survey_responses (id) {
        id -> Text,
        user_id -> Nullable<Text>,
        organisation_id -> Nullable<Text>,
        network -> Text,
        role -> Text,
        quarter -> Text,
        outcome -> Text,
        ease -> Nullable<Integer>,
        speed -> Nullable<Integer>,
        dialogue -> Nullable<Integer>,
        overall -> Nullable<Integer>,
        comment -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> Text,
        organisation_id -> Text,
        url -> Text,
        secret -> Text,
        events -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        subscription_id -> Text,
        event -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        next_attempt_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_offer_states (offer_id) {
        offer_id -> Text,
        status -> Text,
    }
}

diesel::joinable!(training_actions -> trainings (training_id));
diesel::joinable!(training_sessions -> training_actions (action_id));
diesel::joinable!(training_action_funders -> training_actions (action_id));
diesel::joinable!(funder_codes -> organisations (organisation_id));
diesel::joinable!(prescriptions -> training_sessions (session_id));
diesel::joinable!(prescriptions -> prescribed_people (person_id));
diesel::joinable!(prescription_events -> prescriptions (prescription_id));
diesel::joinable!(prescription_followups -> prescriptions (prescription_id));
diesel::joinable!(prescription_messages -> prescriptions (prescription_id));
diesel::joinable!(saved_offers -> offers (offer_id));
diesel::joinable!(applications -> offers (offer_id));
diesel::joinable!(application_messages -> applications (application_id));
diesel::joinable!(candidate_profiles -> users (user_id));
diesel::joinable!(candidate_occupations -> users (user_id));
diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(offers -> communes (commune_insee));
diesel::joinable!(offers -> rome_occupations (rome_code));
diesel::joinable!(organisation_departments -> organisations (organisation_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(user_tokens -> users (user_id));

diesel::joinable!(import_runs -> import_profiles (profile_id));
diesel::joinable!(gateway_entries -> offers (offer_id));
diesel::joinable!(import_rejections -> import_runs (run_id));
diesel::joinable!(webhook_deliveries -> webhook_subscriptions (subscription_id));

diesel::allow_tables_to_appear_in_same_query!(
    webhook_subscriptions,
    webhook_deliveries,
    webhook_offer_states,
    ftps_folders,
    gateway_entries,
    import_profiles,
    import_runs,
    import_rejections,
    regions,
    departments,
    communes,
    rome_occupations,
    naf_divisions,
    naf_codes,
    instance_settings,
    naf_division_rome,
    organisations,
    organisation_departments,
    users,
    sessions,
    user_tokens,
    api_tokens,
    login_failures,
    throttle_hits,
    audit_events,
    outbox_mails,
    jobs,
    schedules,
    delegations,
    offers,
    candidate_profiles,
    candidate_accompaniments,
    cv_alerts,
    cv_alert_sent,
    candidate_occupations,
    applications,
    application_messages,
    saved_offers,
    saved_profiles,
    saved_searches,
    digest_sent,
    contact_requests,
    funder_settings,
    funder_codes,
    trainings,
    training_actions,
    training_action_funders,
    training_sessions,
    prescribed_people,
    prescriptions,
    prescription_followups,
    prescription_events,
    prescription_messages,
    survey_responses,
);

// ---- Practitioner training programme and editorial content ----

diesel::table! {
    programme_courses (id) {
        id -> Text,
        kind -> Text,
        title -> Text,
        summary -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    programme_sessions (id) {
        id -> Text,
        course_id -> Text,
        place -> Text,
        audience -> Text,
        capacity -> Integer,
        max_per_organisation -> Integer,
        confirmed -> Integer,
        last_seq -> Integer,
        first_day -> Date,
        created_at -> Timestamp,
    }
}

diesel::table! {
    programme_session_days (session_id, day) {
        session_id -> Text,
        day -> Date,
    }
}

diesel::table! {
    programme_registrations (id) {
        id -> Text,
        session_id -> Text,
        user_id -> Text,
        organisation_id -> Text,
        status -> Text,
        seq -> Integer,
        created_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
        cancelled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    programme_org_quotas (session_id, organisation_id) {
        session_id -> Text,
        organisation_id -> Text,
        active -> Integer,
    }
}

diesel::table! {
    programme_attendance (registration_id, day) {
        registration_id -> Text,
        day -> Date,
        recorded_by -> Nullable<Text>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    programme_evaluations (registration_id) {
        registration_id -> Text,
        session_id -> Text,
        content_score -> Integer,
        facilitation_score -> Integer,
        usefulness_score -> Integer,
        organisation_score -> Integer,
        comment -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    content_news (id) {
        id -> Text,
        slug -> Text,
        title -> Text,
        summary -> Text,
        body -> Text,
        territory -> Nullable<Text>,
        published_at -> Timestamp,
        updated_at -> Timestamp,
        author_id -> Nullable<Text>,
    }
}

diesel::table! {
    content_events (id) {
        id -> Text,
        kind -> Text,
        title -> Text,
        description -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        place -> Text,
        organiser -> Text,
        territory -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        author_id -> Nullable<Text>,
    }
}

diesel::table! {
    content_pages (id) {
        id -> Text,
        slug -> Text,
        title -> Text,
        body -> Text,
        updated_at -> Timestamp,
        author_id -> Nullable<Text>,
        audience -> Text,
        summary -> Text,
        category -> Text,
    }
}

diesel::table! {
    content_proposals (id) {
        id -> Text,
        organisation_id -> Text,
        author_id -> Nullable<Text>,
        kind -> Text,
        title -> Text,
        summary -> Text,
        body -> Text,
        starts_at -> Nullable<Timestamp>,
        ends_at -> Nullable<Timestamp>,
        place -> Text,
        organiser -> Text,
        territory -> Nullable<Text>,
        status -> Text,
        reason -> Text,
        published_path -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(programme_sessions -> programme_courses (course_id));
diesel::joinable!(programme_registrations -> programme_sessions (session_id));
diesel::joinable!(programme_registrations -> users (user_id));
diesel::joinable!(programme_registrations -> organisations (organisation_id));

diesel::allow_tables_to_appear_in_same_query!(
    programme_courses,
    programme_sessions,
    programme_session_days,
    programme_registrations,
    programme_org_quotas,
    programme_attendance,
    programme_evaluations,
    content_news,
    content_events,
    content_pages,
    content_proposals,
);
diesel::allow_tables_to_appear_in_same_query!(programme_registrations, users);
diesel::allow_tables_to_appear_in_same_query!(content_proposals, organisations);
diesel::allow_tables_to_appear_in_same_query!(programme_registrations, organisations);
// ---- Espaces Métiers network and job-discovery actions ----

diesel::table! {
    sites (id) {
        id -> Text,
        host_id -> Text,
        name -> Text,
        address -> Text,
        commune_insee -> Text,
        opening_hours -> Text,
        services -> Text,
        resources -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        central_site_id -> Nullable<Text>,
    }
}

diesel::table! {
    site_plans (id) {
        id -> Text,
        site_id -> Text,
        year -> Integer,
        status -> Text,
        review_comment -> Text,
        reviewed_by -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        reviewed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    site_plan_objectives (id) {
        id -> Text,
        plan_id -> Text,
        text -> Text,
        target -> Nullable<Integer>,
        achieved -> Nullable<Integer>,
        comment -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    site_plan_actions (id) {
        id -> Text,
        plan_id -> Text,
        title -> Text,
        period -> Text,
        audience -> Text,
        partner -> Text,
        status -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    site_visits (id) {
        id -> Text,
        site_id -> Text,
        visited_on -> Date,
        age_band -> Text,
        situation -> Text,
        topic -> Text,
        group_size -> Integer,
        referred_to -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    site_events (id) {
        id -> Text,
        site_id -> Text,
        kind -> Text,
        title -> Text,
        description -> Text,
        starts_at -> Timestamp,
        capacity -> Nullable<Integer>,
        registered -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    site_event_registrations (id) {
        id -> Text,
        event_id -> Text,
        name -> Text,
        email -> Text,
        created_at -> Timestamp,
        cancel_token_hash -> Nullable<Text>,
    }
}

diesel::table! {
    exhibitions (id) {
        id -> Text,
        title -> Text,
        description -> Text,
        requirements -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    exhibition_bookings (id) {
        id -> Text,
        exhibition_id -> Text,
        site_id -> Text,
        starts_on -> Date,
        ends_on -> Date,
        transport_days_before -> Integer,
        transport_days_after -> Integer,
        booked_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    exhibition_booked_days (exhibition_id, day) {
        exhibition_id -> Text,
        day -> Date,
        booking_id -> Text,
    }
}

diesel::table! {
    discovery_actions (id) {
        id -> Text,
        organisation_id -> Text,
        kind -> Text,
        title -> Text,
        description -> Text,
        rome_codes -> Text,
        levels -> Text,
        capacity -> Integer,
        commune_insee -> Text,
        lat -> Nullable<Double>,
        lon -> Nullable<Double>,
        on_request -> Bool,
        starts_on -> Nullable<Date>,
        ends_on -> Nullable<Date>,
        search_terms -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        entered_by_org -> Nullable<Text>,
        entered_by -> Nullable<Text>,
        import_org -> Nullable<Text>,
        import_key -> Nullable<Text>,
    }
}

diesel::table! {
    discovery_needs (id) {
        id -> Text,
        school_id -> Text,
        teacher_id -> Nullable<Text>,
        class_name -> Text,
        level -> Text,
        group_size -> Integer,
        period_from -> Date,
        period_to -> Date,
        commune_insee -> Text,
        lat -> Nullable<Double>,
        lon -> Nullable<Double>,
        radius_km -> Integer,
        rome_codes -> Text,
        message -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    discovery_proposals (id) {
        id -> Text,
        need_id -> Text,
        organisation_id -> Text,
        proposed_by -> Nullable<Text>,
        kind -> Text,
        proposed_date -> Date,
        message -> Text,
        status -> Text,
        request_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    discovery_search_days (school_id, day) {
        school_id -> Text,
        day -> Date,
    }
}

diesel::table! {
    discovery_views (action_id, school_id) {
        action_id -> Text,
        school_id -> Text,
        first_viewed_at -> Timestamp,
    }
}

diesel::table! {
    discovery_requests (id) {
        id -> Text,
        action_id -> Text,
        company_id -> Text,
        school_id -> Text,
        teacher_id -> Nullable<Text>,
        group_size -> Integer,
        wished_dates -> Text,
        message -> Text,
        status -> Text,
        proposed_date -> Nullable<Date>,
        answer -> Nullable<Text>,
        company_attendance -> Nullable<Integer>,
        school_attendance -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(site_visits -> sites (site_id));
diesel::joinable!(site_events -> sites (site_id));
diesel::joinable!(site_plans -> sites (site_id));
diesel::joinable!(site_plan_objectives -> site_plans (plan_id));
diesel::joinable!(site_plan_actions -> site_plans (plan_id));
diesel::joinable!(site_event_registrations -> site_events (event_id));
diesel::joinable!(exhibition_bookings -> exhibitions (exhibition_id));
diesel::joinable!(exhibition_bookings -> sites (site_id));
diesel::joinable!(discovery_requests -> discovery_actions (action_id));
diesel::joinable!(sites -> organisations (host_id));
diesel::joinable!(sites -> communes (commune_insee));
diesel::joinable!(discovery_actions -> organisations (organisation_id));
diesel::joinable!(discovery_actions -> communes (commune_insee));

diesel::allow_tables_to_appear_in_same_query!(
    sites,
    site_plans,
    site_plan_objectives,
    site_plan_actions,
    site_visits,
    site_events,
    site_event_registrations,
    exhibitions,
    exhibition_bookings,
    exhibition_booked_days,
    discovery_actions,
    discovery_views,
    discovery_requests,
    discovery_needs,
    discovery_proposals,
    discovery_search_days,
);
diesel::joinable!(discovery_proposals -> discovery_needs (need_id));
diesel::joinable!(discovery_needs -> communes (commune_insee));
diesel::allow_tables_to_appear_in_same_query!(discovery_needs, organisations);
diesel::allow_tables_to_appear_in_same_query!(discovery_needs, communes);
diesel::allow_tables_to_appear_in_same_query!(discovery_proposals, organisations);
diesel::allow_tables_to_appear_in_same_query!(discovery_requests, organisations);
diesel::allow_tables_to_appear_in_same_query!(discovery_actions, organisation_departments);
diesel::allow_tables_to_appear_in_same_query!(sites, organisations);
diesel::allow_tables_to_appear_in_same_query!(sites, communes);
diesel::allow_tables_to_appear_in_same_query!(site_events, communes);
diesel::allow_tables_to_appear_in_same_query!(site_events, organisations);
diesel::allow_tables_to_appear_in_same_query!(site_plans, users);
diesel::allow_tables_to_appear_in_same_query!(discovery_actions, organisations);
diesel::allow_tables_to_appear_in_same_query!(discovery_actions, communes);

// ---- Information line (Cap Info) ----

diesel::table! {
    helpline_topics (code) {
        code -> Text,
        label -> Text,
        position -> Integer,
        active -> Bool,
    }
}

diesel::table! {
    helpline_requests (id) {
        id -> Text,
        reference -> Text,
        channel -> Text,
        status -> Text,
        topic -> Text,
        caller_kind -> Text,
        age_band -> Text,
        situation -> Text,
        requester_name -> Nullable<Text>,
        requester_email -> Nullable<Text>,
        requester_phone -> Nullable<Text>,
        subject -> Text,
        question -> Text,
        partner_id -> Nullable<Text>,
        officer_id -> Nullable<Text>,
        received_at -> Timestamp,
        clock_started_at -> Timestamp,
        paused_since -> Nullable<Timestamp>,
        paused_seconds -> BigInt,
        first_response_at -> Nullable<Timestamp>,
        first_response_seconds -> Nullable<BigInt>,
        first_response_by -> Nullable<Text>,
        first_response_partner_id -> Nullable<Text>,
        reminded_at -> Nullable<Timestamp>,
        escalated_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    helpline_events (id) {
        id -> Text,
        request_id -> Text,
        kind -> Text,
        body -> Nullable<Text>,
        user_id -> Nullable<Text>,
        organisation_id -> Nullable<Text>,
        message_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    helpline_links (token_hash) {
        token_hash -> Text,
        request_id -> Text,
        partner_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    helpline_supervisors (user_id) {
        user_id -> Text,
    }
}

diesel::joinable!(helpline_events -> helpline_requests (request_id));
diesel::joinable!(helpline_links -> helpline_requests (request_id));
diesel::joinable!(helpline_requests -> helpline_topics (topic));

diesel::allow_tables_to_appear_in_same_query!(
    helpline_topics,
    helpline_requests,
    helpline_events,
    helpline_links,
    helpline_supervisors,
);
diesel::allow_tables_to_appear_in_same_query!(helpline_requests, organisations);
diesel::allow_tables_to_appear_in_same_query!(helpline_topics, organisations);
diesel::allow_tables_to_appear_in_same_query!(helpline_events, users);
diesel::allow_tables_to_appear_in_same_query!(helpline_events, organisations);
diesel::allow_tables_to_appear_in_same_query!(helpline_supervisors, users);

diesel::table! {
    partner_profiles (organisation_id) {
        organisation_id -> Text,
        platform_role -> Text,
        website -> Nullable<Text>,
        description -> Text,
        listed -> Bool,
        onboarding_started_on -> Date,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    partner_contacts (id) {
        id -> Text,
        organisation_id -> Text,
        name -> Text,
        function -> Text,
        email -> Text,
        phone -> Nullable<Text>,
        is_public -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    partner_steps (organisation_id, step) {
        organisation_id -> Text,
        step -> Text,
        done_on -> Date,
        done_by -> Text,
        note -> Nullable<Text>,
        import_profile_id -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    charter_versions (id) {
        id -> Text,
        number -> Integer,
        title -> Text,
        body -> Text,
        effective_on -> Date,
        published_by -> Text,
        published_at -> Timestamp,
    }
}

diesel::table! {
    charter_signatures (id) {
        id -> Text,
        version_id -> Text,
        organisation_id -> Text,
        user_id -> Text,
        signed_at -> Timestamp,
    }
}

diesel::table! {
    partner_renewals (id) {
        id -> Text,
        organisation_id -> Text,
        year -> Integer,
        renewal_on -> Date,
        requested_cents -> BigInt,
        requested_on -> Date,
        due_on -> Date,
        paid_cents -> Nullable<BigInt>,
        paid_on -> Nullable<Date>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    partner_reminders (item, sent_on) {
        item -> Text,
        sent_on -> Date,
    }
}

diesel::joinable!(charter_signatures -> charter_versions (version_id));
diesel::joinable!(partner_profiles -> organisations (organisation_id));
diesel::joinable!(charter_signatures -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    partner_profiles,
    partner_contacts,
    partner_steps,
    charter_versions,
    charter_signatures,
    partner_renewals,
    partner_reminders,
);
diesel::allow_tables_to_appear_in_same_query!(partner_profiles, organisations);
diesel::allow_tables_to_appear_in_same_query!(charter_signatures, users);
diesel::allow_tables_to_appear_in_same_query!(charter_signatures, organisations);
diesel::allow_tables_to_appear_in_same_query!(partner_steps, users);
diesel::allow_tables_to_appear_in_same_query!(partner_profiles, organisation_departments);

diesel::table! {
    report_counts (metric, department, month, dim) {
        metric -> Text,
        department -> Text,
        month -> Text,
        dim -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    report_dirty (month, tx) {
        month -> Text,
        tx -> BigInt,
    }
}

diesel::table! {
    search_changes (seq) {
        seq -> BigInt,
        kind -> Text,
        item_id -> Text,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    search_nodes (id) {
        id -> Text,
        cursor -> BigInt,
        seen_at -> Timestamp,
    }
}

diesel::table! {
    stored_files (id) {
        id -> Text,
        kind -> Text,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        bytes -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    retention_settings (kind) {
        kind -> Text,
        days -> Integer,
        updated_by -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    legal_texts (key) {
        key -> Text,
        body -> Text,
        updated_by -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    campaigns (id) {
        id -> Text,
        subject -> Text,
        body -> Text,
        audience -> Text,
        department -> Nullable<Text>,
        rome_code -> Nullable<Text>,
        org_kind -> Nullable<Text>,
        status -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    campaign_recipients (id) {
        id -> Text,
        campaign_id -> Text,
        user_id -> Text,
        email -> Text,
        status -> Text,
        token_digest -> Nullable<Text>,
        outbox_mail_id -> Nullable<Text>,
        created_at -> Timestamp,
        handled_at -> Nullable<Timestamp>,
        unsubscribed_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(campaign_recipients -> campaigns (campaign_id));
diesel::allow_tables_to_appear_in_same_query!(campaigns, campaign_recipients);
diesel::allow_tables_to_appear_in_same_query!(campaign_recipients, outbox_mails);
diesel::allow_tables_to_appear_in_same_query!(campaign_recipients, users);
diesel::allow_tables_to_appear_in_same_query!(campaigns, users);
