-- Precomputed counts for the dashboards and the annex (see src/reports/rollup.rs).
-- report_counts holds, per Paris month, the counts of each metric by department ('*': the
-- whole region) and dimension. Triggers mark a month dirty whenever a row counted in it
-- changes; the refresh job recomputes dirty months, and until it has, readers compute those
-- months from the source tables: the figures are always exact.
-- A Paris month: the UTC instant shifted by the offset in force at the start of the next
-- month (+2 h for April to October, +1 h otherwise) matters only in the last two hours of
-- a month, hence report_paris_month.
-- Offers of a stretch by department and ROME code, from the index alone.
DROP INDEX offers_created_rome;
CREATE INDEX offers_created_department_rome ON offers (created_at, department, rome_code);

CREATE TABLE report_counts (
    metric TEXT NOT NULL,
    department TEXT NOT NULL,
    month TEXT NOT NULL,
    dim TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (metric, department, month, dim)
);

-- tx: the writing transaction, so that writers never wait on each other here and a mark
-- left by a transaction the refresh could not see yet stays (0 on SQLite).
CREATE TABLE report_dirty (
    month TEXT NOT NULL,
    tx BIGINT NOT NULL,
    PRIMARY KEY (month, tx)
);

CREATE FUNCTION report_paris_month(t timestamp) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN extract(month FROM t + interval '2 hours') BETWEEN 4 AND 10
        THEN to_char(t + interval '2 hours', 'YYYY-MM')
        ELSE to_char(t + interval '1 hour', 'YYYY-MM') END
$$;

-- One mark per month and writing transaction: writers never wait on each other here.
CREATE FUNCTION report_mark(t timestamp) RETURNS void LANGUAGE sql AS $$
    INSERT INTO report_dirty (month, tx)
    SELECT report_paris_month(t), txid_current() WHERE t IS NOT NULL
    ON CONFLICT (month, tx) DO NOTHING
$$;

CREATE FUNCTION report_mark_user(user_ref text) RETURNS void LANGUAGE sql AS $$
    SELECT report_mark(u.created_at) FROM users u WHERE u.id = user_ref
$$;

CREATE FUNCTION report_offers_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM report_mark(OLD.created_at);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM report_mark(NEW.created_at);
    END IF;
    IF TG_OP = 'UPDATE' AND (OLD.department IS DISTINCT FROM NEW.department
            OR OLD.rome_code IS DISTINCT FROM NEW.rome_code) THEN
        PERFORM report_mark(a.created_at) FROM applications a WHERE a.offer_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER report_offers_insert_delete AFTER INSERT OR DELETE ON offers
    FOR EACH ROW EXECUTE FUNCTION report_offers_changed();
CREATE TRIGGER report_offers_update AFTER UPDATE ON offers FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.department IS DISTINCT FROM NEW.department
        OR OLD.rome_code IS DISTINCT FROM NEW.rome_code OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION report_offers_changed();

CREATE FUNCTION report_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM report_mark(OLD.created_at);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM report_mark(NEW.created_at);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER report_applications_insert_delete AFTER INSERT OR DELETE ON applications
    FOR EACH ROW EXECUTE FUNCTION report_rows_changed();
CREATE TRIGGER report_applications_update AFTER UPDATE ON applications FOR EACH ROW
    WHEN (OLD.offer_id IS DISTINCT FROM NEW.offer_id OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION report_rows_changed();
CREATE TRIGGER report_users_insert AFTER INSERT ON users FOR EACH ROW
    WHEN (NEW.role = 'candidate') EXECUTE FUNCTION report_rows_changed();
CREATE TRIGGER report_users_delete AFTER DELETE ON users FOR EACH ROW
    WHEN (OLD.role = 'candidate') EXECUTE FUNCTION report_rows_changed();
CREATE TRIGGER report_users_update AFTER UPDATE ON users FOR EACH ROW
    WHEN ((OLD.role = 'candidate' OR NEW.role = 'candidate') AND (OLD.role IS DISTINCT FROM NEW.role
        OR OLD.birth_date IS DISTINCT FROM NEW.birth_date OR OLD.created_at IS DISTINCT FROM NEW.created_at))
    EXECUTE FUNCTION report_rows_changed();

CREATE FUNCTION report_candidate_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM report_mark_user(OLD.user_id);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM report_mark_user(NEW.user_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER report_profiles_insert_delete AFTER INSERT OR DELETE ON candidate_profiles
    FOR EACH ROW EXECUTE FUNCTION report_candidate_changed();
CREATE TRIGGER report_profiles_update AFTER UPDATE ON candidate_profiles FOR EACH ROW
    WHEN (OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.department IS DISTINCT FROM NEW.department
        OR OLD.level_reached IS DISTINCT FROM NEW.level_reached)
    EXECUTE FUNCTION report_candidate_changed();
CREATE TRIGGER report_occupations_changed AFTER INSERT OR UPDATE OR DELETE ON candidate_occupations
    FOR EACH ROW EXECUTE FUNCTION report_candidate_changed();

-- What an existing database already holds is counted at the first refresh.
INSERT INTO report_dirty (month, tx)
SELECT DISTINCT report_paris_month(created_at), 0 FROM (
    SELECT created_at FROM offers
    UNION ALL SELECT created_at FROM applications
    UNION ALL SELECT created_at FROM users WHERE role = 'candidate'
) t;
