-- Precomputed counts for the dashboards and the annex (see src/reports/rollup.rs).
-- report_counts holds, per Paris month, the counts of each metric by department ('*': the
-- whole region) and dimension. Triggers mark a month dirty whenever a row counted in it
-- changes; the refresh job recomputes dirty months, and until it has, readers compute those
-- months from the source tables: the figures are always exact.
-- A Paris month: the UTC instant shifted by the offset in force at the start of the next
-- month (+2 h for April to October, +1 h otherwise) matters only in the last two hours of
-- a month, hence the expression below.
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
) WITHOUT ROWID;

-- tx: 0 here (SQLite has one writer at a time, and the refresh holds the write lock while
-- it counts), the writing transaction on PostgreSQL.
CREATE TABLE report_dirty (
    month TEXT NOT NULL,
    tx BIGINT NOT NULL,
    PRIMARY KEY (month, tx)
);

CREATE TRIGGER report_offers_insert AFTER INSERT ON offers FOR EACH ROW
BEGIN
    INSERT INTO report_dirty (month, tx) VALUES (CASE WHEN CAST(strftime('%m', NEW.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', NEW.created_at, '+2 hours') ELSE strftime('%Y-%m', NEW.created_at, '+1 hour') END, 0) ON CONFLICT (month, tx) DO NOTHING;
END;

CREATE TRIGGER report_offers_delete AFTER DELETE ON offers FOR EACH ROW
BEGIN
    INSERT INTO report_dirty (month, tx) VALUES (CASE WHEN CAST(strftime('%m', OLD.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', OLD.created_at, '+2 hours') ELSE strftime('%Y-%m', OLD.created_at, '+1 hour') END, 0) ON CONFLICT (month, tx) DO NOTHING;
END;

CREATE TRIGGER report_offers_update AFTER UPDATE ON offers FOR EACH ROW WHEN OLD.status IS NOT NEW.status OR OLD.department IS NOT NEW.department OR OLD.rome_code IS NOT NEW.rome_code OR OLD.created_at IS NOT NEW.created_at
BEGIN
    INSERT INTO report_dirty (month, tx) VALUES (CASE WHEN CAST(strftime('%m', OLD.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', OLD.created_at, '+2 hours') ELSE strftime('%Y-%m', OLD.created_at, '+1 hour') END, 0) ON CONFLICT (month, tx) DO NOTHING;
    INSERT INTO report_dirty (month, tx) VALUES (CASE WHEN CAST(strftime('%m', NEW.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', NEW.created_at, '+2 hours') ELSE strftime('%Y-%m', NEW.created_at, '+1 hour') END, 0) ON CONFLICT (month, tx) DO NOTHING;
END;

CREATE TRIGGER report_offers_update_applications AFTER UPDATE ON offers FOR EACH ROW WHEN OLD.department IS NOT NEW.department OR OLD.rome_code IS NOT NEW.rome_code
BEGIN
    INSERT INTO report_dirty (month, tx) SELECT DISTINCT CASE WHEN CAST(strftime('%m', a.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', a.created_at, '+2 hours') ELSE strftime('%Y-%m', a.created_at, '+1 hour') END, 0 FROM applications a WHERE a.offer_id = NEW.id ON CONFLICT (month, tx) DO NOTHING;
END;

CREATE TRIGGER report_applications_insert AFTER INSERT ON applications FOR EACH ROW
BEGIN
    INSERT INTO report_dirty (month, tx) VALUES (CASE WHEN CAST(strftime('%m', NEW.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', NEW.created_at, '+2 hours') ELSE strftime('%Y-%m', NEW.created_at, '+1 hour') END, 0) ON CONFLICT (month, tx) DO NOTHING;
END;

CREATE TRIGGER report_applications_delete AFTER DELETE ON applications FOR EACH ROW
BEGIN
    INSERT INTO report_dirty (month, tx) VALUES (CASE WHEN CAST(strftime('%m', OLD.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', OLD.created_at, '+2 hours') ELSE strftime('%Y-%m', OLD.created_at, '+1 hour') END, 0) ON CONFLICT (month, tx) DO NOTHING;
END;

CREATE TRIGGER report_applications_update AFTER UPDATE ON applications FOR EACH ROW WHEN OLD.offer_id IS NOT NEW.offer_id OR OLD.created_at IS NOT NEW.created_at
BEGIN
    INSERT INTO report_dirty (month, tx) VALUES (CASE WHEN CAST(strftime('%m', OLD.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', OLD.created_at, '+2 hours') ELSE strftime('%Y-%m', OLD.created_at, '+1 hour') END, 0) ON CONFLICT (month, tx) DO NOTHING;
    INSERT INTO report_dirty (month, tx) VALUES (CASE WHEN CAST(strftime('%m', NEW.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', NEW.created_at, '+2 hours') ELSE strftime('%Y-%m', NEW.created_at, '+1 hour') END, 0) ON CONFLICT (month, tx) DO NOTHING;
END;

CREATE TRIGGER report_users_insert AFTER INSERT ON users FOR EACH ROW WHEN NEW.role = 'candidate'
BEGIN
    INSERT INTO report_dirty (month, tx) VALUES (CASE WHEN CAST(strftime('%m', NEW.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', NEW.created_at, '+2 hours') ELSE strftime('%Y-%m', NEW.created_at, '+1 hour') END, 0) ON CONFLICT (month, tx) DO NOTHING;
END;

CREATE TRIGGER report_users_delete AFTER DELETE ON users FOR EACH ROW WHEN OLD.role = 'candidate'
BEGIN
    INSERT INTO report_dirty (month, tx) VALUES (CASE WHEN CAST(strftime('%m', OLD.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', OLD.created_at, '+2 hours') ELSE strftime('%Y-%m', OLD.created_at, '+1 hour') END, 0) ON CONFLICT (month, tx) DO NOTHING;
END;

CREATE TRIGGER report_users_update AFTER UPDATE ON users FOR EACH ROW WHEN (OLD.role = 'candidate' OR NEW.role = 'candidate') AND (OLD.role IS NOT NEW.role OR OLD.birth_date IS NOT NEW.birth_date OR OLD.created_at IS NOT NEW.created_at)
BEGIN
    INSERT INTO report_dirty (month, tx) VALUES (CASE WHEN CAST(strftime('%m', OLD.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', OLD.created_at, '+2 hours') ELSE strftime('%Y-%m', OLD.created_at, '+1 hour') END, 0) ON CONFLICT (month, tx) DO NOTHING;
    INSERT INTO report_dirty (month, tx) VALUES (CASE WHEN CAST(strftime('%m', NEW.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', NEW.created_at, '+2 hours') ELSE strftime('%Y-%m', NEW.created_at, '+1 hour') END, 0) ON CONFLICT (month, tx) DO NOTHING;
END;

CREATE TRIGGER report_profiles_insert AFTER INSERT ON candidate_profiles FOR EACH ROW
BEGIN
    INSERT INTO report_dirty (month, tx) SELECT CASE WHEN CAST(strftime('%m', u.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', u.created_at, '+2 hours') ELSE strftime('%Y-%m', u.created_at, '+1 hour') END, 0 FROM users u WHERE u.id = NEW.user_id ON CONFLICT (month, tx) DO NOTHING;
END;

CREATE TRIGGER report_profiles_delete AFTER DELETE ON candidate_profiles FOR EACH ROW
BEGIN
    INSERT INTO report_dirty (month, tx) SELECT CASE WHEN CAST(strftime('%m', u.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', u.created_at, '+2 hours') ELSE strftime('%Y-%m', u.created_at, '+1 hour') END, 0 FROM users u WHERE u.id = OLD.user_id ON CONFLICT (month, tx) DO NOTHING;
END;

CREATE TRIGGER report_profiles_update AFTER UPDATE ON candidate_profiles FOR EACH ROW WHEN OLD.user_id IS NOT NEW.user_id OR OLD.department IS NOT NEW.department OR OLD.level_reached IS NOT NEW.level_reached
BEGIN
    INSERT INTO report_dirty (month, tx) SELECT CASE WHEN CAST(strftime('%m', u.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', u.created_at, '+2 hours') ELSE strftime('%Y-%m', u.created_at, '+1 hour') END, 0 FROM users u WHERE u.id = OLD.user_id ON CONFLICT (month, tx) DO NOTHING;
    INSERT INTO report_dirty (month, tx) SELECT CASE WHEN CAST(strftime('%m', u.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', u.created_at, '+2 hours') ELSE strftime('%Y-%m', u.created_at, '+1 hour') END, 0 FROM users u WHERE u.id = NEW.user_id ON CONFLICT (month, tx) DO NOTHING;
END;

CREATE TRIGGER report_occupations_insert AFTER INSERT ON candidate_occupations FOR EACH ROW
BEGIN
    INSERT INTO report_dirty (month, tx) SELECT CASE WHEN CAST(strftime('%m', u.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', u.created_at, '+2 hours') ELSE strftime('%Y-%m', u.created_at, '+1 hour') END, 0 FROM users u WHERE u.id = NEW.user_id ON CONFLICT (month, tx) DO NOTHING;
END;

CREATE TRIGGER report_occupations_delete AFTER DELETE ON candidate_occupations FOR EACH ROW
BEGIN
    INSERT INTO report_dirty (month, tx) SELECT CASE WHEN CAST(strftime('%m', u.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', u.created_at, '+2 hours') ELSE strftime('%Y-%m', u.created_at, '+1 hour') END, 0 FROM users u WHERE u.id = OLD.user_id ON CONFLICT (month, tx) DO NOTHING;
END;

CREATE TRIGGER report_occupations_update AFTER UPDATE ON candidate_occupations FOR EACH ROW
BEGIN
    INSERT INTO report_dirty (month, tx) SELECT CASE WHEN CAST(strftime('%m', u.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', u.created_at, '+2 hours') ELSE strftime('%Y-%m', u.created_at, '+1 hour') END, 0 FROM users u WHERE u.id = OLD.user_id ON CONFLICT (month, tx) DO NOTHING;
    INSERT INTO report_dirty (month, tx) SELECT CASE WHEN CAST(strftime('%m', u.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', u.created_at, '+2 hours') ELSE strftime('%Y-%m', u.created_at, '+1 hour') END, 0 FROM users u WHERE u.id = NEW.user_id ON CONFLICT (month, tx) DO NOTHING;
END;

-- What an existing database already holds is counted at the first refresh.
INSERT INTO report_dirty (month, tx) SELECT DISTINCT CASE WHEN CAST(strftime('%m', created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', created_at, '+2 hours') ELSE strftime('%Y-%m', created_at, '+1 hour') END, 0 FROM offers WHERE true ON CONFLICT (month, tx) DO NOTHING;
INSERT INTO report_dirty (month, tx) SELECT DISTINCT CASE WHEN CAST(strftime('%m', created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', created_at, '+2 hours') ELSE strftime('%Y-%m', created_at, '+1 hour') END, 0 FROM applications WHERE true ON CONFLICT (month, tx) DO NOTHING;
INSERT INTO report_dirty (month, tx) SELECT DISTINCT CASE WHEN CAST(strftime('%m', created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', created_at, '+2 hours') ELSE strftime('%Y-%m', created_at, '+1 hour') END, 0 FROM users WHERE true AND role = 'candidate' ON CONFLICT (month, tx) DO NOTHING;
