DROP TABLE helpline_supervisors;
DROP TABLE helpline_submissions;
DROP TABLE helpline_links;
DROP TABLE helpline_events;
DROP TABLE helpline_requests;
DROP TABLE helpline_topics;
