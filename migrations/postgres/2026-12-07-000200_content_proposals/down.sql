ALTER TABLE content_pages DROP COLUMN category;
ALTER TABLE content_pages DROP COLUMN summary;
ALTER TABLE content_pages DROP COLUMN audience;
DROP TABLE content_proposals;
