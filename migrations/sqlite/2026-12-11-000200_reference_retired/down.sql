ALTER TABLE naf_codes DROP COLUMN retired_at;
ALTER TABLE communes DROP COLUMN retired_at;
ALTER TABLE rome_occupations DROP COLUMN retired_at;
