-- Pages of a run's or a workshop's enrollments (ListEnrollments filtered by run or workshop,
-- ordered by id) read in index order from where the last page ended, instead of sorting all of
-- the run's or workshop's rows for each page.
ALTER TABLE enrollments
  ADD KEY enrollments_run_page (run_id, id),
  ADD KEY enrollments_workshop_page (workshop_id, id);
