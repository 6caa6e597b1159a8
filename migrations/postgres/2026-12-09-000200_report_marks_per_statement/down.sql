DROP TRIGGER report_offers_update ON offers;
DROP TRIGGER report_offers_delete ON offers;
DROP TRIGGER report_offers_insert ON offers;
DROP FUNCTION report_offers_updated();
DROP FUNCTION report_offers_added_or_removed();

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
