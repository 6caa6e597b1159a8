-- Reference codes the official files no longer list: kept while rows use them, so those rows
-- keep their names, but marked retired so that nothing new chooses them.
ALTER TABLE rome_occupations ADD COLUMN retired_at TIMESTAMP;
ALTER TABLE communes ADD COLUMN retired_at TIMESTAMP;
ALTER TABLE naf_codes ADD COLUMN retired_at TIMESTAMP;
