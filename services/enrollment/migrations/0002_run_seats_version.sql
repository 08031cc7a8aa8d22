-- The course run's version each seat row reflects: the course feed's events and the course
-- service's answers may arrive out of order, and an older state must not undo a newer one.
ALTER TABLE run_seats ADD COLUMN run_version BIGINT NOT NULL DEFAULT 0;
